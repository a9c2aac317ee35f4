// Resolve the temporary credentials for a profile: cache → MFA session → role(s),
// with the refresh window, one lock around prompt + STS + cache, and MFA retries.

import { AwsCallError, MfaExecError, isMfaCodeRejected } from './errors.js';
import type { CredentialPlan } from './plan.js';
import { decodeEntry, decodeKey, encodeEntry, keyItem, type CachedEntry } from './store-items.js';
import type { Clock, Credentials, Lock, Logger, MfaCodeSource, SecretStore, StsClient, UsedCodes } from './types.js';

/** Credentials are refreshed, never used, within this many seconds of their expiry. */
export const REFRESH_WINDOW_SECONDS = 300;
/** TOTP codes change every 30 s. */
const TOTP_STEP_MS = 30_000;

/** Everything resolveCredentials needs from the outside world. */
export interface CredentialDeps {
  store: SecretStore;
  sts: StsClient;
  clock: Clock;
  lock: Lock;
  logger: Logger;
  usedCodes: UsedCodes;
  /** The MFA code source, created only when a code is really needed. */
  mfaSource: () => MfaCodeSource;
  /** Runs a source profile's credential_process. */
  credentialProcess: (command: string, profile: string) => Promise<Credentials>;
}

/** A cached entry that can still be used at `now` (outside the refresh window). */
export function isFresh(entry: CachedEntry | undefined, fingerprint: string, now: Date): entry is CachedEntry {
  const exp = entry?.credentials.expiration;
  return (
    !!entry &&
    entry.fingerprint === fingerprint &&
    !!exp &&
    exp.getTime() - now.getTime() > REFRESH_WINDOW_SECONDS * 1000
  );
}

/** The cached result of `plan` if it is fresh: the warm path, one store read. */
export async function readCachedResult(
  plan: CredentialPlan,
  deps: Pick<CredentialDeps, 'store' | 'clock'>,
): Promise<Credentials | undefined> {
  const entry = decodeEntry(await deps.store.get(plan.resultItem));
  return isFresh(entry, plan.fingerprint, deps.clock.now()) ? entry.credentials : undefined;
}

/** Credentials for `plan`: from the cache when fresh, else from STS under the lock (then cached). */
export async function resolveCredentials(plan: CredentialPlan, deps: CredentialDeps): Promise<Credentials> {
  try {
    return await resolveOrThrow(plan, deps);
  } catch (e) {
    if (!(e instanceof AwsCallError && e.code === 'ExpiredToken')) throw e;
    const { base } = plan.chain;
    throw new MfaExecError('sts', `AWS refused the credentials of profile "${base.profile}" as expired`, {
      hint:
        base.kind === 'credential_process'
          ? 'its credential_process printed expired credentials: refresh them (e.g. sign in again) and retry'
          : 'check the system clock, then run `mfa-exec clear` and retry',
      cause: e,
    });
  }
}

async function resolveOrThrow(plan: CredentialPlan, deps: CredentialDeps): Promise<Credentials> {
  const warm = await readCachedResult(plan, deps);
  if (warm) {
    deps.logger.debug(
      `using cached credentials from ${plan.resultItem.split(':')[0]} cache of profile "${plan.chain.profile}"`,
    );
    return warm;
  }
  return deps.lock.withLock(plan.lockName, async () => {
    // Another process may have done the work while we waited for the lock.
    const after = await readCachedResult(plan, deps);
    if (after) {
      deps.logger.debug('credentials were fetched by another mfa-exec while waiting for the lock');
      return after;
    }
    return fetchAndCache(plan, deps);
  });
}

async function fetchAndCache(plan: CredentialPlan, deps: CredentialDeps): Promise<Credentials> {
  const { chain } = plan;
  const base = await baseCredentials(plan, deps);
  // AWS refuses GetSessionToken with temporary credentials: such a base goes straight to AssumeRole.
  const useSession = plan.useSession && !base.sessionToken;
  if (chain.roles.length === 0) {
    if (base.sessionToken) return base;
    return getSession(plan, base, deps, false);
  }
  let creds: Credentials;
  if (useSession) {
    creds = await getSession(plan, base, deps, true);
    try {
      creds = await assumeRoles(plan, creds, deps, false);
    } catch (e) {
      if (!(e instanceof AwsCallError && e.code === 'ExpiredToken')) throw e;
      // The cached session died early (revoked or clock skew): drop it and retry once with a new one.
      deps.logger.debug('the cached MFA session was refused as expired; getting a new one');
      await deps.store.delete(plan.sessionItem);
      creds = await assumeRoles(plan, await getSession(plan, base, deps, false), deps, false);
    }
  } else {
    creds = await assumeRoles(plan, base, deps, true);
  }
  await deps.store.set(
    plan.resultItem,
    encodeEntry({ kind: 'role', credentials: creds, base: chain.base.profile, fingerprint: plan.fingerprint }),
  );
  return creds;
}

/** The long-lived key from the store, or the output of the base profile's credential_process. */
async function baseCredentials(plan: CredentialPlan, deps: CredentialDeps): Promise<Credentials> {
  const { base } = plan.chain;
  if (base.kind === 'credential_process' && base.credentialProcess) {
    return deps.credentialProcess(base.credentialProcess, base.profile);
  }
  const key = decodeKey(await deps.store.get(keyItem(base.profile)));
  if (!key) {
    throw new MfaExecError('no-stored-key', `no key stored for profile "${base.profile}"`, {
      hint: `run \`mfa-exec add ${base.profile}\`, or \`mfa-exec import ${base.profile} --scrub\` to move it from the credentials file`,
    });
  }
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

/** The MFA session for the base key: cached if fresh (and `useCache`), else GetSessionToken, cached. */
async function getSession(
  plan: CredentialPlan,
  base: Credentials,
  deps: CredentialDeps,
  useCache: boolean,
): Promise<Credentials> {
  if (useCache) {
    const cached = decodeEntry(await deps.store.get(plan.sessionItem));
    if (isFresh(cached, plan.sessionFingerprint, deps.clock.now())) {
      deps.logger.debug('using the cached MFA session');
      return cached.credentials;
    }
  }
  const serial = plan.chain.mfaSerial;
  deps.logger.debug(
    `GetSessionToken for key ${showKey(base.accessKeyId)}${serial ? ` with MFA device ${serial}` : ' without MFA'}, ${plan.sessionSeconds}s`,
  );
  const session = await withMfaCode(serial, deps, (tokenCode) =>
    decorate(plan, 'GetSessionToken', () =>
      deps.sts.getSessionToken({
        credentials: base,
        durationSeconds: plan.sessionSeconds,
        serialNumber: serial,
        tokenCode,
      }),
    ),
  );
  await deps.store.set(
    plan.sessionItem,
    encodeEntry({
      kind: 'session',
      credentials: session,
      base: plan.chain.base.profile,
      fingerprint: plan.sessionFingerprint,
    }),
  );
  return session;
}

/** AssumeRole down the chain; the first call carries the MFA code when `withMfa`. */
async function assumeRoles(
  plan: CredentialPlan,
  start: Credentials,
  deps: CredentialDeps,
  withMfa: boolean,
): Promise<Credentials> {
  const { roles } = plan.chain;
  let creds = start;
  for (const [i, role] of roles.entries()) {
    const last = i === roles.length - 1;
    const serial = withMfa && i === 0 ? (role.mfaSerial ?? plan.chain.mfaSerial) : undefined;
    const durationSeconds = last ? plan.roleSeconds : Math.min(3600, role.durationSeconds ?? 3600);
    const roleSessionName = role.roleSessionName ?? `mfa-exec-${Math.floor(deps.clock.now().getTime() / 1000)}`;
    deps.logger.debug(
      `AssumeRole ${role.roleArn} as ${roleSessionName} for ${durationSeconds}s${serial ? ` with MFA device ${serial}` : ''}`,
    );
    const input = {
      credentials: creds,
      roleArn: role.roleArn,
      roleSessionName,
      durationSeconds,
      externalId: role.externalId,
    };
    creds = serial
      ? await withMfaCode(serial, deps, (tokenCode) =>
          decorate(plan, `AssumeRole on ${role.roleArn}`, () =>
            deps.sts.assumeRole({ ...input, serialNumber: serial, tokenCode }),
          ),
        )
      : await decorate(plan, `AssumeRole on ${role.roleArn}`, () => deps.sts.assumeRole(input));
  }
  return creds;
}

/**
 * Run `call` with an MFA code for `serial` (or none when there is no device). A code AWS
 * already accepted is never sent again; a rejected code is asked again three times at a
 * terminal, and a non-interactive source is run once more after the 30 s window turns.
 */
export async function withMfaCode<T>(
  serial: string | undefined,
  deps: CredentialDeps,
  call: (code: string | undefined) => Promise<T>,
): Promise<T> {
  if (!serial) return call(undefined);
  const source = deps.mfaSource();
  for (let attempt = 1; ; attempt++) {
    // Authenticator apps show "123 456": spaces are not part of the code.
    const code = (await source.getCode(serial, attempt)).replace(/\s/g, '');
    const retry = async (why: string): Promise<boolean> => {
      // Read after getCode: a source may settle what it is on its first code (a stored TOTP seed or not).
      if (attempt >= source.maxTries) return false;
      if (source.interactive) {
        deps.logger.info(`${why}; try again`);
      } else {
        const wait = TOTP_STEP_MS - (deps.clock.now().getTime() % TOTP_STEP_MS) + 1000;
        deps.logger.info(`${why}; waiting ${Math.ceil(wait / 1000)}s for the next code from ${source.name}`);
        await deps.clock.sleep(wait);
      }
      return true;
    };
    if (!/^\d{6}$/.test(code)) {
      // A person mistyped: ask again. A program printed something else: waiting will not help.
      if (source.interactive && (await retry('an MFA code is 6 digits'))) continue;
      throw new MfaExecError('mfa', `the MFA code from ${source.name} is not 6 digits`, {
        hint: 'give the current 6-digit code of the device ' + serial,
      });
    }
    if (await deps.usedCodes.wasUsed(serial, code)) {
      const next = Math.ceil((TOTP_STEP_MS - (deps.clock.now().getTime() % TOTP_STEP_MS)) / 1000);
      const why = 'that MFA code was already used once and AWS would reject it';
      // A person is told when the next code appears; a program source is waited for.
      if (source.interactive && attempt < source.maxTries) {
        deps.logger.info(`${why}; type the next code, which the device shows in ${next} s`);
        continue;
      }
      if (await retry(why)) continue;
      throw new MfaExecError(
        'mfa',
        `the MFA code for ${serial} was already used once, and AWS rejects a code used twice`,
        {
          hint: `run again with the next code, which the device shows in ${next} s`,
        },
      );
    }
    try {
      const result = await call(code);
      await deps.usedCodes.markUsed(serial, code);
      return result;
    } catch (e) {
      if (!isMfaCodeRejected(e)) throw e;
      if (await retry('AWS rejected the MFA code')) continue;
      throw new MfaExecError('mfa', `AWS rejected the MFA code for ${serial}`, {
        hint: 'check that the device matches mfa_serial and that the clock is right; each code works once',
        cause: e,
      });
    }
  }
}

/** Turn AWS's answers into messages that name the profile and the next action. */
async function decorate<T>(plan: CredentialPlan, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof AwsCallError)) throw e;
    const base = plan.chain.base.profile;
    switch (e.code) {
      case 'InvalidClientTokenId':
        throw new MfaExecError(
          'sts',
          `AWS does not recognise the access key stored for profile "${base}" (deleted or deactivated)`,
          {
            hint: `store a working key with \`mfa-exec add ${base}\``,
            cause: e,
          },
        );
      case 'SignatureDoesNotMatch':
        throw new MfaExecError('sts', `the secret key stored for profile "${base}" does not match its access key id`, {
          hint: `store the right key with \`mfa-exec add ${base}\``,
          cause: e,
        });
      case 'AccessDenied':
        if (isMfaCodeRejected(e)) throw e;
        throw new MfaExecError('sts', `${what} was denied for profile "${plan.chain.profile}": ${e.awsMessage}`, {
          hint: 'check the role trust policy and whether it requires MFA, mfa_serial, and that the user may call sts:AssumeRole on it',
          cause: e,
        });
      case 'ExpiredToken':
        throw e;
      default:
        throw new MfaExecError(
          'sts',
          `${what} failed for profile "${plan.chain.profile}": ${e.code}: ${e.awsMessage}`,
          {
            hint: 'check the profile settings; run with --debug for details',
            cause: e,
          },
        );
    }
  }
}

/** A key id as it may be shown: its last 4 characters only. */
export function showKey(accessKeyId: string): string {
  return `…${accessKeyId.slice(-4)}`;
}
