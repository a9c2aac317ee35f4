// `mfa-exec import [<profile>...] [--scrub]`: move keys from the shared credentials file into
// the store. Every key is stored and read back before the file is touched; --scrub then
// rewrites the file atomically, removing exactly those key lines and keeping every other byte.

import { escapeControls } from '../../core/display.js';
import { MfaExecError } from '../../core/errors.js';
import { removeKeys } from '../../core/ini-edit.js';
import type { ParsedOf } from '../args.js';
import type { importSpec } from '../specs.js';
import type { Context } from '../context.js';
import { checkKey, storeKey } from './add.js';
import { backendName } from './store-view.js';

const KEY_LINES = ['aws_access_key_id', 'aws_secret_access_key'];

/** Run `import`. */
export async function importCommand(ctx: Context, parsed: ParsedOf<typeof importSpec>): Promise<number> {
  const files = ctx.files();
  const creds = files.credentialsProfiles;
  const withKey = Object.keys(creds).filter((p) => creds[p]!.aws_access_key_id && creds[p]!.aws_secret_access_key);
  const wanted = parsed.positionals.length ? parsed.positionals : withKey;
  if (wanted.length === 0) {
    throw new MfaExecError('usage', `no keys to import in ${files.credentialsLabel}`, {
      hint: 'add keys with `mfa-exec add <profile>`',
    });
  }
  for (const p of wanted) {
    if (!withKey.includes(p)) {
      throw new MfaExecError(
        'usage',
        `profile "${p}" has no aws_access_key_id and aws_secret_access_key in ${files.credentialsLabel}`,
        {
          hint: `profiles with keys there: ${withKey.join(', ') || 'none'}`,
        },
      );
    }
    if (creds[p]!.aws_session_token) {
      throw new MfaExecError(
        'usage',
        `profile "${p}" in ${files.credentialsLabel} holds temporary credentials (aws_session_token), not a long-lived key`,
        {
          hint: 'import only IAM user access keys',
        },
      );
    }
    checkKey(creds[p]!.aws_access_key_id!, creds[p]!.aws_secret_access_key!);
  }
  for (const p of wanted) {
    const key = {
      accessKeyId: creds[p]!.aws_access_key_id!,
      secretAccessKey: creds[p]!.aws_secret_access_key!,
      addedAt: ctx.clock.now().toISOString(),
    };
    await storeKey(ctx, p, key);
    ctx.stdout(
      `Imported the key …${key.accessKeyId.slice(-4)} of profile "${escapeControls(p)}" into the ${backendName(ctx)}.\n`,
    );
  }
  if (parsed.values.scrub) {
    // Read the file again now: it is rewritten from its current bytes, not from what was parsed.
    ctx.io.editAwsFile(files.credentialsPath, (before) =>
      wanted.reduce((text, p) => removeKeys(text, p, KEY_LINES), before),
    );
    ctx.stdout(`Removed ${wanted.length} key${wanted.length === 1 ? '' : 's'} from ${files.credentialsLabel}.\n`);
    // The key sat in plain text (backups, dotfiles history, sync): only a new key makes old copies worthless.
    const one = wanted.length === 1;
    ctx.stdout(
      `The removed key${one ? ' was' : 's were'} kept in plain text until now: replace ${one ? 'it' : 'each'} with \`mfa-exec rotate ${one ? escapeControls(wanted[0]!) : 'PROFILE'}\`${one ? '' : ` (${wanted.map(escapeControls).join(', ')})`}.\n`,
    );
  }
  return 0;
}
