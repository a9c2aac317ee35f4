// `mfa-exec add <profile> [--env]`: store a long-lived access key in the store.

import { escapeControls } from '../../core/display.js';
import { MfaExecError } from '../../core/errors.js';
import { decodeKey, encodeKey, keyItem } from '../../core/store-items.js';
import type { StoredKey } from '../../core/types.js';
import type { Parsed } from '../args.js';
import type { Context, Terminal } from '../context.js';
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

/** Store the key, verify it by reading it back, and drop sessions made with a previous key. */
export async function storeKey(ctx: Context, profile: string, key: StoredKey): Promise<void> {
  const store = ctx.store();
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
  await deleteDerived(store, profile);
}

/** Run `add`. */
export async function addCommand(ctx: Context, parsed: Parsed): Promise<number> {
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
  await storeKey(ctx, profile, { accessKeyId, secretAccessKey, addedAt: ctx.clock.now().toISOString() });
  ctx.stdout(
    `Stored the key …${accessKeyId.slice(-4)} for profile "${escapeControls(profile)}" in the ${backendName(ctx)}.\n`,
  );
  return 0;
}
