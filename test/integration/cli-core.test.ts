// The core flow end to end: the built CLI, a real encrypted file store, the local
// MFA-enforcing STS, tiny real children, and the real `aws` CLI.

import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSts, totpCode, type FakeSts } from '../support/fake-sts.js';
import { CLI_LINE, makeSandbox, type Sandbox } from '../support/cli.js';
import { addKey, seedKey } from '../support/fixture.js';
import { CALLER_IDENTITY, envOf } from '../support/children.js';
import { createTestClock, type TestClock } from '../support/test-clock.js';

const run = promisify(execFile);
const ACCOUNT = '123456789012';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/CREATED_MFA`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/CREATED_ROLE`;
const ROLE2 = `arn:aws:iam::${ACCOUNT}:role/SECOND_ROLE`;
const ROLE3 = `arn:aws:iam::${ACCOUNT}:role/THIRD_ROLE`;
// The error tests use a user and device of their own, so codes used above do not collide.
const KEY_ID2 = 'AKIAI44QH8DHBEXAMPLE';
const SECRET2 = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY';
const TOTP2 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const MFA2 = `arn:aws:iam::${ACCOUNT}:mfa/SECOND_MFA`;
// Each scenario that needs a fresh code has its own user and device, so no test waits for the next window.
const KEY_ID3 = 'AKIAI44QH8DHBSESSION';
const SECRET3 = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbSESSIONKEY';
const TOTP3 = 'GEZDGNBVGY3TQOJRGEZDGNBVGY3TQOJR';
const MFA3 = `arn:aws:iam::${ACCOUNT}:mfa/SESSION_MFA`;
const KEY_ID4 = 'AKIAI44QH8DHBLONGDUR';
const SECRET4 = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbLONGDURKEY';
const TOTP4 = 'GEZDGNBVGY3TQOJSGEZDGNBVGY3TQOJS';
const MFA4 = `arn:aws:iam::${ACCOUNT}:mfa/LONG_MFA`;
const KEY_ID5 = 'AKIAI44QH8DHBWAITING';
const SECRET5 = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbWAITINGKEY';
const TOTP5 = 'GEZDGNBVGY3TQOJTGEZDGNBVGY3TQOJT';
const MFA5 = `arn:aws:iam::${ACCOUNT}:mfa/WAIT_MFA`;

const CONFIG = `# the example from the contract
[profile test_iam_user]
region = ap-northeast-1

[profile test]
role_arn = ${ROLE}
source_profile = test_iam_user
mfa_serial = ${MFA}
region = ap-northeast-1
mfa_process = totp-code

[profile test2]
role_arn = ${ROLE2}
source_profile = test_iam_user
mfa_serial = ${MFA}
mfa_process = totp-code

[profile chained]
role_arn = ${ROLE3}
source_profile = test
region = eu-west-1

[profile sessiononly]
region = us-east-1
mfa_serial = ${MFA3}
mfa_process = totp-code TEST_TOTP_SECRET3

[profile long_user]

[profile long]
role_arn = ${ROLE}
source_profile = long_user
mfa_serial = ${MFA4}
mfa_process = totp-code TEST_TOTP_SECRET4
`;

let sts: FakeSts;
let box: Sandbox;

beforeAll(async () => {
  sts = await startFakeSts({
    users: [
      {
        userName: 'test_iam_user',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET,
        mfaSerial: MFA,
        totpSecret: TOTP,
      },
      {
        userName: 'second_user',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID2,
        secretAccessKey: SECRET2,
        mfaSerial: MFA2,
        totpSecret: TOTP2,
      },
      {
        userName: 'session_user',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID3,
        secretAccessKey: SECRET3,
        mfaSerial: MFA3,
        totpSecret: TOTP3,
      },
      {
        userName: 'long_user',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID4,
        secretAccessKey: SECRET4,
        mfaSerial: MFA4,
        totpSecret: TOTP4,
      },
    ],
    roles: [
      { roleArn: ROLE, requireMfa: true, maxSessionDuration: 43200 },
      { roleArn: ROLE2, requireMfa: true },
      { roleArn: ROLE3, requireMfa: false },
    ],
  });
});
afterAll(async () => {
  await sts.close();
});

describe('core flow on the file store', () => {
  beforeAll(async () => {
    box = await makeSandbox({
      backend: 'file',
      env: { TEST_TOTP_SECRET: TOTP, TEST_TOTP_SECRET3: TOTP3, TEST_TOTP_SECRET4: TOTP4 },
    });
    box.env.AWS_ENDPOINT_URL_STS = sts.url;
    await box.writeConfig(CONFIG);
    const added = await addKey(box, 'test_iam_user', { accessKeyId: KEY_ID, secretAccessKey: SECRET });
    expect(added.stderr).toBe(
      `mfa-exec: creating a new file store in ${box.env.MFA_EXEC_FILE_DIR} (passphrase from MFA_EXEC_FILE_PASSPHRASE)\n`,
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('…MPLE');
    expect(added.stdout).not.toContain(KEY_ID);
    const again = await addKey(box, 'sessiononly', { accessKeyId: KEY_ID3, secretAccessKey: SECRET3 });
    expect(again.code).toBe(0);
    const long = await addKey(box, 'long_user', { accessKeyId: KEY_ID4, secretAccessKey: SECRET4 });
    expect(long.code).toBe(0);
  });
  afterAll(async () => {
    await box.cleanup();
  });
  beforeEach(() => sts.resetCalls());

  it('add keeps the key only in the encrypted store', () => {
    const storeDir = join(box.dir, 'store');
    for (const f of readdirSync(storeDir)) {
      const bytes = readFileSync(join(storeDir, f), 'latin1');
      expect(bytes).not.toContain(SECRET);
      expect(bytes).not.toContain(KEY_ID);
      expect(statSync(join(storeDir, f)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(box.credentialsPath, 'utf8')).toBe('');
  });

  it('exec gives the child role credentials: one GetSessionToken and one AssumeRole', async () => {
    const r = await box.run(['test', '--', 'print-env'], {
      env: { AWS_PROFILE: 'other', AWS_DEFAULT_PROFILE: 'x', AWS_ACCESS_KEY_ID: 'AKIAOLD', KEEP_ME: 'yes' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = envOf(r.stdout);
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(env.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    expect(env.AWS_SESSION_TOKEN).toBeTruthy();
    expect(env.AWS_SECURITY_TOKEN).toBe(env.AWS_SESSION_TOKEN);
    expect(new Date(env.AWS_CREDENTIAL_EXPIRATION!).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(env.AWS_REGION).toBe('ap-northeast-1');
    expect(env.AWS_DEFAULT_REGION).toBe('ap-northeast-1');
    expect(env.MFA_EXEC_PROFILE).toBe('test');
    expect(env.KEEP_ME).toBe('yes');
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_DEFAULT_PROFILE).toBeUndefined();
    expect(sts.count('GetSessionToken')).toBe(1);
    expect(sts.count('AssumeRole')).toBe(1);
    const gst = sts.calls.find((c) => c.action === 'GetSessionToken')!;
    expect(gst.params.SerialNumber).toBe(MFA);
    expect(gst.accessKeyId).toBe(KEY_ID);
  });

  it('a second exec within the lifetime makes no STS call', async () => {
    const r = await box.run(['test', '--', 'print-env']);
    expect(r.code).toBe(0);
    expect(envOf(r.stdout).AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(sts.count()).toBe(0);
  });

  it('a second role with the same key and device reuses the MFA session: one AssumeRole only', async () => {
    const r = await box.run(['exec', 'test2', '--', 'print-env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sts.count('GetSessionToken')).toBe(0);
    expect(sts.count('AssumeRole')).toBe(1);
    expect(sts.calls[0]!.params.RoleArn).toBe(ROLE2);
    // test2 has no region and none is set: no region variables
    expect(envOf(r.stdout).AWS_REGION).toBeUndefined();
  });

  it('exec keeps stdout binary-exact: 5 MB of random bytes through `mfa-exec test -- cat`', async () => {
    const { randomBytes, createHash } = await import('node:crypto');
    const data = randomBytes(5 * 1024 * 1024);
    const r = await box.run(['test', '--', 'cat'], { input: data });
    expect(r.code).toBe(0);
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(r.stdoutBytes.length).toBe(data.length);
    expect(digest(r.stdoutBytes)).toBe(digest(data));
  });

  it("exec exits with the child's status, 128 + N for a signal, 127 for a missing command", async () => {
    expect((await box.run(['test', '--', 'exit-with', '3'])).code).toBe(3);
    expect((await box.run(['test', '--', 'exit-with', '0'])).code).toBe(0);
    expect((await box.run(['test', '--', 'kill-self', 'TERM'])).code).toBe(143);
    const missing = await box.run(['test', '--', 'no-such-command-anywhere']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe(
      'mfa-exec: command not found: no-such-command-anywhere (check the name or your PATH)\n',
    );
  });

  it('with no command, exec runs a subshell ($SHELL) with the credentials', async () => {
    const r = await box.run(['test'], {
      input: 'echo "in $MFA_EXEC_PROFILE with ${AWS_ACCESS_KEY_ID%%????????????????}"; exit 7\n',
    });
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('in test with ASIA\n');
  });

  it('the real aws CLI as the child sees the assumed role', async () => {
    const r = await box.run(['test', '--', ...CALLER_IDENTITY]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/CREATED_ROLE/${JSON.parse(r.stdout).Arn.split('/').pop()}`,
    );
    expect(sts.count('GetCallerIdentity')).toBe(1);
  });

  it('export --format json works as credential_process for the real aws CLI', async () => {
    const json = await box.run(['export', 'test', '--format', 'json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(Object.keys(parsed)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    expect(parsed.Version).toBe(1);
    await box.writeConfig(
      `${CONFIG}\n[profile viaproc]\ncredential_process = ${CLI_LINE} export test --format json\nregion = us-east-1\n`,
    );
    const { stdout } = await run('aws', ['sts', 'get-caller-identity', '--profile', 'viaproc', '--output', 'json'], {
      env: box.env,
    });
    expect(JSON.parse(stdout).Arn).toContain(':assumed-role/CREATED_ROLE/');
  });

  it('export prints env, shell and ini formats', async () => {
    const env = await box.run(['export', 'test']);
    expect(env.stdout).toMatch(/^AWS_ACCESS_KEY_ID=ASIA/m);
    expect(env.stdout).toMatch(/^AWS_REGION=ap-northeast-1$/m);
    const shell = await box.run(['export', 'test', '--format', 'shell']);
    expect(shell.stdout).toMatch(/^export AWS_SESSION_TOKEN='/m);
    const { stdout } = await run('sh', ['-c', `${shell.stdout}\nprintf %s "$AWS_SECRET_ACCESS_KEY"`]);
    expect(stdout).toBe(envOf(env.stdout).AWS_SECRET_ACCESS_KEY);
    const ini = await box.run(['export', 'test', '--format', 'ini']);
    expect(ini.stdout).toMatch(/^\[test\]\naws_access_key_id = ASIA/);
    const bad = await box.run(['export', 'test', '--format', 'yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  });

  it('a chain of roles assumes each role in turn and gets the last one', async () => {
    const r = await box.run(['chained', '--', ...CALLER_IDENTITY]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).Arn).toContain(':assumed-role/THIRD_ROLE/');
    const roles = sts.calls.filter((c) => c.action === 'AssumeRole').map((c) => c.params.RoleArn);
    expect(roles).toEqual([ROLE, ROLE3]);
    expect(sts.count('GetSessionToken')).toBe(0);
  });

  it('a profile without role_arn gets the MFA session itself', async () => {
    const r = await box.run(['sessiononly', '--', ...CALLER_IDENTITY]);
    // Its own device: no code was used before, so no wait and nothing on stderr.
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/session_user`);
    expect(sts.count('AssumeRole')).toBe(0);
    const gst = sts.calls.filter((c) => c.action === 'GetSessionToken');
    expect(gst).toHaveLength(1);
    expect(gst[0]!.params.SerialNumber).toBe(MFA3);
  });

  it('over 1h skips the MFA session: AssumeRole with the long-lived key and the code', async () => {
    const r = await box.run(['long', '--duration', '2h', '--', 'print-env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sts.count('GetSessionToken')).toBe(0);
    const ar = sts.calls.find((c) => c.action === 'AssumeRole')!;
    expect(ar.accessKeyId).toBe(KEY_ID4);
    expect(ar.params.SerialNumber).toBe(MFA4);
    expect(ar.params.DurationSeconds).toBe('7200');
    expect(new Date(envOf(r.stdout).AWS_CREDENTIAL_EXPIRATION!).getTime()).toBeGreaterThan(Date.now() + 110 * 60_000);
  });

  it('list shows keys and cached sessions, as a table and as JSON', async () => {
    const j = await box.run(['list', '--json']);
    expect(j.code).toBe(0);
    const rows = JSON.parse(j.stdout) as {
      profile: string;
      hasStoredKey: boolean;
      sessions: { kind: string; expiration: string }[];
      roleArn: string | null;
      sourceProfile: string | null;
      mfaSerial: string | null;
    }[];
    const byName = Object.fromEntries(rows.map((r) => [r.profile, r]));
    expect(byName.test_iam_user!.hasStoredKey).toBe(true);
    expect(byName.sessiononly!.sessions.map((s) => s.kind)).toEqual(['session']);
    expect(byName.test2!.sessions.map((s) => s.kind)).toEqual(['role']);
    expect(byName.test!).toMatchObject({
      roleArn: ROLE,
      sourceProfile: 'test_iam_user',
      mfaSerial: MFA,
      hasStoredKey: false,
    });
    expect(byName.test!.sessions[0]!.kind).toBe('role');
    expect(byName.test_iam_user!.roleArn).toBeNull();
    const t = await box.run(['list']);
    expect(t.stdout.split('\n')[0]).toMatch(/^PROFILE\s+KIND\s+SOURCE\s+ROLE\s+MFA DEVICE\s+KEY\s+SESSIONS$/);
    expect(t.stdout).toMatch(/test_iam_user .*…MPLE/);
    expect(t.stdout).not.toContain(SECRET);
  });

  it('clear drops cached credentials only; remove drops the key and everything made from it', async () => {
    const c = await box.run(['clear']);
    expect(c.code).toBe(0);
    let rows = JSON.parse((await box.run(['list', '--json'])).stdout) as {
      profile: string;
      hasStoredKey: boolean;
      sessions: unknown[];
    }[];
    expect(rows.every((r) => r.sessions.length === 0)).toBe(true);
    expect(rows.find((r) => r.profile === 'test_iam_user')!.hasStoredKey).toBe(true);
    const rm = await box.run(['remove', 'test_iam_user', '--force']);
    expect(rm.code).toBe(0);
    rows = JSON.parse((await box.run(['list', '--json'])).stdout);
    expect(rows.find((r) => r.profile === 'test_iam_user')!.hasStoredKey).toBe(false);
    const again = await box.run(['test', '--', 'true']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'mfa-exec: no key stored for profile "test_iam_user" (run `mfa-exec add test_iam_user`, or `mfa-exec import test_iam_user --scrub` to move it from the credentials file)\n',
    );
    const twice = await box.run(['remove', 'test_iam_user', '--force']);
    expect(twice.code).toBe(1);
  });
});

describe('MFA codes and errors', () => {
  let b: Sandbox;
  beforeAll(async () => {
    b = await makeSandbox({ backend: 'file' });
    b.env.AWS_ENDPOINT_URL_STS = sts.url;
    await b.writeConfig(CONFIG.replace(/mfa_process = totp-code\n/g, '').replaceAll(MFA, MFA2));
    await seedKey(b, 'test_iam_user', { accessKeyId: KEY_ID2, secretAccessKey: SECRET2 });
  });
  afterAll(async () => {
    await b.cleanup();
  });
  beforeEach(() => sts.resetCalls());

  it('with no terminal and no code source it fails at once, naming the ways to give a code', async () => {
    const r = await b.run(['test', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^mfa-exec: an MFA code for arn:aws:iam::123456789012:mfa\/SECOND_MFA is needed, but there is no terminal to ask on \(give it with --mfa-token CODE, set mfa_process in the profile/,
    );
    expect(r.stderr.split('\n').length).toBe(2);
    expect(sts.count()).toBe(0);
  });

  it('a malformed --mfa-token is refused before any STS call', async () => {
    const r = await b.run(['test', '--mfa-token', '12ab56', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('6-digit');
    expect(sts.count()).toBe(0);
  });

  it('a wrong --mfa-token is rejected by STS with a one-line error and nothing cached', async () => {
    const good = totpCode(TOTP2);
    const wrong = good === '000000' ? '111111' : '000000';
    const r = await b.run(['test', '--mfa-token', wrong, '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mfa-exec: AWS rejected the MFA code for .*\(.*\)\n$/);
    expect(r.stderr).not.toContain(wrong);
    const rows = JSON.parse((await b.run(['list', '--json'])).stdout) as { sessions: unknown[] }[];
    expect(rows.every((x) => x.sessions.length === 0)).toBe(true);
  });

  it('a good --mfa-token works, and the same code is never sent to AWS twice', async () => {
    const code = totpCode(TOTP2);
    const r = await b.run(['test', '--mfa-token', code, '--no-session', '--', 'true']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sts.count('AssumeRole')).toBe(1);
    await b.run(['clear']);
    sts.resetCalls();
    const again = await b.run(['test', '--mfa-token', code, '--no-session', '--', 'true']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already used');
    expect(sts.count()).toBe(0);
  });

  it('an unknown profile gets a did-you-mean and exit 1, with nothing on stdout', async () => {
    const r = await b.run(['tset', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('did you mean "test"');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('usage errors exit 2: no arguments, unknown option, bad duration', async () => {
    const none = await b.run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage:');
    const opt = await b.run(['test', '--durration', '1h', '--', 'true']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain('did you mean --duration');
    const dur = await b.run(['test', '--duration', '20h', '--', 'true']);
    expect(dur.code).toBe(2);
    expect(dur.stderr).toMatch(/^mfa-exec: .*out of range \(AWS allows 15m to 12h\)\n$/);
  });

  it('refuses to run inside its own subshell', async () => {
    const r = await b.run(['test', '--', 'true'], { env: { MFA_EXEC_PROFILE: 'test' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MFA_EXEC_PROFILE');
  });

  it('flags may come before the command, as with aws-vault', async () => {
    const r = await b.run(['--backend', 'file', '--debug', 'list', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { profile: string }) => x.profile)).toContain('test');
    expect(r.stderr).toContain('mfa-exec: debug: store: encrypted file');
    const bad = await b.run(['--durration', '1h', 'test', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('did you mean --duration');
  });

  it('--version and --help', async () => {
    const v = await b.run(['--version']);
    expect(v.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')).version,
    );
    const h = await b.run(['exec', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('--session-duration');
  });
});

describe('a code already used: the wait for the next one (on the test clock)', () => {
  let clock: TestClock;
  let waitSts: FakeSts;
  let w: Sandbox;
  beforeAll(async () => {
    clock = await createTestClock();
    waitSts = await startFakeSts({
      clock,
      users: [
        {
          userName: 'wait_user',
          accountId: ACCOUNT,
          accessKeyId: KEY_ID5,
          secretAccessKey: SECRET5,
          mfaSerial: MFA5,
          totpSecret: TOTP5,
        },
      ],
      roles: [],
    });
    w = await makeSandbox({
      backend: 'file',
      env: { ...clock.env, TEST_TOTP_SECRET: TOTP5, AWS_ENDPOINT_URL_STS: waitSts.url },
    });
    await w.writeConfig(`[profile waiter]\nmfa_serial = ${MFA5}\nmfa_process = totp-code\n`);
    await seedKey(w, 'waiter', { accessKeyId: KEY_ID5, secretAccessKey: SECRET5 });
  });
  afterAll(async () => {
    await w.cleanup();
    await waitSts.close();
    await clock.cleanup();
  });

  it('the same device twice in one window: mfa-exec says it waits, waits for the next window, and STS accepts', async () => {
    clock.startOfWindow(1000); // both runs fall in one 30 s window, far from its edge
    const first = await w.run(['waiter', '--', 'true']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect((await w.run(['clear'])).code).toBe(0);
    const started = performance.now();
    let advanced = 0;
    const second = await w.run(['waiter', '--', 'true'], {
      // The wait is the subject: move the shared clock instead of spending the 30 s.
      onStderr: (text) => {
        const m = /waiting (\d+)s/.exec(text);
        if (m && !advanced) clock.advance((advanced = Number(m[1]) * 1000));
      },
    });
    expect(second.stderr).toMatch(
      /^mfa-exec: that MFA code was already used once and AWS would reject it; waiting \d+s for the next code from mfa_process\n$/,
    );
    expect(advanced).toBeGreaterThan(1000);
    expect(advanced).toBeLessThanOrEqual(31_000);
    expect(second.code).toBe(0);
    expect(performance.now() - started).toBeLessThan(15_000);
    const gst = waitSts.calls.filter((c) => c.action === 'GetSessionToken');
    expect(gst.map((c) => c.status)).toEqual([200, 200]);
  });
});
