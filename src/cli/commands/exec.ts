// `mfa-exec exec <profile> [-- cmd args...]`: run a command (default: the user's shell)
// with temporary credentials in its environment.

import { buildChildEnv, containerEnv, nestingGuard, refuseDefaultCredentialSource } from '../../core/child-env.js';
import { escapeControls } from '../../core/display.js';
import type { ParsedOf } from '../args.js';
import type { execSpec } from '../specs.js';
import type { Context, PickerChoice } from '../context.js';
import { credentialSourceFor, credentialsFor } from './get-credentials.js';

/** Run the command; resolves to the exit status mfa-exec should exit with. */
export async function execCommand(ctx: Context, parsed: ParsedOf<typeof execSpec>): Promise<number> {
  nestingGuard(ctx.env);
  // Options end at the command (the spec's commandAfter): the parser gives the child's words as `rest`.
  let profileArg = parsed.positionals[0];
  // No profile and no AWS_PROFILE: at a terminal, a type-to-filter list (else the usage error below).
  if (profileArg === undefined && !ctx.env.AWS_PROFILE && ctx.io.hasTerminal())
    profileArg = await ctx.io.pickProfile(choices(ctx));
  const argv = parsed.rest ?? [];
  if (parsed.values['ecs-server']) return execWithEcsServer(ctx, parsed, profileArg, argv);
  const { credentials, region, profile } = await credentialsFor(ctx, profileArg, parsed.values);
  const [command, ...args] = argv.length ? argv : [ctx.io.defaultShell(ctx.env)];
  if (!argv.length)
    announceSubshell(ctx, profile.name, `its credentials expire ${whenText(credentials.expiration, ctx.clock.now())}`);
  const env = buildChildEnv({ parent: ctx.env, credentials, region, profile: profile.name });
  ctx.logger.debug(
    `running ${command} with credentials for profile "${profile.name}" (key …${credentials.accessKeyId.slice(-4)})`,
  );
  const expiryNotice = argv.length ? undefined : noticeAtExpiry(ctx, profile.name, credentials.expiration);
  try {
    return await ctx.io.runChild({ command: command!, args, env });
  } finally {
    clearTimeout(expiryNotice);
  }
}

/** Longest delay a timer takes (about 24.8 days); credentials that last longer get no notice. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A subshell is told on the terminal, once, when its credentials expire (they are not refreshed: --ecs-server does that). */
function noticeAtExpiry(ctx: Context, profile: string, expiration: Date | undefined): NodeJS.Timeout | undefined {
  if (!expiration) return undefined;
  const delay = Math.max(0, expiration.getTime() - ctx.clock.now().getTime());
  if (delay > MAX_TIMER_MS) return undefined;
  return setTimeout(() => {
    const tty = ctx.io.openTerminal();
    if (!tty) return;
    tty.write(
      `mfa-exec: the credentials of this subshell (profile "${escapeControls(profile)}") have expired; type \`exit\` and run mfa-exec again for new ones, or use --ecs-server, which refreshes them\n`,
    );
    tty.close();
  }, delay);
}

/** `exec --ecs-server`: the child reads refreshing credentials from a local server, which stops when the child exits. */
async function execWithEcsServer(
  ctx: Context,
  parsed: ParsedOf<typeof execSpec>,
  profileArg: string | undefined,
  argv: string[],
): Promise<number> {
  const { profile, region, resolve } = credentialSourceFor(ctx, profileArg, parsed.values);
  // The SDKs read [default] before container credentials: refuse rather than let the child use other ones.
  refuseDefaultCredentialSource(ctx.files());
  const [command, ...args] = argv.length ? argv : [ctx.io.defaultShell(ctx.env)];
  const server = await ctx.io.startEcsServer({ resolve, logger: ctx.logger });
  if (!argv.length) announceSubshell(ctx, profile.name, 'its credentials are served and refreshed until it ends');
  try {
    const env = containerEnv({ parent: ctx.env, url: server.url, token: server.token, region, profile: profile.name });
    ctx.logger.debug(`running ${command} with credentials for profile "${profile.name}" served on ${server.url}`);
    return await ctx.io.runChild({ command: command!, args, env });
  } finally {
    await server.close();
  }
}

/** The one line a subshell starts with, on the terminal (never stdout or stderr): the profile, the expiry, how to leave. */
function announceSubshell(ctx: Context, profile: string, credentials: string): void {
  const tty = ctx.io.openTerminal();
  if (!tty) return;
  tty.write(
    `mfa-exec: a subshell for profile "${escapeControls(profile)}"; ${credentials}; type \`exit\` to leave it\n`,
  );
  tty.close();
}

/** "at 14:05 (in 59 min)", in local time. */
function whenText(expiration: Date | undefined, now: Date): string {
  if (!expiration) return 'never (long-lived credentials)';
  const hh = String(expiration.getHours()).padStart(2, '0');
  const mm = String(expiration.getMinutes()).padStart(2, '0');
  const minutes = Math.max(0, Math.round((expiration.getTime() - now.getTime()) / 60_000));
  const left = minutes >= 120 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
  return `at ${hh}:${mm} (in ${left})`;
}

/** Every profile of the AWS files, with what it is (its role, or where its credentials come from). */
function choices(ctx: Context): PickerChoice[] {
  const { profiles } = ctx.files();
  const kind = (p: Record<string, string>): string =>
    p.role_arn ??
    (p.sso_session || p.sso_start_url
      ? 'IAM Identity Center'
      : p.credential_process
        ? 'credential_process'
        : p.credential_source
          ? `credential_source ${p.credential_source}`
          : 'key');
  return Object.keys(profiles)
    .sort()
    .map((name) => ({ name, description: kind(profiles[name]!) }));
}
