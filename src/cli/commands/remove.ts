// `mfa-exec remove <profile> [--force]`: delete the stored key and every cached credential made
// from it, after a y/N question on the terminal (as aws-vault asks), or at once with --force.

import { escapeControls } from '../../core/display.js';
import { getProfile, profileKind, type ProfileKind, type SsoSettings } from '../../core/config.js';
import { MfaExecError } from '../../core/errors.js';
import { ssoCacheId } from '../../core/providers/sso.js';
import { decodeKey, keyItem, ssoTokenItem } from '../../core/store-items.js';
import { showKey } from '../../core/redact.js';
import type { ParsedOf } from '../args.js';
import type { removeSpec } from '../specs.js';
import type { Context } from '../context.js';
import { backendName, cacheItems, deleteDerived, isDerivedFrom } from './store-view.js';

/** Run `remove`. */
export async function removeCommand(ctx: Context, parsed: ParsedOf<typeof removeSpec>): Promise<number> {
  const profile = parsed.positionals[0];
  if (!profile || parsed.positionals.length > 1) {
    throw new MfaExecError('usage', 'remove takes exactly one profile name', {
      hint: 'e.g. `mfa-exec remove test_iam_user`',
    });
  }
  const store = ctx.store();
  const key = decodeKey(await store.get(keyItem(profile)));
  // An SSO profile's counterpart of a stored key: the IAM Identity Center token mfa-exec keeps for its session.
  const sso = ssoSettingsOf(ctx, profile);
  const tokenItem = sso === undefined ? undefined : ssoTokenItem(ssoCacheId(sso));
  const tokenOf =
    sso && `the IAM Identity Center token of ${sso.session ? `sso_session "${sso.session}"` : sso.startUrl}`;
  const hasToken = tokenItem !== undefined && (await store.get(tokenItem)) !== null;
  const cached = (await cacheItems(store)).filter((item) => isDerivedFrom(item, profile)).length;
  if (!key && !hasToken && cached === 0) {
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
  const what = `${hasToken ? tokenOf : key ? `the key ${showKey(key.accessKeyId)}` : 'no key'} and ${cached} cached credential${cached === 1 ? '' : 's'} of profile "${escapeControls(profile)}"`;
  if (!parsed.values.force) await confirm(ctx, `Remove ${what} from the ${backendName(ctx)}?`);
  const had = await store.delete(keyItem(profile));
  const hadToken = tokenItem !== undefined && (await store.delete(tokenItem));
  const derived = await deleteDerived(store, profile);
  ctx.stdout(
    `Removed ${hadToken ? tokenOf : had ? 'the key' : 'no key'} and ${derived} cached credential${derived === 1 ? '' : 's'} of profile "${escapeControls(profile)}" from the ${backendName(ctx)}.\n`,
  );
  return 0;
}

/** Ask `question` [y/N] on the terminal; anything but yes, or no terminal, removes nothing. */
async function confirm(ctx: Context, question: string): Promise<void> {
  const tty = ctx.io.openTerminal();
  if (!tty) {
    throw new MfaExecError('usage', 'remove asks before deleting, and there is no terminal to ask on', {
      hint: 'add --force to remove without asking',
    });
  }
  let answer: string;
  try {
    answer = await tty.readLine(`${question} [y/N] `);
  } finally {
    tty.close();
  }
  if (!/^y(es)?$/i.test(answer.trim())) {
    throw new MfaExecError('usage', 'nothing was removed', { hint: 'answer y to remove, or use --force', exitCode: 1 });
  }
}

/** The SSO settings of `name`, or undefined when it is no SSO profile (or not there, or does not parse). */
function ssoSettingsOf(ctx: Context, name: string): SsoSettings | undefined {
  try {
    return getProfile(ctx.files(), name).sso;
  } catch {
    return undefined;
  }
}

/** The kind of `name` in the config, or undefined when it is not there or does not parse. */
function kindOf(ctx: Context, name: string): ProfileKind | undefined {
  try {
    return profileKind(getProfile(ctx.files(), name));
  } catch {
    return undefined;
  }
}
