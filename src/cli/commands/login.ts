// `mfa-exec login <profile> [--stdout] [--path P]`: the AWS console, signed in with the
// profile's role credentials (or, without a role, a GetFederationToken session).

import { resolveEndpoint } from '../../core/config.js';
import { parseDuration } from '../../core/duration.js';
import { MfaExecError } from '../../core/errors.js';
import { decodeKey, keyItem } from '../../core/store-items.js';
import type { Credentials } from '../../core/types.js';
import type { ParsedOf } from '../args.js';
import type { loginSpec } from '../specs.js';
import type { Context } from '../context.js';
import { stdoutIsTerminal } from '../output.js';
import { credentialSourceFor } from './get-credentials.js';

/** Sign in to the console: print the URL with --stdout, else open it in the default browser. */
export async function loginCommand(ctx: Context, parsed: ParsedOf<typeof loginSpec>): Promise<number> {
  const source = credentialSourceFor(ctx, parsed.positionals[0], parsed.values);
  const { chain, profile, region } = source;
  // Role credentials, or a base's own temporary credentials (SSO, web identity, credential_source,
  // credential_process), sign in as they are; only a stored long-lived key needs GetFederationToken first.
  const credentials =
    chain.roles.length > 0 || chain.base.kind !== 'key'
      ? await source.resolve()
      : await federationCredentials(ctx, parsed, source);
  if (!credentials.sessionToken) {
    throw new MfaExecError(
      'config',
      `profile "${profile.name}" gives a long-lived key, and the console needs temporary credentials`,
      { hint: 'add role_arn to the profile to sign in as a role' },
    );
  }
  const partition = ctx.io.federation.partitionOf([chain.roles.at(-1)?.roleArn, chain.mfaSerial], region);
  const federation = ctx.env.MFA_EXEC_FEDERATION_URL || ctx.io.federation.PARTITION_ENDPOINTS[partition].federation;
  if (!URL.canParse(federation)) {
    throw new MfaExecError('config', `MFA_EXEC_FEDERATION_URL is not a URL: "${federation}"`, {
      hint: 'set it to e.g. https://signin.aws.amazon.com/federation, or unset it',
    });
  }
  const token = await ctx.io.federation.getSigninToken(federation, credentials, ctx.logger);
  const url = ctx.io.federation.loginUrl(
    federation,
    token,
    ctx.io.federation.consoleDestination(partition, parsed.values.path, region),
  );
  if (parsed.values.stdout) {
    ctx.stdout(`${url}\n`);
    if (stdoutIsTerminal())
      ctx.logger.info(
        'warning: this URL signs anyone who opens it in to the console for 15 minutes, and the terminal keeps it in its scrollback; without --stdout mfa-exec hands it to the browser unseen',
      );
  } else {
    await ctx.io.federation.openInBrowser(url, { env: ctx.env, logger: ctx.logger });
    ctx.logger.info(`opened the AWS console for profile "${profile.name}" in the browser`);
  }
  return 0;
}

/** A profile without a role: GetFederationToken with its stored long-lived key (AWS accepts no MFA code or session credentials there). */
async function federationCredentials(
  ctx: Context,
  parsed: ParsedOf<typeof loginSpec>,
  source: ReturnType<typeof credentialSourceFor>,
): Promise<Credentials> {
  const { chain, profile, region } = source;
  const base = chain.base.profile;
  const key = decodeKey(await ctx.store().get(keyItem(base)));
  if (!key) {
    throw new MfaExecError(
      'no-stored-key',
      `profile "${profile.name}" has no role_arn, and the console then needs a stored long-lived key for "${base}"`,
      { hint: `run \`mfa-exec add ${base}\`` },
    );
  }
  if (chain.mfaSerial)
    ctx.logger.info(
      `profile "${profile.name}" has no role: the console session comes from GetFederationToken, which takes no MFA code`,
    );
  const duration = parsed.values.duration;
  const seconds = duration === undefined ? 3600 : parseDuration(duration, '--duration');
  const endpoint = resolveEndpoint('sts', { env: ctx.env, profile, files: ctx.files() });
  const name = `mfa-exec-${base}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 32);
  ctx.logger.debug(`GetFederationToken as ${name} for ${seconds}s`);
  return ctx.io.federation.getFederationToken(
    { region, endpoint },
    { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    name,
    seconds,
  );
}
