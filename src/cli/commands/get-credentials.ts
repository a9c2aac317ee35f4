// Shared by exec and export: flags → chain → plan → credentials.

import { getProfile, resolveChain, resolveRegion, type Chain, type ProfileConfig } from '../../core/config.js';
import { parseDuration } from '../../core/duration.js';
import { MfaExecError } from '../../core/errors.js';
import { planCredentials, resolveCredentials } from '../../core/plan.js';
import type { Credentials } from '../../core/types.js';
import type { Parsed } from '../args.js';
import type { Context } from '../context.js';

/** The credentials of the profile named on the command line (else AWS_PROFILE), with the region the child gets. */
export async function credentialsFor(
  ctx: Context,
  profileArg: string | undefined,
  values: Parsed['values'],
): Promise<{ profile: ProfileConfig; chain: Chain; credentials: Credentials; region: string | undefined }> {
  const { resolve, ...rest } = credentialSourceFor(ctx, profileArg, values);
  return { ...rest, credentials: await resolve() };
}

/** The profile, chain and region, and `resolve` to run the credential flow (again, e.g. to refresh) for them. */
export function credentialSourceFor(
  ctx: Context,
  profileArg: string | undefined,
  values: Parsed['values'],
): { profile: ProfileConfig; chain: Chain; region: string | undefined; resolve: () => Promise<Credentials> } {
  const name = profileArg ?? ctx.env.AWS_PROFILE;
  if (!name) {
    throw new MfaExecError('usage', 'no profile given', {
      hint: 'name one, e.g. `mfa-exec exec prod -- aws s3 ls`, or set AWS_PROFILE',
    });
  }
  const files = ctx.files();
  const profile = getProfile(files, name);
  const chain = resolveChain(files, name);
  const str = (k: string) => values[k] as string | undefined;
  const plan = planCredentials(chain, {
    durationSeconds: str('duration') === undefined ? undefined : parseDuration(str('duration')!, '--duration'),
    sessionDurationSeconds:
      str('session-duration') === undefined ? undefined : parseDuration(str('session-duration')!, '--session-duration'),
    noSession: values['no-session'] === true,
  });
  const mfaToken = str('mfa-token');
  if (mfaToken !== undefined && !/^\d{6}$/.test(mfaToken.trim())) {
    throw new MfaExecError('usage', '--mfa-token must be the 6-digit code shown by the MFA device', {
      hint: 'e.g. --mfa-token 123456',
    });
  }
  const deps = ctx.credentialDeps(chain, profile, { region: str('region'), mfaToken, prompt: str('prompt') });
  return {
    profile,
    chain,
    region: resolveRegion({ flag: str('region'), env: ctx.env, profile }),
    resolve: () => resolveCredentials(plan, deps),
  };
}
