// `mfa-exec clear [<profile>]`: delete cached credentials (never keys).

import { escapeControls } from '../../core/display.js';
import { resolveChain } from '../../core/config.js';
import { MfaExecError } from '../../core/errors.js';
import { roleItem, sessionItem } from '../../core/store-items.js';
import type { ParsedOf } from '../args.js';
import type { clearSpec } from '../specs.js';
import type { Context } from '../context.js';
import { cacheItems } from './store-view.js';

/** Run `clear`. */
export async function clearCommand(ctx: Context, parsed: ParsedOf<typeof clearSpec>): Promise<number> {
  if (parsed.positionals.length > 1) {
    throw new MfaExecError('usage', 'clear takes at most one profile name', { hint: 'e.g. `mfa-exec clear test`' });
  }
  const store = ctx.store();
  const profile = parsed.positionals[0];
  let names: string[];
  if (profile) {
    const chain = resolveChain(ctx.files(), profile);
    names = [roleItem(profile), sessionItem(chain.base.profile, chain.mfaSerial)];
    // A web identity or SSO base caches its own role credentials under its profile.
    if ((chain.base.kind === 'web-identity' || chain.base.kind === 'sso') && chain.base.profile !== profile)
      names.push(roleItem(chain.base.profile));
  } else {
    names = (await cacheItems(store)).map((i) => i.name);
  }
  let n = 0;
  for (const name of names) if (await store.delete(name)) n++;
  ctx.stdout(
    `Cleared ${n} cached credential${n === 1 ? '' : 's'}${profile ? ` of profile "${escapeControls(profile)}"` : ''}.\n`,
  );
  return 0;
}
