// The ports core talks through, and the plain data it passes around.
// Core never does I/O itself: every adapter implements one of these.

/** Temporary (or long-lived, without sessionToken/expiration) AWS credentials. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Absent for long-lived keys. */
  expiration?: Date;
}

/** A long-lived access key as kept in the store. */
export interface StoredKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** ISO 8601 time the key was put in the store (for doctor's age check). */
  addedAt?: string;
}

/** Key/value secret storage (OS keychain or encrypted file). Values are opaque strings. */
export interface SecretStore {
  /** The value stored under `name`, or null when there is none. */
  get(name: string): Promise<string | null>;
  /** Store `value` under `name`, replacing any previous value. */
  set(name: string, value: string): Promise<void>;
  /** Delete `name`; resolves false when it was not there. */
  delete(name: string): Promise<boolean>;
  /** Every name in the store (only mfa-exec's own items). */
  list(): Promise<string[]>;
}

/** The STS calls the credential flow needs. Errors come out translated (one line naming the profile). */
export interface StsClient {
  getSessionToken(input: {
    credentials: Credentials;
    durationSeconds: number;
    serialNumber?: string;
    tokenCode?: string;
  }): Promise<Credentials>;
  assumeRole(input: {
    credentials: Credentials;
    roleArn: string;
    roleSessionName: string;
    durationSeconds: number;
    externalId?: string;
    serialNumber?: string;
    tokenCode?: string;
    sourceIdentity?: string;
    tags?: { key: string; value: string }[];
    transitiveTagKeys?: string[];
  }): Promise<Credentials>;
  /** An unsigned call: the token from the identity provider is the proof. */
  assumeRoleWithWebIdentity(input: {
    roleArn: string;
    roleSessionName: string;
    webIdentityToken: string;
    durationSeconds?: number;
  }): Promise<Credentials>;
}

/** Where an MFA code comes from (terminal prompt, mfa_process, --mfa-token, …). */
export interface MfaCodeSource {
  /** Human name used in messages ("the terminal", "mfa_process"). */
  readonly name: string;
  /** A person answers (asked again at once after a rejected code), or a program (run again after the 30 s window turns). */
  readonly interactive: boolean;
  /** How many codes may be asked for one call (3 at a terminal, 1 for --mfa-token). */
  readonly maxTries: number;
  /** A code for `mfaSerial`; `attempt` counts from 1. */
  getCode(mfaSerial: string, attempt: number): Promise<string>;
}

/** Time, injected so core has no clock of its own. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** A cross-process mutual exclusion around "prompt + STS + cache" for one key + device. */
export interface Lock {
  /** Run `fn` while holding the lock called `name`. */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** Debug and progress output (to stderr / the terminal); never receives secrets. */
export interface Logger {
  debug(message: string): void;
  /** Progress a user should see (e.g. "waiting for the next MFA code"). */
  info(message: string): void;
}

/** Memory of MFA codes AWS has accepted, so a code is never sent twice (AWS rejects reuse). */
export interface UsedCodes {
  /** True when `code` was accepted for `mfaSerial` recently enough that AWS would reject it again. */
  wasUsed(mfaSerial: string, code: string): Promise<boolean>;
  /** Remember that AWS accepted `code` for `mfaSerial`. */
  markUsed(mfaSerial: string, code: string): Promise<void>;
}

/** An IAM user's access key as IAM lists it (never the secret). */
export interface IamAccessKey {
  accessKeyId: string;
  status: string;
  createDate?: Date;
}

/** The IAM (and sts:GetCallerIdentity) calls of setup, doctor and rotate, made with one set of credentials. Missing entities read as undefined. */
export interface IamClient {
  /** Who the credentials belong to. */
  getCallerIdentity(): Promise<{ account: string; arn: string }>;
  /** The role's ARN and trust policy (decoded JSON text), or undefined when there is no such role. */
  getRole(roleName: string): Promise<{ arn: string; trustPolicy: string } | undefined>;
  createRole(roleName: string, trustPolicy: string): Promise<{ arn: string }>;
  listAttachedRolePolicies(roleName: string): Promise<string[]>;
  attachRolePolicy(roleName: string, policyArn: string): Promise<void>;
  /** The user's ARN, or undefined when there is no such user. */
  getUser(userName: string): Promise<{ arn: string } | undefined>;
  createUser(userName: string): Promise<{ arn: string }>;
  /** The inline policy's document (decoded JSON text), or undefined when the user has none of that name. */
  getUserPolicy(userName: string, policyName: string): Promise<string | undefined>;
  putUserPolicy(userName: string, policyName: string, document: string): Promise<void>;
  listUserPolicies(userName: string): Promise<string[]>;
  listAttachedUserPolicies(userName: string): Promise<string[]>;
  listGroupsForUser(userName: string): Promise<string[]>;
  /** Serial numbers of the MFA devices assigned to the user. */
  listMfaDevices(userName: string): Promise<string[]>;
  /** A new virtual MFA device: its serial (ARN) and base32 seed. */
  createVirtualMfaDevice(deviceName: string): Promise<{ serial: string; seedBase32: string }>;
  deleteVirtualMfaDevice(serial: string): Promise<void>;
  enableMfaDevice(userName: string, serial: string, code1: string, code2: string): Promise<void>;
  listAccessKeys(userName: string): Promise<IamAccessKey[]>;
  createAccessKey(userName: string): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
}
