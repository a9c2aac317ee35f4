// Shared by exec and export: flags → chain → plan → credentials.

import { getProfile, resolveChain, resolveRegion, type Chain, type ProfileConfig } from '../../core/config.js';
import { parseDuration } from '../../core/duration.js';
import { MfaExecError } from '../../core/errors.js';
import { planCredentials, resolveCredentials } from '../../core/plan.js';
import type { Credentials } from '../../core/types.js';
import type { CREDENTIAL_FLAGS, Values } from '../args.js';
import type { Context } from '../context.js';

/** The credentials of the profile named on the command line (else AWS_PROFILE), with the region the child gets. */
export async function credentialsFor(
  ctx: Context,
  profileArg: string | undefined,
  values: Values<typeof CREDENTIAL_FLAGS>,
): Promise<{ profile: ProfileConfig; chain: Chain; credentials: Credentials; region: string | undefined }> {
  const { resolve, ...rest } = credentialSourceFor(ctx, profileArg, values);
  return { ...rest, credentials: await resolve() };
}

/** The profile, chain and region, and `resolve` to run the credential flow (again, e.g. to refresh) for them. */
export function credentialSourceFor(
  ctx: Context,
  profileArg: string | undefined,
  values: Values<typeof CREDENTIAL_FLAGS>,
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
  const duration = values.duration;
  const sessionDuration = values['session-duration'];
  const plan = planCredentials(chain, {
    durationSeconds: duration === undefined ? undefined : parseDuration(duration, '--duration'),
    sessionDurationSeconds:
      sessionDuration === undefined ? undefined : parseDuration(sessionDuration, '--session-duration'),
    noSession: values['no-session'] === true,
  });
  // As authenticator apps show it ("123 456"): spaces are not part of the code.
  const mfaToken = values['mfa-token']?.replace(/\s/g, '');
  if (mfaToken !== undefined && !/^\d{6}$/.test(mfaToken.trim())) {
    throw new MfaExecError('usage', '--mfa-token must be the 6-digit code shown by the MFA device', {
      hint: 'e.g. --mfa-token 123456',
    });
  }
  const deps = ctx.credentialDeps(chain, profile, { region: values.region, mfaToken, prompt: values.prompt });
  return {
    profile,
    chain,
    region: resolveRegion({ flag: values.region, env: ctx.env, profile }),
    resolve: () => resolveCredentials(plan, deps),
  };
}
