// Prompts at a real terminal: the built CLI in a pseudo-terminal, run directly and as the
// real `aws` CLI's credential_process (its stdout and stderr captured), the code typed
// into the pty and never echoed; wrong codes asked again; a used code never sent twice.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, makeSandbox, type Sandbox } from '../support/cli.js';
import { startFakeSts, totpCode, type FakeSts, type FakeUser } from '../support/fake-sts.js';
import { ini, roleProfile, seedKey } from '../support/fixture.js';
import { runInPty, type PtyResult, type PtyStep } from '../support/pty.js';
import { createTestClock, type TestClock } from '../support/test-clock.js';

const ACCOUNT = '303030303030';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/pty`;
// One user and device per test: the fake, like AWS, rejects a code used twice.
const USERS: FakeUser[] = [
  'ONSWG4TFOQQGC3TEEBQWY3DPMN2GK4TF',
  'NBSWY3DPEB3W64TMMQQGC3DPNZSSA33G',
  'MJUXI5DPOJ4SA5DIMUQGIZLWNFRWKIDT',
  'IFBEGRCFIZDUQSKKJNGE2TSPKBIVEUST',
].map((totpSecret, i) => ({
  userName: `pty${i}`,
  accountId: ACCOUNT,
  accessKeyId: `AKIAPROMPTPTY0000${i}`,
  secretAccessKey: `pRoMpT/PtY/K7MDENG/bPxRfiCYEXAMPLEKEY0${i}`,
  mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/pty${i}`,
  totpSecret,
}));

/** `command` at a terminal in `box`, typing `steps`; without colour (on a terminal, without NO_COLOR), which is not what these tests are about. */
async function inPty(box: Sandbox, steps: PtyStep[], command: string[]): Promise<PtyResult> {
  const result = await runInPty({ argv: command, env: box.env, steps, timeout: 60 });
  return { ...result, output: result.output.replace(/\x1b\[[0-9;]*m/g, '') };
}

const cli = (...args: string[]) => [process.execPath, BIN, ...args];

let sts: FakeSts;
// The CLI, its TOTP helpers and the local STS share this clock, so a test can start at the
// beginning of a 30 s window instead of waiting to be away from its edge.
let clock: TestClock;
beforeAll(async () => {
  clock = await createTestClock();
  sts = await startFakeSts({ clock, users: USERS, roles: [{ roleArn: ROLE, requireMfa: true }] });
});
afterAll(async () => {
  await sts.close();
  await clock.cleanup();
});
beforeEach(() => sts.resetCalls());

/** A sandbox for `user` whose profile `test` has no mfa_process (the terminal is asked). */
async function sandbox(user: FakeUser, extraConfig = ''): Promise<Sandbox> {
  const box = await makeSandbox({
    backend: 'file',
    env: { ...clock.env, TEST_TOTP_SECRET: user.totpSecret!, AWS_ENDPOINT_URL_STS: sts.url },
  });
  await box.writeConfig(
    ini({
      base: { region: 'eu-west-1' },
      test: roleProfile({ role: ROLE, source: 'base', mfa: user.mfaSerial!, region: 'eu-west-1' }),
    }) + extraConfig,
  );
  await seedKey(box, 'base', user);
  return box;
}

describe('prompts at the terminal', () => {
  it('under the real aws CLI as credential_process, the prompt reaches the terminal and the typed code is hidden', async () => {
    const box = await sandbox(
      USERS[0]!,
      `\n[profile viaproc]\ncredential_process = ${process.execPath} ${BIN} export test --format json\nregion = eu-west-1\n`,
    );
    try {
      const r = await inPty(
        box,
        [{ when: 'Enter MFA code for', code: true }],
        ['aws', 'sts', 'get-caller-identity', '--profile', 'viaproc', '--output', 'json'],
      );
      expect(r.exitCode).toBe(0);
      expect(r.output).toContain(`Enter MFA code for ${USERS[0]!.mfaSerial}: `);
      expect(r.output).toContain(`"Arn": "arn:aws:sts::${ACCOUNT}:assumed-role/pty/`);
      expect(r.output).not.toContain(r.codes[0]);
      expect(sts.count('GetSessionToken')).toBe(1);
      expect(sts.count('AssumeRole')).toBe(1);
      expect(sts.count('GetCallerIdentity')).toBe(1);
    } finally {
      await box.cleanup();
    }
  });

  it('exec: the prompt is shown, the code is typed, and the child has a TTY on stdin and stdout', async () => {
    const box = await sandbox(USERS[1]!);
    try {
      const r = await inPty(
        box,
        [{ when: 'Enter MFA code for', code: true }],
        cli('test', '--', 'sh', '-c', 'test -t 0 && test -t 1 && echo TTY-OK'),
      );
      expect(r.exitCode).toBe(0);
      expect(r.output).toContain(`Enter MFA code for ${USERS[1]!.mfaSerial}: `);
      expect(r.output).toContain('TTY-OK');
      expect(r.output).not.toContain(r.codes[0]);
    } finally {
      await box.cleanup();
    }
  });

  it('a wrong code is asked again: wrong, malformed, then right succeeds on the third try', async () => {
    const user = USERS[2]!;
    const box = await sandbox(user);
    try {
      clock.startOfWindow();
      const wrong = totpCode(user.totpSecret!, new Date(clock.now())) === '000000' ? '111111' : '000000';
      const r = await inPty(
        box,
        [
          { when: 'Enter MFA code for', send: `${wrong}\r` },
          { when: 'Enter MFA code for', send: '12ab\r' },
          { when: 'Enter MFA code for', code: true },
        ],
        cli('export', 'test', '--format', 'json'),
      );
      expect(r.exitCode).toBe(0);
      expect(r.output.split('Enter MFA code for').length - 1).toBe(3);
      expect(r.output).toContain('mfa-exec: AWS rejected the MFA code; try again');
      expect(r.output).toContain('mfa-exec: an MFA code is 6 digits; try again');
      // The JSON line, then the warning that secrets were printed on the terminal.
      const [json, warning] = r.output.slice(r.output.indexOf('{')).split('\r\n');
      expect(JSON.parse(json!).AccessKeyId).toMatch(/^ASIA/);
      expect(warning).toContain('mfa-exec: warning: secret credentials were printed on the terminal');
      for (const t of [wrong, '12ab', ...r.codes]) expect(r.output).not.toContain(t);
      // The malformed code never reached STS: one rejected call, then the good one.
      expect(sts.calls.filter((c) => c.action === 'GetSessionToken').map((c) => c.status)).toEqual([403, 200]);
    } finally {
      await box.cleanup();
    }
  });

  it('three wrong codes: exit 1 with one line, nothing cached', async () => {
    const user = USERS[2]!;
    const box = await sandbox(user);
    try {
      clock.startOfWindow();
      const now = new Date(clock.now());
      const wrong = ['000000', '111111', '222222'].filter((c) => c !== totpCode(user.totpSecret!, now));
      const r = await inPty(
        box,
        wrong.slice(0, 3).map((code) => ({ when: 'Enter MFA code for', send: `${code}\r` })),
        cli('export', 'test', '--format', 'json'),
      );
      expect(r.exitCode).toBe(1);
      expect(r.output).toMatch(
        /mfa-exec: AWS rejected the MFA code for arn:aws:iam::303030303030:mfa\/pty2 \(check that the device matches mfa_serial/,
      );
      const list = await box.run(['list', '--json']);
      expect((JSON.parse(list.stdout) as { sessions: unknown[] }[]).every((p) => p.sessions.length === 0)).toBe(true);
    } finally {
      await box.cleanup();
    }
  });
});

describe('MFA codes are never reused', () => {
  // The one test that waits on a real TOTP window (the others move the test clock): the
  // product's sleep and the next code really line up in real time. It starts 18 s into a
  // window, so the wait is about 13 s.
  it('on the real clock: a second profile with --no-session in the same 30 s window waits for the next code, says so, and succeeds', async () => {
    const user = USERS[3]!;
    const box = await makeSandbox({
      backend: 'file',
      env: { ...clock.env, TEST_TOTP_SECRET: user.totpSecret!, AWS_ENDPOINT_URL_STS: sts.url },
    });
    try {
      const role = roleProfile({ role: ROLE, source: 'base', mfa: user.mfaSerial!, process: 'totp-code' });
      await box.writeConfig(ini({ base: { region: 'eu-west-1' }, one: role, two: role }));
      await seedKey(box, 'base', user);
      // 23 s into a window: 7 s for the first export, then a real wait of ~6 s for the next window.
      clock.startOfWindow(23_000);
      const first = await box.run(['export', 'one', '--format', 'json']);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const afterFirst = clock.now();
      const nextWindow = afterFirst - (afterFirst % 30_000) + 30_000;
      const second = await box.run(['export', 'two', '--format', 'json', '--no-session']);
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(
        /^mfa-exec: that MFA code was already used once and AWS would reject it; waiting \d+s for the next code from mfa_process\n$/,
      );
      expect(clock.now()).toBeGreaterThanOrEqual(nextWindow);
      expect(JSON.parse(second.stdout).AccessKeyId).toMatch(/^ASIA/);
      expect(JSON.parse(second.stdout).AccessKeyId).not.toBe(JSON.parse(first.stdout).AccessKeyId);
      // STS never saw the same code twice: no call was refused.
      expect(sts.calls.map((c) => `${c.action} ${c.status}`)).toEqual([
        'GetSessionToken 200',
        'AssumeRole 200',
        'AssumeRole 200',
      ]);
    } finally {
      await box.cleanup();
    }
  });
});
