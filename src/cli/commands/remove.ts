// `mfa-exec remove <profile>`: delete the stored key and every cached credential made from it.

import { escapeControls } from '../../core/display.js';
import { getProfile, profileKind, type ProfileKind } from '../../core/config.js';
import { MfaExecError } from '../../core/errors.js';
import { keyItem } from '../../core/store-items.js';
import type { Parsed } from '../args.js';
import type { Context } from '../context.js';
import { backendName, deleteDerived } from './store-view.js';

/** Run `remove`. */
export async function removeCommand(ctx: Context, parsed: Parsed): Promise<number> {
  const profile = parsed.positionals[0];
  if (!profile || parsed.positionals.length > 1) {
    throw new MfaExecError('usage', 'remove takes exactly one profile name', {
      hint: 'e.g. `mfa-exec remove test_iam_user`',
    });
  }
  const store = ctx.store();
  const had = await store.delete(keyItem(profile));
  const derived = await deleteDerived(store, profile);
  if (!had && derived === 0) {
    const kind = kindOf(ctx, profile);
    if (kind !== undefined && kind !== 'key' && kind !== 'role') {
      throw new MfaExecError(
        'no-stored-key',
        `profile "${profile}" is a ${kind} profile: mfa-exec stores no key for it`,
        {
          hint: `\`mfa-exec clear ${profile}\` drops its cached credentials`,
        },
      );
    }
    throw new MfaExecError('no-stored-key', `no key stored for profile "${profile}"`, { hint: 'see `mfa-exec list`' });
  }
  ctx.stdout(
    `Removed ${had ? 'the key' : 'no key'} and ${derived} cached credential${derived === 1 ? '' : 's'} of profile "${escapeControls(profile)}" from the ${backendName(ctx)}.\n`,
  );
  return 0;
}

/** The kind of `name` in the config, or undefined when it is not there or does not parse. */
function kindOf(ctx: Context, name: string): ProfileKind | undefined {
  try {
    return profileKind(getProfile(ctx.files(), name));
  } catch {
    return undefined;
  }
}
