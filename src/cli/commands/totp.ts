// `mfa-exec totp add <mfa_serial> [--stdin]` / `totp remove <mfa_serial>` / `totp list`: keep
// the TOTP seed of a virtual MFA device in the store; it is then used when a code for that
// device is needed and no --prompt says otherwise.

import { isMfaSerial } from '../../core/config.js';
import { totpItem } from '../../core/store-items.js';
import { MfaExecError } from '../../core/errors.js';
import type { ParsedOf } from '../args.js';
import type { totpSpec } from '../specs.js';
import type { Context, Terminal } from '../context.js';
import { backendName } from './store-view.js';

/** Store items of TOTP seeds: `totp:<mfa_serial>`. */
const TOTP_PREFIX = totpItem('');

/** Run `totp add`, `totp remove` or `totp list`. */
export async function totpCommand(ctx: Context, parsed: ParsedOf<typeof totpSpec>): Promise<number> {
  const [action, serial, ...extra] = parsed.positionals;
  if (action === 'list' && serial === undefined) {
    // Serials only: a seed is never printed.
    const serials = (await ctx.store().list())
      .filter((name) => name.startsWith(TOTP_PREFIX))
      .map((name) => name.slice(TOTP_PREFIX.length))
      .sort();
    if (serials.length) ctx.stdout(`${serials.join('\n')}\n`);
    return 0;
  }
  if ((action !== 'add' && action !== 'remove') || !serial || extra.length > 0) {
    throw new MfaExecError('usage', 'totp takes `add <mfa_serial>`, `remove <mfa_serial>` or `list`', {
      hint: 'e.g. `mfa-exec totp add arn:aws:iam::123456789012:mfa/alice`',
    });
  }
  if (!isMfaSerial(serial)) {
    throw new MfaExecError('usage', `"${serial}" is not an MFA device`, {
      hint: 'give the mfa_serial of the profile: arn:aws:iam::123456789012:mfa/NAME or a hardware serial',
    });
  }
  const store = ctx.store();
  if (action === 'remove') {
    if (!(await store.delete(totpItem(serial)))) {
      throw new MfaExecError('no-stored-key', `no TOTP seed is stored for ${serial}`, { hint: 'nothing to remove' });
    }
    ctx.stdout(`Removed the TOTP seed of ${serial} from the ${backendName(ctx)}.\n`);
    return 0;
  }
  const seed = await ctx.io.normalizeTotpSeed(
    parsed.values.stdin ? await firstLineOfStdin() : await askSeed(ctx, serial),
  );
  await store.set(totpItem(serial), seed);
  ctx.stdout(
    `Stored the TOTP seed of ${serial} in the ${backendName(ctx)}; it gives the codes for this device from now on (unless --prompt or MFA_EXEC_PROMPT names another source).\n`,
  );
  process.stderr.write(
    `mfa-exec: warning: the second factor of ${serial} now lives on this machine, next to the access key: anyone who can use the ${backendName(ctx)} has both factors (\`mfa-exec totp remove ${serial}\` undoes this)\n`,
  );
  return 0;
}

async function askSeed(ctx: Context, serial: string): Promise<string> {
  const tty = ctx.io.openTerminal();
  if (!tty)
    throw new MfaExecError('usage', 'no terminal to ask for the TOTP seed on', { hint: 'pipe it in with --stdin' });
  try {
    return await tty.readLine(`TOTP seed (base32) of ${serial}: `, { hidden: true });
  } finally {
    tty.close();
  }
}

async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin.setEncoding('utf8')) text += chunk as string;
  const line = text.split('\n')[0]!.trim();
  if (!line)
    throw new MfaExecError('usage', '--stdin got no TOTP seed', { hint: 'pipe the base32 seed in as one line' });
  return line;
}
