// Which STS calls a profile needs, with which durations and caches, and the provider tree
// that makes them (the picture: docs/ARCHITECTURE.md, "The provider tree").

import type { Chain, ChainBase } from './config.js';
import { checkRange } from './duration.js';
import { MfaExecError } from './errors.js';
import { assumeRole } from './providers/assume-role.js';
import { baseProvider } from './providers/base.js';
import { cached, cachedOrElse, readCached, type CacheSpec } from './providers/cached.js';
import { locked } from './providers/locked.js';
import { renewExpiredSession } from './providers/renew-expired.js';
import { sessionToken } from './providers/session-token.js';
import type { CredentialDeps, CredentialProvider } from './providers/types.js';
import { roleItem, sessionItem } from './store-items.js';
import type { Credentials } from './types.js';

/** Default lifetime of the MFA session (GetSessionToken): 8 h. */
export const DEFAULT_SESSION_SECONDS = 8 * 3600;
/** Default lifetime of role credentials: 1 h. */
export const DEFAULT_ROLE_SECONDS = 3600;
/** AWS caps AssumeRole made with temporary credentials (role chaining) at 1 h. */
export const CHAINED_ROLE_MAX_SECONDS = 3600;

/** What the user asked for on the command line. */
export interface PlanOptions {
  durationSeconds?: number;
  sessionDurationSeconds?: number;
  noSession?: boolean;
}

/** The resolved plan for one profile. */
export interface CredentialPlan {
  chain: Chain;
  /** GetSessionToken first (cached), then AssumeRole with the session. Decided here only. */
  useSession: boolean;
  sessionSeconds: number;
  /** Lifetime asked for the last role (the credentials the child gets); 0 without a role. */
  roleSeconds: number;
  /** Store item holding the result the child gets. */
  resultItem: string;
  /** Store item of the MFA session. */
  sessionItem: string;
  /** Identifies the chain's shape; a cached result with another fingerprint is a miss. */
  fingerprint: string;
  /** The fingerprint of the MFA session (base profile + device). */
  sessionFingerprint: string;
  /** Name of the cross-process lock around prompt + STS + cache for this key and device. */
  lockName: string;
}

/** The plan for `chain`: as the contract says, over 1 h or --no-session skips the MFA session. */
export function planCredentials(chain: Chain, opts: PlanOptions): CredentialPlan {
  const last = chain.roles[chain.roles.length - 1];
  const sessionSeconds = checkRange(
    opts.sessionDurationSeconds ?? DEFAULT_SESSION_SECONDS,
    900,
    129600,
    'an MFA session (--session-duration)',
  );
  const roleSeconds = last
    ? checkRange(
        opts.durationSeconds ?? last.durationSeconds ?? DEFAULT_ROLE_SECONDS,
        900,
        43200,
        'role credentials (--duration / duration_seconds)',
      )
    : 0;
  if (!last) {
    if (opts.noSession) {
      throw new MfaExecError('usage', `--no-session needs a profile with role_arn; "${chain.profile}" has none`, {
        hint: 'drop --no-session: a profile without a role gets the MFA session itself',
      });
    }
  } else if (chain.roles.length > 1 && roleSeconds > CHAINED_ROLE_MAX_SECONDS) {
    throw new MfaExecError(
      'usage',
      `profile "${chain.profile}" chains ${chain.roles.length} roles, and AWS limits a chained role to 1h`,
      {
        hint: 'ask for --duration 1h or less',
      },
    );
  }
  // Only a stored long-lived key gets an MFA session: AWS refuses GetSessionToken with temporary
  // credentials, and the AWS CLI uses what credential_process prints as it is (MFA goes on AssumeRole).
  const useSession =
    chain.base.kind === 'key' && (!last || (!opts.noSession && roleSeconds <= CHAINED_ROLE_MAX_SECONDS));
  const sessionFingerprint = JSON.stringify([chain.base.profile, chain.mfaSerial ?? null]);
  const ownCache = baseCache(chain.base);
  return {
    chain,
    useSession,
    // A profile without a role hands the MFA session itself to the child, so --duration sets its length (as aws-vault does).
    sessionSeconds:
      !last && opts.durationSeconds !== undefined && opts.sessionDurationSeconds === undefined
        ? checkRange(opts.durationSeconds, 900, 129600, 'an MFA session (--duration)')
        : sessionSeconds,
    roleSeconds,
    resultItem: last ? roleItem(chain.profile) : (ownCache?.item ?? sessionItem(chain.base.profile, chain.mfaSerial)),
    sessionItem: sessionItem(chain.base.profile, chain.mfaSerial),
    sessionFingerprint,
    fingerprint: last
      ? JSON.stringify([
          sessionFingerprint,
          chain.roles.map((r) => {
            const shape: unknown[] = [r.roleArn, r.roleSessionName ?? null, r.externalId ?? null];
            // Keys added later extend the shape only when set, so existing caches stay valid.
            if (r.sourceIdentity !== undefined || r.tags !== undefined || r.transitiveTagKeys !== undefined)
              shape.push(r.sourceIdentity ?? null, r.tags ?? null, r.transitiveTagKeys ?? null);
            return shape;
          }),
          ...(ownCache ? [ownCache.fingerprint] : []),
        ])
      : (ownCache?.fingerprint ?? sessionFingerprint),
    lockName: `${chain.base.profile}\u0000${chain.mfaSerial ?? ''}`,
  };
}

/** Bases whose own credentials come from an AWS call are cached too, under the base profile's role item. */
function baseCache(base: ChainBase): CacheSpec | undefined {
  const cache = (fingerprint: unknown[]): CacheSpec => ({
    item: roleItem(base.profile),
    kind: 'role',
    base: base.profile,
    fingerprint: JSON.stringify(fingerprint),
  });
  if (base.kind === 'web-identity') {
    const w = base.webIdentity;
    return cache(['web-identity', w.roleArn, w.tokenFile, w.roleSessionName ?? null]);
  }
  if (base.kind === 'sso') {
    const s = base.sso;
    return cache(['sso', s.startUrl, s.region, s.accountId, s.roleName]);
  }
  return undefined;
}

/**
 * Whether the provider tree of `plan` reads a cached result first (see credentialProvider). Only
 * a base used as it is (credential_process, credential_source, no role, no MFA session) is not:
 * its credentials come from the base each time, whatever an item of the same name may hold.
 */
function resultIsCached(plan: CredentialPlan): boolean {
  return plan.chain.roles.length > 0 || plan.useSession || baseCache(plan.chain.base) !== undefined;
}

/** The cached result of `plan` if it is fresh: the warm path, one store read (none when nothing is cached). */
export async function readCachedResult(
  plan: CredentialPlan,
  deps: Pick<CredentialDeps, 'store' | 'clock'>,
): Promise<Credentials | undefined> {
  if (!resultIsCached(plan)) return undefined;
  return readCached({ item: plan.resultItem, fingerprint: plan.fingerprint }, deps);
}

/**
 * The provider tree for `plan` (aws-vault's vault/ providers, composed as the JS SDK's fromIni does):
 *   cached(result) ─▶ locked ─▶ assumeRole(N) ─▶ … ─▶ assumeRole(1) ─▶ cached(session) ─▶ sessionToken ─▶ base
 * A base that gives temporary credentials goes straight to assumeRole(1), which then carries the MFA code.
 */
export function credentialProvider(plan: CredentialPlan, deps: CredentialDeps): CredentialProvider {
  const { chain } = plan;
  const ownCache = baseCache(chain.base);
  let base = baseProvider(chain.base, deps);
  const result: CacheSpec = {
    item: plan.resultItem,
    kind: chain.roles.length ? 'role' : 'session',
    base: chain.base.profile,
    fingerprint: plan.fingerprint,
  };
  // Read once before the lock (the warm path), again under it (another process may have just cached).
  const underLock = (inner: CredentialProvider, spec: CacheSpec) =>
    cachedOrElse(spec, locked(cached(inner, spec, deps), plan.lockName, deps), deps);
  if (chain.roles.length === 0) {
    if (plan.useSession)
      return underLock(sessionToken(base, { mfaSerial: chain.mfaSerial, seconds: plan.sessionSeconds }, deps), result);
    // resultIsCached(plan) is false exactly here, without ownCache.
    return ownCache ? underLock(base, ownCache) : base;
  }
  if (ownCache) base = cached(base, ownCache, deps);
  let creds = plan.useSession
    ? cached(
        sessionToken(base, { mfaSerial: chain.mfaSerial, seconds: plan.sessionSeconds }, deps),
        { item: plan.sessionItem, kind: 'session', base: chain.base.profile, fingerprint: plan.sessionFingerprint },
        deps,
      )
    : base;
  chain.roles.forEach((role, i) => {
    const last = i === chain.roles.length - 1;
    creds = assumeRole(
      creds,
      {
        ...role,
        durationSeconds: last ? plan.roleSeconds : Math.min(CHAINED_ROLE_MAX_SECONDS, role.durationSeconds ?? 3600),
        // The MFA code goes on the first AssumeRole unless the MFA session under it carries it.
        mfaSerial: !plan.useSession && i === 0 ? (role.mfaSerial ?? chain.mfaSerial) : undefined,
      },
      deps,
    );
  });
  if (plan.useSession) creds = renewExpiredSession(creds, plan.sessionItem, deps);
  return underLock(creds, result);
}

/** Credentials for `plan`: from the cache when fresh, else from AWS under the lock (then cached). */
export function resolveCredentials(plan: CredentialPlan, deps: CredentialDeps): Promise<Credentials> {
  return credentialProvider(plan, deps)();
}
