// The MFA code sources that run programs (ykman, GUI dialogs) against stand-in scripts
// that record their arguments, the automatic choice, and the stored-seed TOTP source.

import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoDriver } from '../../src/adapters/mfa/auto.js';
import { dialogSource, guiDriver } from '../../src/adapters/mfa/dialog.js';
import { normalizeTotpSeed, totpItem, totpSource } from '../../src/adapters/mfa/totp.js';
import { ykmanSource } from '../../src/adapters/mfa/ykman.js';
import { MfaExecError } from '../../src/core/errors.js';
import { MemoryStore } from '../support/fakes.js';

const PROMPT_BIN = resolve(import.meta.dirname, '../support/fixtures/prompt-bin');
const SERIAL = 'arn:aws:iam::123456789012:mfa/unit-user';
const SEED = 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BANJ2W24DTEBXXMZLSEB2GQZJANRQXU6JAMRXWOIDCMFZGWZI';

let dir: string;
let log: string;
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: `${PROMPT_BIN}:${process.env.PATH}`,
  PROMPT_BIN_LOG: log,
  PROMPT_BIN_CODE: '246810',
  ...extra,
});
/** The argument lists the stand-ins were called with, in order. */
const calls = async (): Promise<{ program: string; args: string[] }[]> =>
  (await readFile(log, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { program: string; args: string[] });
const failure = async (p: Promise<unknown>): Promise<MfaExecError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MfaExecError);
  return e as MfaExecError;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mfa-sources-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ykman', () => {
  it('asks ykman for the OATH account named after the mfa_serial and returns its code', async () => {
    log = join(dir, 'ykman-1.log');
    const source = ykmanSource(env());
    expect(source.interactive).toBe(false);
    expect(source.maxTries).toBe(2);
    expect(await source.getCode(SERIAL, 1)).toBe('246810');
    expect(await calls()).toEqual([{ program: 'ykman', args: ['oath', 'accounts', 'code', '--single', SERIAL] }]);
  });

  it('YKMAN_OATH_CREDENTIAL_NAME names another account', async () => {
    log = join(dir, 'ykman-2.log');
    await ykmanSource(env({ YKMAN_OATH_CREDENTIAL_NAME: 'Amazon Web Services:alice' })).getCode(SERIAL, 1);
    expect((await calls())[0]!.args.at(-1)).toBe('Amazon Web Services:alice');
  });

  it('without ykman: one line naming the package to install', async () => {
    log = join(dir, 'ykman-3.log');
    const e = await failure(ykmanSource({ PATH: dir }).getCode(SERIAL, 1));
    expect(e.message).toBe('ykman is not installed (not found on PATH)');
    expect(e.hint).toContain('yubikey-manager');
  });

  it('a ykman that hangs is stopped after the timeout', async () => {
    log = join(dir, 'ykman-4.log');
    const e = await failure(ykmanSource(env({ PROMPT_BIN_SLEEP: '20' }), { timeoutMs: 300 }).getCode(SERIAL, 1));
    expect(e.kind).toBe('mfa');
    expect(e.message).toMatch(/gave no code .* within/);
  });

  it('a failing ykman is an mfa error naming the account', async () => {
    log = join(dir, 'ykman-5.log');
    const e = await failure(ykmanSource(env({ PROMPT_BIN_EXIT: '2' })).getCode(SERIAL, 1));
    expect(e.kind).toBe('mfa');
    expect(e.message).toContain(`"${SERIAL}"`);
    expect(e.hint).toContain('ykman oath accounts list');
  });
});

describe('GUI dialogs', () => {
  it('zenity: a hidden entry titled mfa-exec; the typed text is the code', async () => {
    log = join(dir, 'zenity.log');
    const source = dialogSource('zenity', env());
    expect(source.interactive).toBe(true);
    expect(source.maxTries).toBe(3);
    expect(await source.getCode(SERIAL, 1)).toBe('246810');
    expect(await calls()).toEqual([
      {
        program: 'zenity',
        args: ['--entry', '--hide-text', '--title=mfa-exec', `--text=Enter the MFA code for ${SERIAL}`],
      },
    ]);
  });

  it('kdialog: a password dialog', async () => {
    log = join(dir, 'kdialog.log');
    expect(await dialogSource('kdialog', env()).getCode(SERIAL, 2)).toBe('246810');
    expect(await calls()).toEqual([
      {
        program: 'kdialog',
        args: ['--title', 'mfa-exec', '--password', `Try again. Enter the MFA code for ${SERIAL}`],
      },
    ]);
  });

  it('osascript: a dialog with a hidden answer; the code is parsed from "text returned:"', async () => {
    log = join(dir, 'osascript.log');
    expect(await dialogSource('osascript', env()).getCode(SERIAL, 1)).toBe('246810');
    const [call] = await calls();
    expect(call!.args[0]).toBe('-e');
    expect(call!.args[1]).toMatch(
      /^display dialog "Enter the MFA code for arn:aws:iam::123456789012:mfa\/unit-user" default answer "" with hidden answer /,
    );
  });

  it('osascript escapes quotes in the dialog text', async () => {
    log = join(dir, 'osascript-2.log');
    await dialogSource('osascript', env()).getCode('GAHT"12345', 1);
    expect((await calls())[0]!.args[1]).toContain('for GAHT\\"12345"');
  });

  it.each(['zenity', 'kdialog', 'osascript'] as const)(
    '%s: Cancel is an interruption (exit 130), not a retry',
    async (driver) => {
      log = join(dir, `${driver}-cancel.log`);
      const e = await failure(dialogSource(driver, env({ PROMPT_BIN_EXIT: '1' })).getCode(SERIAL, 1));
      expect(e.kind).toBe('interrupted');
      expect(e.exitCode).toBe(130);
      expect(e.message).toBe(`the ${driver} dialog for the MFA code was cancelled`);
    },
  );

  it('another failure says how the dialog program exited', async () => {
    log = join(dir, 'zenity-fail.log');
    const e = await failure(dialogSource('zenity', env({ PROMPT_BIN_EXIT: '255' })).getCode(SERIAL, 1));
    expect(e.kind).toBe('mfa');
    expect(e.message).toBe('zenity exited with status 255');
  });

  it('a dialog left open is closed after the timeout', async () => {
    log = join(dir, 'zenity-slow.log');
    const e = await failure(
      dialogSource('zenity', env({ PROMPT_BIN_SLEEP: '20' }), { timeoutMs: 300 }).getCode(SERIAL, 1),
    );
    expect(e.message).toMatch(/^no answer in the zenity dialog within/);
  });
});

describe('automatic choice', () => {
  let kdialogOnly: string;
  beforeAll(async () => {
    kdialogOnly = await mkdtemp(join(dir, 'kdialog-only-'));
    await symlink(join(PROMPT_BIN, 'kdialog'), join(kdialogOnly, 'kdialog'));
  });

  it('GUI: osascript on macOS; zenity, else kdialog, on a Linux desktop; none without a display', () => {
    expect(guiDriver({}, 'darwin')).toBe('osascript');
    expect(guiDriver({ PATH: PROMPT_BIN }, 'linux')).toBeUndefined();
    expect(guiDriver({ PATH: PROMPT_BIN, DISPLAY: ':0' }, 'linux')).toBe('zenity');
    expect(guiDriver({ PATH: `${dir}:${kdialogOnly}`, WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe('kdialog');
    expect(guiDriver({ PATH: dir, DISPLAY: ':0' }, 'linux')).toBeUndefined();
  });

  it('mfa_process first, then the terminal, then a GUI prompt, then the terminal (which names the other ways)', () => {
    const desktop = { PATH: PROMPT_BIN, DISPLAY: ':0' };
    expect(autoDriver({ mfaProcess: 'totp-code', env: desktop, hasTerminal: () => true })).toBe('process');
    expect(autoDriver({ env: desktop, platform: 'linux', hasTerminal: () => true })).toBe('terminal');
    expect(autoDriver({ env: desktop, platform: 'linux', hasTerminal: () => false })).toBe('zenity');
    expect(autoDriver({ env: { PATH: PROMPT_BIN }, platform: 'linux', hasTerminal: () => false })).toBe('terminal');
  });
});

describe('totp', () => {
  it('normalizes a seed as authenticator apps show it', async () => {
    const grouped = SEED.toLowerCase().replace(/(.{4})/g, '$1 ') + '=====';
    expect(await normalizeTotpSeed(grouped)).toBe(SEED);
  });

  it.each([
    ['not base32', 'JBSWY3DPEHPK3PXP0189JBSWY3DPEHPK'],
    ['shorter than 16 bytes', 'JBSWY3DPEHPK3PXP'],
    ['an impossible base32 length', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQG'],
  ])('rejects a seed that is %s, without showing it', async (_, seed) => {
    const e = await failure(normalizeTotpSeed(seed));
    expect(e.kind).toBe('usage');
    expect(e.exitCode).toBe(2);
    expect(`${e.message} ${e.hint}`).not.toContain(seed);
  });

  it('computes the code of the stored seed at each call', async () => {
    const store = new MemoryStore({ [totpItem(SERIAL)]: SEED });
    const source = totpSource(() => store);
    expect(source.interactive).toBe(false);
    expect(source.maxTries).toBe(2);
    const code = (at: number) => generateSync({ secret: SEED, epoch: Math.floor(at / 1000) });
    const before = code(Date.now());
    const got = await source.getCode(SERIAL, 1);
    expect([before, code(Date.now())]).toContain(got);
    expect(store.names('get')).toEqual(['totp:arn:aws:iam::123456789012:mfa/unit-user']);
  });

  it('without a stored seed: says how to store one', async () => {
    const e = await failure(totpSource(() => new MemoryStore()).getCode(SERIAL, 1));
    expect(e.kind).toBe('mfa');
    expect(e.hint).toContain(`mfa-exec totp add ${SERIAL}`);
  });
});
