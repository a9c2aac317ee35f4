// Which STS calls a profile needs, with which durations, and where the result is cached.

import type { Chain } from './config.js';
import { checkRange } from './duration.js';
import { MfaExecError } from './errors.js';
import { roleItem, sessionItem } from './store-items.js';

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
  /** GetSessionToken first (cached), then AssumeRole with the session. */
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
  const useSession = !last || (!opts.noSession && roleSeconds <= CHAINED_ROLE_MAX_SECONDS);
  const sessionFingerprint = JSON.stringify([chain.base.profile, chain.mfaSerial ?? null]);
  return {
    chain,
    useSession,
    // A profile without a role hands the MFA session itself to the child, so --duration sets its length (as aws-vault does).
    sessionSeconds:
      !last && opts.durationSeconds !== undefined && opts.sessionDurationSeconds === undefined
        ? checkRange(opts.durationSeconds, 900, 129600, 'an MFA session (--duration)')
        : sessionSeconds,
    roleSeconds,
    resultItem: last ? roleItem(chain.profile) : sessionItem(chain.base.profile, chain.mfaSerial),
    sessionItem: sessionItem(chain.base.profile, chain.mfaSerial),
    sessionFingerprint,
    fingerprint: last
      ? JSON.stringify([
          sessionFingerprint,
          chain.roles.map((r) => [r.roleArn, r.roleSessionName ?? null, r.externalId ?? null]),
        ])
      : sessionFingerprint,
    lockName: `${chain.base.profile}\u0000${chain.mfaSerial ?? ''}`,
  };
}
