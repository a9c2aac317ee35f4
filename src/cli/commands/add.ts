// `mfa-exec add <profile> [--env]`: store a long-lived access key in the store.

import { escapeControls } from '../../core/display.js';
import { showKey } from '../../core/redact.js';
import { MfaExecError } from '../../core/errors.js';
import { addSection } from '../../core/ini-edit.js';
import { decodeKey, encodeKey, keyItem } from '../../core/store-items.js';
import type { StoredKey } from '../../core/types.js';
import type { ParsedOf } from '../args.js';
import type { addSpec } from '../specs.js';
import type { Context } from '../context.js';
import { backendName, deleteDerived } from './store-view.js';

/** Validate a key pair as AWS shapes them; the message never contains the secret. */
export function checkKey(accessKeyId: string, secretAccessKey: string): void {
  if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) {
    throw new MfaExecError(
      'usage',
      'that is not an AWS access key id (16 to 128 capital letters and digits, e.g. AKIA…)',
      {
        hint: 'copy the "Access key ID" of the IAM user',
      },
    );
  }
  if (!/^\S{16,256}$/.test(secretAccessKey)) {
    throw new MfaExecError('usage', 'that is not an AWS secret access key (40 characters, no spaces)', {
      hint: 'copy the "Secret access key" shown when the key was created',
    });
  }
}

/** Store the key, verify it by reading it back, and drop sessions made with a previous key; returns the key it replaced and how many were dropped. */
export async function storeKey(
  ctx: Context,
  profile: string,
  key: StoredKey,
): Promise<{ replaced: StoredKey | undefined; dropped: number }> {
  const store = ctx.store();
  const replaced = decodeKey(await store.get(keyItem(profile)));
  await store.set(keyItem(profile), encodeKey(key));
  const back = decodeKey(await store.get(keyItem(profile)));
  if (back?.accessKeyId !== key.accessKeyId || back.secretAccessKey !== key.secretAccessKey) {
    throw new MfaExecError(
      'store',
      `the key for profile "${escapeControls(profile)}" did not read back from the store`,
      {
        hint: 'check the keychain, or use --backend file',
      },
    );
  }
  return { replaced, dropped: await deleteDerived(store, profile) };
}

/** Run `add`. */
export async function addCommand(ctx: Context, parsed: ParsedOf<typeof addSpec>): Promise<number> {
  const profile = parsed.positionals[0];
  if (!profile || parsed.positionals.length > 1) {
    throw new MfaExecError('usage', 'add takes exactly one profile name', {
      hint: 'e.g. `mfa-exec add test_iam_user`',
    });
  }
  let accessKeyId: string;
  let secretAccessKey: string;
  if (parsed.values.env) {
    accessKeyId = ctx.env.AWS_ACCESS_KEY_ID ?? '';
    secretAccessKey = ctx.env.AWS_SECRET_ACCESS_KEY ?? '';
    if (!accessKeyId || !secretAccessKey) {
      throw new MfaExecError('usage', '--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment', {
        hint: 'set both, or run without --env to be prompted',
      });
    }
  } else {
    const tty = ctx.io.openTerminal();
    if (!tty) {
      throw new MfaExecError('usage', 'no terminal to ask for the key on', {
        hint: 'use --env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set',
      });
    }
    try {
      accessKeyId = (await tty.readLine('Access key ID: ', { hidden: true })).trim();
      secretAccessKey = (await tty.readLine('Secret access key: ', { hidden: true })).trim();
    } finally {
      tty.close();
    }
  }
  checkKey(accessKeyId, secretAccessKey);
  const { replaced, dropped } = await storeKey(ctx, profile, {
    accessKeyId,
    secretAccessKey,
    addedAt: ctx.clock.now().toISOString(),
  });
  const was = replaced
    ? `, replacing the key ${showKey(replaced.accessKeyId)}${dropped ? ` and ${dropped} cached credential${dropped === 1 ? '' : 's'} made with it` : ''}`
    : '';
  ctx.stdout(
    `Stored the key ${showKey(accessKeyId)} for profile "${escapeControls(profile)}" in the ${backendName(ctx)}${was}.\n`,
  );
  warnIfUnused(ctx, profile, parsed.values['add-config'] === true);
  return 0;
}

/**
 * Say when the config makes the key useless: a profile that is not in the AWS files (added with
 * --add-config, as aws-vault's `add --add-config` does), or one whose credentials come from elsewhere.
 */
function warnIfUnused(ctx: Context, profile: string, addConfig: boolean): void {
  const files = ctx.files();
  const settings = files.profiles[profile];
  if (!settings) {
    if (addConfig) {
      const section = profile === 'default' ? 'default' : `profile ${profile}`;
      ctx.io.editAwsFile(files.configPath, (text) => addSection(text, section));
      ctx.stdout(`Added [${section}] to ${files.configLabel}.\n`);
      return;
    }
    warn(
      `profile "${profile}" is not in ${files.configLabel}, so no command can use this key yet (run \`mfa-exec add ${profile} --add-config\` to add [profile ${profile}], or add it by hand)`,
    );
    return;
  }
  const elsewhere = ['role_arn', 'credential_process', 'sso_session', 'sso_start_url', 'web_identity_token_file'].find(
    (k) => settings[k] !== undefined,
  );
  if (elsewhere) {
    const source = settings.source_profile;
    warn(
      `profile "${profile}" has ${elsewhere}, so its own key is never used${elsewhere === 'role_arn' && source ? ` (its chain uses the key of "${source}": \`mfa-exec add ${source}\`)` : ''}`,
    );
  }
}

function warn(text: string): void {
  process.stderr.write(`mfa-exec: warning: ${text}\n`);
}
