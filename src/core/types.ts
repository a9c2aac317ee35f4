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

/** The two STS calls the credential flow needs. */
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
