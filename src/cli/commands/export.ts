// `mfa-exec export <profile> --format env|shell|json|ini`: print the temporary credentials.

import { escapeControls } from '../../core/display.js';
import { resolveRegion } from '../../core/config.js';
import { isoUtc } from '../../core/duration.js';
import { MfaExecError } from '../../core/errors.js';
import type { Credentials } from '../../core/types.js';
import type { ParsedOf } from '../args.js';
import type { exportSpec } from '../specs.js';
import type { Context } from '../context.js';
import { stdoutIsTerminal } from '../output.js';
import { credentialsFor } from './get-credentials.js';

/** Print the credentials in the chosen format. */
export async function exportCommand(ctx: Context, parsed: ParsedOf<typeof exportSpec>): Promise<number> {
  const format = parsed.values.format ?? 'env';
  const { credentials, profile } = await credentialsFor(ctx, parsed.positionals[0], parsed.values);
  const region = resolveRegion({ flag: parsed.values.region, env: ctx.env, profile });
  ctx.stdout(formatCredentials(credentials, format, profile.name, region));
  // As aws-vault warns: on a terminal the secret stays in the scrollback, the screen, a recording.
  if (stdoutIsTerminal())
    ctx.logger.info(
      'warning: secret credentials were printed on the terminal, where its scrollback keeps them; prefer `mfa-exec exec PROFILE -- CMD`, or pipe or redirect the output',
    );
  return 0;
}

/** The credentials as text in `format`. */
export function formatCredentials(
  c: Credentials,
  format: NonNullable<ParsedOf<typeof exportSpec>['values']['format']>,
  profile: string,
  region: string | undefined,
): string {
  const expiration = c.expiration && isoUtc(c.expiration);
  if (format === 'json') {
    return `${JSON.stringify({ Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: expiration })}\n`;
  }
  if (format === 'ini') {
    return [
      `[${escapeControls(profile)}]`,
      `aws_access_key_id = ${c.accessKeyId}`,
      `aws_secret_access_key = ${c.secretAccessKey}`,
      ...(c.sessionToken ? [`aws_session_token = ${c.sessionToken}`] : []),
      ...(region ? [`region = ${region}`] : []),
      '',
    ].join('\n');
  }
  const vars: [string, string | undefined][] = [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
    ['AWS_SESSION_TOKEN', c.sessionToken],
    ['AWS_SECURITY_TOKEN', c.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', expiration],
    ['AWS_REGION', region],
    ['AWS_DEFAULT_REGION', region],
  ];
  const present = vars.filter((v): v is [string, string] => v[1] !== undefined);
  if (format === 'shell') return present.map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'\n`).join('');
  return present.map(([k, v]) => `${k}=${v}\n`).join('');
}
