// `mfa-exec exec <profile> [-- cmd args...]`: run a command (default: the user's shell)
// with temporary credentials in its environment.

import { buildChildEnv, containerEnv, nestingGuard, refuseDefaultCredentialSource } from '../../core/child-env.js';
import type { Parsed } from '../args.js';
import type { Context } from '../context.js';
import { credentialSourceFor, credentialsFor } from './get-credentials.js';

/** Run the command; resolves to the exit status mfa-exec should exit with. */
export async function execCommand(ctx: Context, parsed: Parsed): Promise<number> {
  nestingGuard(ctx.env);
  const [profileArg, ...extra] = parsed.positionals;
  const argv = parsed.rest ?? extra;
  if (parsed.values['ecs-server']) return execWithEcsServer(ctx, parsed, profileArg, argv);
  const { credentials, region, profile } = await credentialsFor(ctx, profileArg, parsed.values);
  const [command, ...args] = argv.length ? argv : [ctx.io.defaultShell(ctx.env)];
  const env = buildChildEnv({ parent: ctx.env, credentials, region, profile: profile.name });
  ctx.logger.debug(
    `running ${command} with credentials for profile "${profile.name}" (key …${credentials.accessKeyId.slice(-4)})`,
  );
  return ctx.io.runChild({ command: command!, args, env });
}

/** `exec --ecs-server`: the child reads refreshing credentials from a local server, which stops when the child exits. */
async function execWithEcsServer(
  ctx: Context,
  parsed: Parsed,
  profileArg: string | undefined,
  argv: string[],
): Promise<number> {
  const { profile, region, resolve } = credentialSourceFor(ctx, profileArg, parsed.values);
  // The SDKs read [default] before container credentials: refuse rather than let the child use other ones.
  refuseDefaultCredentialSource(ctx.files());
  const [command, ...args] = argv.length ? argv : [ctx.io.defaultShell(ctx.env)];
  const server = await ctx.io.startEcsServer({ resolve, logger: ctx.logger });
  try {
    const env = containerEnv({ parent: ctx.env, url: server.url, token: server.token, region, profile: profile.name });
    ctx.logger.debug(`running ${command} with credentials for profile "${profile.name}" served on ${server.url}`);
    return await ctx.io.runChild({ command: command!, args, env });
  } finally {
    await server.close();
  }
}
