// Every way to give an MFA code, end to end: the built CLI with no terminal, the local
// MFA-enforcing STS, and stand-ins for ykman / zenity / kdialog / osascript on PATH that
// record their arguments and answer the current code of the device's seed.

import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSecret } from 'otplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSts, type FakeSts } from '../support/fake-sts.js';
import { BIN, FIXTURE_BIN, makeSandbox, type RunResult, type Sandbox } from '../support/cli.js';
import { seedKey } from '../support/fixture.js';
import { runInPty } from '../support/pty.js';
import { createTestClock, type TestClock } from '../support/test-clock.js';

const PROMPT_BIN = resolve(import.meta.dirname, '../support/fixtures/prompt-bin');
const ACCOUNT = '210987654321';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/PROMPTED_ROLE`;

/** One IAM user per test: its own key, MFA device and seed, so no code is ever used twice. */
interface Device {
  name: string;
  keyId: string;
  secret: string;
  serial: string;
  seed: string;
}
const NAMES = ['ykman', 'zenity', 'kdialog', 'osascript', 'auto', 'totpflag', 'totpenv', 'wrongseed', 'spare'] as const;
const devices = Object.fromEntries(
  NAMES.map((name, i): [string, Device] => [
    name,
    {
      name,
      keyId: `AKIAPROMPTTEST${String(i).padStart(6, '0')}`,
      secret: `promptTestSecret/${name}`.padEnd(40, 'x'),
      serial: `arn:aws:iam::${ACCOUNT}:mfa/${name}-device`,
      seed: generateSecret(),
    },
  ]),
) as Record<(typeof NAMES)[number], Device>;

let sts: FakeSts;
let box: Sandbox;
let logN = 0;
// Shared by the CLI, the stand-ins and the local STS: the wrong-seed test moves it past its wait.
let clock: TestClock;

/** Run the CLI with the stand-ins first on PATH; returns the result and the stand-ins' recorded calls. */
async function runPrompted(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<RunResult & { calls: { program: string; args: string[] }[] }> {
  const log = join(box.dir, `prompt-${++logN}.log`);
  const r = await box.run(args, { env: { PATH: `${PROMPT_BIN}:${box.env.PATH}`, PROMPT_BIN_LOG: log, ...env }, input });
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    // no stand-in ran
  }
  return {
    ...r,
    calls: text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { program: string; args: string[] }),
  };
}

/** The STS calls that carried an MFA code for `d`, with their HTTP status. */
const mfaCalls = (d: Device): number[] =>
  sts.calls.filter((c) => c.params.SerialNumber === d.serial).map((c) => c.status);

/** The child's AWS_ACCESS_KEY_ID as print-env showed it. */
const childKey = (stdout: string): string | undefined => stdout.match(/^AWS_ACCESS_KEY_ID=(.*)$/m)?.[1];

beforeAll(async () => {
  clock = await createTestClock();
  sts = await startFakeSts({
    clock,
    users: Object.values(devices).map((d) => ({
      userName: d.name,
      accountId: ACCOUNT,
      accessKeyId: d.keyId,
      secretAccessKey: d.secret,
      mfaSerial: d.serial,
      totpSecret: d.seed,
    })),
    roles: [{ roleArn: ROLE, requireMfa: true }],
  });
  box = await makeSandbox({ backend: 'file', env: clock.env });
  box.env.AWS_ENDPOINT_URL_STS = sts.url;
  await box.writeConfig(
    Object.values(devices)
      .map(
        (d) =>
          `[profile ${d.name}_user]\nregion = eu-central-1\n\n[profile ${d.name}]\nrole_arn = ${ROLE}\nsource_profile = ${d.name}_user\nmfa_serial = ${d.serial}\n`,
      )
      .join('\n'),
  );
  for (const d of Object.values(devices)) {
    await seedKey(box, `${d.name}_user`, { accessKeyId: d.keyId, secretAccessKey: d.secret });
  }
});
afterAll(async () => {
  await sts?.close();
  await box?.cleanup();
  await clock?.cleanup();
});
beforeEach(() => sts.resetCalls());

describe('program and GUI drivers through stand-ins', () => {
  it('--prompt ykman runs `ykman oath accounts code --single <mfa_serial>` and its code reaches STS', async () => {
    const d = devices.ykman;
    const r = await runPrompted(['exec', d.name, '--prompt', 'ykman', '--', 'print-env', 'AWS_ACCESS_KEY_ID'], {
      TEST_TOTP_SECRET: d.seed,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(childKey(r.stdout)).toMatch(/^ASIA/);
    expect(r.calls).toEqual([{ program: 'ykman', args: ['oath', 'accounts', 'code', '--single', d.serial] }]);
    expect(mfaCalls(d)).toEqual([200]);
  });

  it('--prompt zenity asks in a hidden entry dialog', async () => {
    const d = devices.zenity;
    const r = await runPrompted(['exec', d.name, '--prompt', 'zenity', '--', 'print-env', 'AWS_ACCESS_KEY_ID'], {
      TEST_TOTP_SECRET: d.seed,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      {
        program: 'zenity',
        args: ['--entry', '--hide-text', '--title=mfa-exec', `--text=Enter the MFA code for ${d.serial}`],
      },
    ]);
    expect(mfaCalls(d)).toEqual([200]);
  });

  it('MFA_EXEC_PROMPT=kdialog asks in a password dialog', async () => {
    const d = devices.kdialog;
    const r = await runPrompted(['exec', d.name, '--', 'print-env', 'AWS_ACCESS_KEY_ID'], {
      TEST_TOTP_SECRET: d.seed,
      MFA_EXEC_PROMPT: 'kdialog',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      { program: 'kdialog', args: ['--title', 'mfa-exec', '--password', `Enter the MFA code for ${d.serial}`] },
    ]);
    expect(mfaCalls(d)).toEqual([200]);
  });

  it('--prompt osascript shows a dialog with a hidden answer and reads "text returned:"', async () => {
    const d = devices.osascript;
    const r = await runPrompted(['exec', d.name, '--prompt', 'osascript', '--', 'print-env', 'AWS_ACCESS_KEY_ID'], {
      TEST_TOTP_SECRET: d.seed,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]!.args[0]).toBe('-e');
    expect(r.calls[0]!.args[1]).toContain(
      `display dialog "Enter the MFA code for ${d.serial}" default answer "" with hidden answer`,
    );
    expect(mfaCalls(d)).toEqual([200]);
  });

  it('with no terminal, no --prompt and a display, the zenity dialog is chosen', async () => {
    const d = devices.auto;
    const r = await runPrompted(['exec', d.name, '--', 'print-env', 'AWS_ACCESS_KEY_ID'], {
      TEST_TOTP_SECRET: d.seed,
      DISPLAY: ':99',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.program)).toEqual(['zenity']);
    expect(mfaCalls(d)).toEqual([200]);
  });

  it('Cancel in the dialog stops at once with exit 130, and nothing is sent to STS', async () => {
    const r = await runPrompted(['exec', 'spare', '--prompt', 'zenity', '--', 'print-env'], { PROMPT_BIN_EXIT: '1' });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe(
      'mfa-exec: the zenity dialog for the MFA code was cancelled (nothing was cached; run again to enter the code)\n',
    );
    expect(r.calls).toHaveLength(1);
    expect(sts.count('GetSessionToken') + sts.count('AssumeRole')).toBe(0);
  });

  it('without ykman installed: one line naming yubikey-manager', async () => {
    const r = await box.run(['exec', 'spare', '--prompt', 'ykman', '--', 'print-env'], { env: { PATH: FIXTURE_BIN } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'mfa-exec: ykman is not installed (not found on PATH) (install the yubikey-manager package, or choose another --prompt)\n',
    );
  });

  it('no terminal and no display: fails at once, naming the ways to give a code', async () => {
    const r = await runPrompted(['exec', 'spare', '--', 'print-env']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('there is no terminal to ask on');
    expect(r.stderr).toContain('--mfa-token');
    expect(r.calls).toEqual([]);
  });

  it('an unknown driver is a usage error (exit 2), from the flag or the environment', async () => {
    const flag = await box.run(['exec', 'spare', '--prompt', 'carrier-pigeon', '--', 'print-env']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(
      /^mfa-exec: unknown prompt driver "carrier-pigeon" \(use one of terminal, totp, ykman, process, osascript, zenity, kdialog\)\n$/,
    );
    const env = await box.run(['exec', 'spare', '--', 'print-env'], { env: { MFA_EXEC_PROMPT: 'yubikey' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('unknown prompt driver "yubikey"');
  });
});

describe('totp: a seed in the store', () => {
  it('totp add --stdin stores the seed encrypted only, and warns that both factors are now on this machine', async () => {
    const d = devices.totpflag;
    const spaced = d.seed.toLowerCase().replace(/(.{4})/g, '$1 ');
    const r = await box.run(['totp', 'add', d.serial, '--stdin'], { input: `${spaced}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Stored the TOTP seed of ${d.serial} in the encrypted file store; it gives the codes for this device from now on (unless --prompt or MFA_EXEC_PROMPT names another source).\n`,
    );
    expect(r.stderr).toMatch(
      /^mfa-exec: warning: the second factor of .* now lives on this machine, next to the access key/,
    );
    expect(r.stdout + r.stderr).not.toContain(d.seed);
    for (const f of readdirSync(join(box.dir, 'store'))) {
      const bytes = readFileSync(join(box.dir, 'store', f), 'latin1');
      expect(bytes).not.toContain(d.seed);
      expect(bytes.toLowerCase()).not.toContain(d.seed.toLowerCase());
    }
    const list = await box.run(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(d.seed);
  });

  it('--prompt totp computes the code from the stored seed, with no terminal, and STS accepts it', async () => {
    const d = devices.totpflag;
    const r = await box.run(['exec', d.name, '--prompt', 'totp', '--', 'print-env', 'AWS_ACCESS_KEY_ID']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(childKey(r.stdout)).toMatch(/^ASIA/);
    expect(mfaCalls(d)).toEqual([200]);
  });

  it('MFA_EXEC_PROMPT=totp does the same', async () => {
    const d = devices.totpenv;
    expect((await box.run(['totp', 'add', d.serial, '--stdin'], { input: d.seed })).code).toBe(0);
    const r = await box.run(['exec', d.name, '--', 'print-env', 'AWS_ACCESS_KEY_ID'], {
      env: { MFA_EXEC_PROMPT: 'totp' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(mfaCalls(d)).toEqual([200]);
  });

  it('an invalid seed or device exits 2 and stores nothing', async () => {
    const d = devices.spare;
    const bad = await box.run(['totp', 'add', d.serial, '--stdin'], { input: 'NOT-A-SEED-1890\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mfa-exec: that is not a TOTP seed: /);
    expect(bad.stderr).not.toContain('1890');
    const short = await box.run(['totp', 'add', d.serial, '--stdin'], { input: 'JBSWY3DPEHPK3PXP\n' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 16 are needed');
    const serial = await box.run(['totp', 'add', 'arn:aws:iam::1234:mfa/x', '--stdin'], { input: `${d.seed}\n` });
    expect(serial.code).toBe(2);
    expect(serial.stderr).toContain('is not an MFA device');
    const removed = await box.run(['totp', 'remove', d.serial]);
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain(`no TOTP seed is stored for ${d.serial}`);
  });

  it('totp add asks for the seed at the terminal without echoing it', async () => {
    const d = devices.spare;
    const pty = await runInPty({
      argv: [process.execPath, BIN, 'totp', 'add', d.serial],
      env: box.env,
      steps: [{ when: 'TOTP seed', send: `${d.seed}\r` }],
    });
    expect(pty.exitCode).toBe(0);
    expect(pty.output).toContain(`TOTP seed (base32) of ${d.serial}: `);
    expect(pty.output).not.toContain(d.seed);
    expect((await box.run(['totp', 'remove', d.serial])).code).toBe(0);
  });

  it('totp remove deletes the seed; then --prompt totp says how to store one', async () => {
    const d = devices.spare;
    expect((await box.run(['totp', 'add', d.serial, '--stdin'], { input: d.seed })).code).toBe(0);
    const r = await box.run(['totp', 'remove', d.serial]);
    expect(r.code).toBe(0);
    const exec = await box.run(['exec', 'spare', '--prompt', 'totp', '--', 'print-env']);
    expect(exec.code).toBe(1);
    expect(exec.stderr).toContain(`(store it with \`mfa-exec totp add ${d.serial}\``);
    expect(sts.count()).toBe(0);
  });

  it("a wrong seed: STS rejects the code, the next window's code too, then a clear error", async () => {
    const d = devices.wrongseed;
    expect((await box.run(['totp', 'add', d.serial, '--stdin'], { input: generateSecret() })).code).toBe(0);
    let advanced = 0;
    const started = performance.now();
    const r = await box.run(['exec', d.name, '--prompt', 'totp', '--', 'print-env'], {
      // The wait for the next window is part of the subject, its length is not: move the shared clock.
      onStderr: (text) => {
        const m = /waiting (\d+)s/.exec(text);
        if (m && !advanced) clock.advance((advanced = Number(m[1]) * 1000));
      },
    });
    expect(advanced).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/waiting \d+s for the next code from the stored TOTP seed/);
    expect(r.stderr).toContain(`mfa-exec: AWS rejected the MFA code for ${d.serial}`);
    expect(mfaCalls(d)).toEqual([403, 403]);
    expect(r.stdout).toBe('');
  });
});
