// Every bad input answered: the built CLI against the local STS, one test per case, each
// checking the one-line message, the exit status, an empty stdout, no stack trace, and
// that nothing was lost or cached (AWS files and store unchanged).

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStsClient } from '../../src/adapters/sts.js';
import { encodeEntry, sessionItem } from '../../src/core/store-items.js';
import type { RunResult, Sandbox } from '../support/cli.js';
import { totpCode, type FakeSts, type FakeUser } from '../support/fake-sts.js';
import { fileStoreOf, ini, roleProfile, stsSandbox, type StsSandbox } from '../support/fixture.js';

const A = '404040404040';
const KEY = 'AKIABADINPUT00000001';
const SECRET = 'bAdInPuT/K7MDENG/bPxRfiCYEXAMPLEKEY00001';
const TOTP = 'ORSXG5BAMJQWIIDJNZYHK5BAORSXG5BA';
const MFA = `arn:aws:iam::${A}:mfa/bad`;
// A second user and device for the one test that needs a fresh code after another test used one.
const KEY2 = 'AKIABADINPUT00000002';
const SECRET2 = 'bAdInPuT/K7MDENG/bPxRfiCYEXAMPLEKEY00002';
const TOTP2 = 'MZXW6YTBOJRGC4TCMF5GC4TMMFXGOZLS';
const MFA2 = `arn:aws:iam::${A}:mfa/bad2`;
const ROLE = `arn:aws:iam::${A}:role/bad`;

const USER: FakeUser = {
  userName: 'bad',
  accountId: A,
  accessKeyId: KEY,
  secretAccessKey: SECRET,
  mfaSerial: MFA,
  totpSecret: TOTP,
};
const USER2: FakeUser = {
  userName: 'bad2',
  accountId: A,
  accessKeyId: KEY2,
  secretAccessKey: SECRET2,
  mfaSerial: MFA2,
  totpSecret: TOTP2,
};
const ROLE_PROFILE = roleProfile({ role: ROLE, source: 'base', mfa: MFA });
const CONFIG = ini({
  base: { region: 'eu-west-1' },
  test: ROLE_PROFILE,
  proc: { ...ROLE_PROFILE, mfa_process: 'totp-code' },
  base2: { region: 'eu-west-1' },
  expiring: roleProfile({ role: ROLE, source: 'base2', mfa: MFA2, process: `TEST_TOTP_SECRET=${TOTP2} totp-code` }),
});

let env: StsSandbox;
let sts: FakeSts;
let box: Sandbox;

beforeAll(async () => {
  // `ghost` holds a key STS does not know (deleted in IAM).
  const ghost = { ...USER, accessKeyId: 'AKIAGHOSTKEYDELETED1' };
  env = await stsSandbox({
    users: [USER, USER2],
    roles: [{ roleArn: ROLE, requireMfa: true }],
    // ghost in the config too, so that `add ghost` has no warning that its key cannot be used.
    config: `${CONFIG}\n[profile ghost]\nregion = eu-west-1\n`,
    keys: { base: USER, base2: USER2, ghost },
  });
  ({ sts, box } = env);
  await box.writeCredentials('# nothing here but a comment\n');
});
afterAll(() => env?.cleanup());
beforeEach(async () => {
  sts.resetCalls();
  sts.setFailure(undefined);
  sts.setCredentialLifetime(undefined);
  await box.writeConfig(CONFIG);
});

const storeDir = () => join(box.dir, 'store');
const openStore = () => fileStoreOf(box);

/** The AWS files and every item of the store, to prove that nothing was lost or cached. */
async function snapshot(): Promise<{ config: string; credentials: string; items: [string, string | null][] }> {
  const store = openStore();
  const names = (await store.list()).sort();
  return {
    config: readFileSync(box.configPath, 'utf8'),
    credentials: readFileSync(box.credentialsPath, 'utf8'),
    items: await Promise.all(names.map(async (n) => [n, await store.get(n)] as [string, string | null])),
  };
}

/** Runs `args` and checks the answer: exit status, exactly `message` on one stderr line, nothing on stdout, nothing changed. */
async function expectAnswer(
  args: string[],
  status: number,
  message: string | RegExp,
  opts: { config?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  if (opts.config !== undefined) await box.writeConfig(opts.config);
  const before = await snapshot();
  const r = await box.run(args, { env: opts.env });
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toContain('    at ');
  expect(r.stderr.split('\n')).toHaveLength(2);
  if (typeof message === 'string') expect(r.stderr).toBe(`${message}\n`);
  else expect(r.stderr).toMatch(message);
  expect(r.code).toBe(status);
  expect(await snapshot()).toEqual(before);
  return r;
}

describe('every bad input is answered with one line', () => {
  it('unknown profile: did-you-mean', async () => {
    await expectAnswer(
      ['export', 'tset'],
      1,
      'mfa-exec: profile "tset" not found in ~/.aws/config (did you mean "test"?)',
    );
    expect(sts.count()).toBe(0);
  });

  it('source_profile cycle', async () => {
    const config = `${CONFIG}\n[profile a]\nrole_arn = ${ROLE}\nsource_profile = b\n[profile b]\nrole_arn = ${ROLE}\nsource_profile = a\n`;
    await expectAnswer(
      ['export', 'a'],
      1,
      'mfa-exec: profile "a": source_profile cycle a → b → a (end the chain at a profile without role_arn in ~/.aws/config)',
      { config },
    );
  });

  // Only the sections a command reads are parsed: the bad line is in [profile expiring].
  it('malformed config: a garbage line in a profile the command reads', async () => {
    await expectAnswer(
      ['export', 'expiring'],
      1,
      'mfa-exec: ~/.aws/config:23: neither "key = value", a [section] header nor a comment (fix or remove line 23; comments start with # or ;)',
      {
        config: `${CONFIG}this is not ini\n`,
      },
    );
  });

  it('malformed config: a section header without "]"', async () => {
    await expectAnswer(
      ['export', 'test'],
      1,
      'mfa-exec: ~/.aws/config:23: section header without a closing "]" (write [profile NAME] or [default])',
      {
        config: `${CONFIG}[profile broken\nregion = eu-west-1\n`,
      },
    );
  });

  it('bad role_arn', async () => {
    await expectAnswer(
      ['export', 'x'],
      1,
      'mfa-exec: profile "x": role_arn "arn:aws:iam::12:role/" is not a role ARN (arn:aws:iam::123456789012:role/NAME) (fix role_arn of [profile x] in ~/.aws/config)',
      { config: `${CONFIG}\n[profile x]\nrole_arn = arn:aws:iam::12:role/\nsource_profile = base\n` },
    );
  });

  it('bad mfa_serial', async () => {
    await expectAnswer(
      ['export', 'x'],
      1,
      'mfa-exec: profile "x": mfa_serial "nope" is not an MFA device (arn:aws:iam::123456789012:mfa/NAME or a hardware serial) (fix mfa_serial of [profile x] in ~/.aws/config)',
      { config: `${CONFIG}\n[profile x]\nrole_arn = ${ROLE}\nsource_profile = base\nmfa_serial = nope\n` },
    );
  });

  it('duration out of range: --duration below 15m and above 12h, --session-duration above 36h, duration_seconds in the profile', async () => {
    await expectAnswer(
      ['export', 'proc', '--duration', '10m'],
      2,
      'mfa-exec: role credentials (--duration / duration_seconds) of 10m is out of range (AWS allows 15m to 12h)',
    );
    await expectAnswer(
      ['export', 'proc', '--duration', '13h'],
      2,
      'mfa-exec: role credentials (--duration / duration_seconds) of 13h is out of range (AWS allows 15m to 12h)',
    );
    await expectAnswer(
      ['export', 'proc', '--session-duration', '40h'],
      2,
      'mfa-exec: an MFA session (--session-duration) of 40h is out of range (AWS allows 15m to 36h)',
    );
    await expectAnswer(
      ['export', 'x'],
      1,
      'mfa-exec: profile "x": duration_seconds "99" is not a whole number of seconds from 900 to 43200 (fix duration_seconds of [profile x] in ~/.aws/config)',
      { config: `${CONFIG}\n[profile x]\nrole_arn = ${ROLE}\nsource_profile = base\nduration_seconds = 99\n` },
    );
    expect(sts.count()).toBe(0);
  });

  it('a non-numeric or wrong-length MFA code is refused before any STS call', async () => {
    const msg = 'mfa-exec: --mfa-token must be the 6-digit code shown by the MFA device (e.g. --mfa-token 123456)';
    await expectAnswer(['export', 'test', '--mfa-token', '12ab56'], 2, msg);
    await expectAnswer(['export', 'test', '--mfa-token', '12345'], 2, msg);
    await expectAnswer(['export', 'test', '--mfa-token', '1234567'], 2, msg);
    await expectAnswer(
      ['export', 'x'],
      1,
      `mfa-exec: the MFA code from mfa_process is not 6 digits (give the current 6-digit code of the device ${MFA})`,
      {
        config: `${CONFIG}\n[profile x]\nrole_arn = ${ROLE}\nsource_profile = base\nmfa_serial = ${MFA}\nmfa_process = echo abcdef\n`,
      },
    );
    expect(sts.count()).toBe(0);
  });

  it('STS unreachable (a closed port) is answered within 30 s', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const started = Date.now();
    await expectAnswer(
      ['export', 'proc'],
      1,
      `mfa-exec: cannot reach STS at http://127.0.0.1:${port} (check the network, the region, or AWS_ENDPOINT_URL_STS / endpoint_url)`,
      {
        env: { AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}` },
      },
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('STS throttling is retried with backoff by the SDK, and succeeds', async () => {
    sts.setFailure({ status: 400, code: 'Throttling', message: 'Rate exceeded', times: 2 });
    const r = await box.run(['export', 'proc', '--format', 'json', '--no-session']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(sts.calls.map((c) => c.status)).toEqual([400, 400, 200]);
  });

  it('STS throttling that does not stop: one line after the retries', async () => {
    sts.setFailure({ status: 400, code: 'Throttling', message: 'Rate exceeded', times: 10 });
    await expectAnswer(
      ['export', 'test', '--mfa-token', '123456'],
      1,
      'mfa-exec: STS kept throttling the request (Throttling) after retries (wait a minute and run again)',
    );
    expect(sts.count()).toBe(3);
  });

  it('InvalidClientTokenId: the stored key was deleted', async () => {
    await expectAnswer(
      ['export', 'x', '--mfa-token', '123456'],
      1,
      'mfa-exec: AWS does not recognise the access key stored for profile "ghost" (deleted or deactivated) (store a working key with `mfa-exec add ghost`)',
      {
        config: `${CONFIG}\n[profile ghost]\nregion = eu-west-1\n[profile x]\nrole_arn = ${ROLE}\nsource_profile = ghost\nmfa_serial = ${MFA}\n`,
      },
    );
    expect(sts.calls.map((c) => c.status)).toEqual([403]);
  });

  it('ExpiredToken: a cached MFA session AWS calls expired is dropped, and the call retried once with a new one', async () => {
    // A session the fake issued for 1 s, cached as if it had 8 h left (a revoked session, or clock skew).
    sts.setCredentialLifetime(1);
    const session = await createStsClient({ region: 'eu-west-1', endpoint: sts.url }).getSessionToken({
      credentials: { accessKeyId: KEY2, secretAccessKey: SECRET2 },
      durationSeconds: 3600,
    });
    sts.setCredentialLifetime(undefined);
    await openStore().set(
      sessionItem('base2', MFA2),
      encodeEntry({
        kind: 'session',
        credentials: { ...session, expiration: new Date(Date.now() + 8 * 3600_000) },
        base: 'base2',
        fingerprint: JSON.stringify(['base2', MFA2]),
      }),
    );
    await new Promise((r) => setTimeout(r, 1200));
    sts.resetCalls();
    const r = await box.run(['export', 'expiring', '--format', 'json', '--debug']);
    expect(r.stderr).toContain('the cached MFA session was refused as expired; getting a new one');
    expect(r.stderr).not.toContain('    at ');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(sts.calls.map((c) => `${c.action} ${c.status}`)).toEqual([
      'AssumeRole 400',
      'GetSessionToken 200',
      'AssumeRole 200',
    ]);
    // The refused session was replaced in the cache by the new one.
    const cached = JSON.parse((await openStore().get(sessionItem('base2', MFA2)))!) as {
      credentials: { accessKeyId: string };
    };
    expect(cached.credentials.accessKeyId).not.toBe(session.accessKeyId);
  });

  it('MFA AccessDenied: a wrong code', async () => {
    const wrong = totpCode(TOTP) === '000000' ? '111111' : '000000';
    await expectAnswer(
      ['export', 'test', '--mfa-token', wrong],
      1,
      `mfa-exec: AWS rejected the MFA code for ${MFA} (check that the device matches mfa_serial and that the clock is right; each code works once)`,
    );
    expect(sts.calls.map((c) => c.status)).toEqual([403]);
  });

  it('AssumeRole AccessDenied: the user may not assume the role', async () => {
    await expectAnswer(
      ['export', 'x', '--no-session', '--mfa-token', '123456'],
      1,
      /^mfa-exec: AssumeRole on arn:aws:iam::404040404040:role\/other was denied for profile "x": .*not authorized to perform: sts:AssumeRole.* \(check the role trust policy and whether it requires MFA, mfa_serial, and that the user may call sts:AssumeRole on it\)\n$/,
      { config: `${CONFIG}\n[profile x]\nrole_arn = arn:aws:iam::${A}:role/other\nsource_profile = base\n` },
    );
  });

  it('no key stored for the source profile', async () => {
    await expectAnswer(
      ['export', 'x'],
      1,
      'mfa-exec: no key stored for profile "nobody" (run `mfa-exec add nobody`, or `mfa-exec import nobody --scrub` to move it from the credentials file)',
      {
        config: `${CONFIG}\n[profile x]\nrole_arn = ${ROLE}\nsource_profile = nobody\n[profile nobody]\nregion = eu-west-1\n`,
      },
    );
  });

  it('keychain missing (no D-Bus there): a clear message within 5 s, no hang', async () => {
    const started = Date.now();
    await expectAnswer(
      ['export', 'test'],
      1,
      'mfa-exec: cannot reach the OS keychain (Secret Service over D-Bus) (start gnome-keyring or use --backend file)',
      {
        env: { MFA_EXEC_BACKEND: 'keychain', DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(box.dir, 'no-such-bus')}` },
      },
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('file store: wrong passphrase', async () => {
    await expectAnswer(
      ['export', 'test'],
      1,
      `mfa-exec: cannot open the file store ${join(storeDir(), 'store.enc')}: wrong passphrase or the file was modified (check MFA_EXEC_FILE_PASSPHRASE)`,
      {
        env: { MFA_EXEC_FILE_PASSPHRASE: 'not the passphrase' },
      },
    );
  });

  it('file store: a tampered file', async () => {
    const path = join(storeDir(), 'store.enc');
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[bad.length - 20]! ^= 0x01;
    writeFileSync(path, bad);
    try {
      const r = await box.run(['export', 'test']);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `mfa-exec: cannot open the file store ${path}: wrong passphrase or the file was modified (check MFA_EXEC_FILE_PASSPHRASE)\n`,
      );
      expect(r.code).toBe(1);
      expect(readFileSync(path).equals(bad)).toBe(true); // not "repaired" by overwriting
    } finally {
      writeFileSync(path, good);
    }
  });

  it('a missing child command exits 127 with one line', async () => {
    const r = await box.run(['proc', '--', 'no-such-command-here']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('mfa-exec: command not found: no-such-command-here (check the name or your PATH)\n');
    expect(r.code).toBe(127);
  });

  it('the nesting guard', async () => {
    await expectAnswer(
      ['test', '--', 'true'],
      1,
      'mfa-exec: already inside an mfa-exec subshell for profile "test" (exit it first, or unset MFA_EXEC_PROFILE to nest on purpose)',
      {
        env: { MFA_EXEC_PROFILE: 'test' },
      },
    );
  });

  it('no terminal and no code source', async () => {
    await expectAnswer(
      ['export', 'test'],
      1,
      `mfa-exec: an MFA code for ${MFA} is needed, but there is no terminal to ask on (give it with --mfa-token CODE, set mfa_process in the profile, store the TOTP seed of the device with \`mfa-exec totp add\`, or choose --prompt ykman|zenity|kdialog|osascript)`,
    );
  });
});
