// Security round 2 (issue 10), `login` on a shared host: another local user runs a real
// process that reads every /proc/PID/cmdline, finds the address mfa-exec gave the browser
// and fetches it first. It must get nothing; the user's browser must still sign in. And
// `login --stdout` on a terminal (a real pty) warns what the URL is worth.

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type Sandbox } from '../support/cli.js';
import { runInPty } from '../support/pty.js';
import { startFakeFederation, type FakeFederation } from '../support/fake-federation.js';
import type { FakeUser } from '../support/fake-sts.js';
import { ini, roleProfile, stsSandbox, type StsSandbox } from '../support/fixture.js';

const ACCOUNT = '456789012345';
const KEY_ID = 'AKIASECLOGINEXAMPLE1';
const SECRET = 'SecLoginSecretKeyForTestsOnly/0123456789';
// A device of this file's own, so codes used here never collide with other files'.
const TOTP = 'OBZG6Y3FONZWYZLBNNZWKY3VOJUXI6JA';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/SEC_LOGIN_MFA`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SEC_CONSOLE_ROLE`;
/** The other local user: nobody. */
const OTHER_UID = 65534;
const isRoot = process.getuid?.() === 0;

let env: StsSandbox;
let fed: FakeFederation;
let box: Sandbox;
let shared: string; // a folder the other user may use

// The other user's spy: polls every process's command line for a loopback address handed to
// a browser opener, fetches it first (no redirects followed) and records what it got.
const SPY = `import http.client, json, os, sys, time
out, go = sys.argv[1], sys.argv[2]
found = None
deadline = time.time() + 60
while found is None and time.time() < deadline:
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            argv = open('/proc/%s/cmdline' % pid, 'rb').read().split(b'\\0')
        except OSError:
            continue
        if any(a.endswith(b'xdg-open') for a in argv):
            urls = [a.decode() for a in argv if a.startswith(b'http://127.0.0.1:')]
            if urls:
                found = {'argv': [a.decode('latin-1') for a in argv if a], 'url': urls[0]}
                break
    time.sleep(0.01)
result = {'uid': os.getuid(), 'found': found}
if found:
    rest = found['url'][len('http://'):]
    host, path = rest.split('/', 1)
    try:
        c = http.client.HTTPConnection(host, timeout=10)
        c.request('GET', '/' + path)
        r = c.getresponse()
        result.update(status=r.status, location=r.getheader('location'))
    except OSError as e:
        result.update(error=repr(e))
json.dump(result, open(out, 'w'))
open(go, 'w').close()
`;

// The user's browser: waits until the spy has had its go, then visits the address once.
const BROWSER = `#!${process.execPath}
import { appendFileSync, existsSync } from 'node:fs';
const go = process.env.TEST_GO_FILE;
for (let i = 0; i < 1200 && !existsSync(go); i++) await new Promise((r) => setTimeout(r, 50));
const res = await fetch(process.argv[2], { redirect: 'manual' });
appendFileSync(
  process.env.TEST_BROWSER_LOG,
  JSON.stringify({
    status: res.status,
    location: res.headers.get('location'),
    ours: Object.keys(process.env).filter((k) => k.startsWith('MFA_EXEC_')),
  }) + '\\n',
);
`;

beforeAll(async () => {
  fed = await startFakeFederation();
  const user: FakeUser = {
    userName: 'sec_login_user',
    accountId: ACCOUNT,
    accessKeyId: KEY_ID,
    secretAccessKey: SECRET,
    mfaSerial: MFA,
    totpSecret: TOTP,
  };
  const region = 'us-west-2';
  env = await stsSandbox({
    users: [user],
    roles: [{ roleArn: ROLE, requireMfa: true }],
    config: ini({
      sec_login_user: { region },
      console: roleProfile({ role: ROLE, source: 'sec_login_user', mfa: MFA, process: 'totp-code', region }),
    }),
    keys: { sec_login_user: user },
    env: { MFA_EXEC_FEDERATION_URL: fed.url },
  });
  ({ box } = env);
  shared = await mkdtemp(join(tmpdir(), 'mfa-exec-login-spy-'));
  chmodSync(shared, 0o777);
  writeFileSync(join(shared, 'spy.py'), SPY, { mode: 0o644 });
  writeFileSync(join(shared, 'xdg-open'), BROWSER, { mode: 0o755 });
});
afterAll(async () => {
  await env?.cleanup();
  await fed?.close();
  if (shared) await rm(shared, { recursive: true, force: true });
});

describe('row 6: login on a shared host', () => {
  // Another uid needs root to start; CI runs as root, so there it never skips.
  it.skipIf(!isRoot && !process.env.CI)(
    "another user reading the opener's /proc/PID/cmdline finds no sign-in URL, and the loopback address it finds answers it 403; the user's browser signs in",
    async () => {
      const spyOut = join(shared, 'spy.json');
      const go = join(shared, 'go');
      const log = join(box.dir, 'browser.log');
      const spy = spawn('/usr/bin/python3', [join(shared, 'spy.py'), spyOut, go], {
        uid: OTHER_UID,
        gid: OTHER_UID,
        stdio: 'ignore',
      });
      const spyDone = new Promise((r) => spy.once('exit', r));
      const r = await box.run(['login', 'console', '--path', '/s3'], {
        env: { PATH: `${shared}:${box.env.PATH}`, TEST_BROWSER_LOG: log, TEST_GO_FILE: go },
      });
      await spyDone;
      expect(r.stderr).toBe('mfa-exec: opened the AWS console for profile "console" in the browser\n');
      expect(r.code).toBe(0);

      const seen = JSON.parse(readFileSync(spyOut, 'utf8')) as {
        uid: number;
        found: { argv: string[]; url: string } | null;
        status?: number;
        location?: string | null;
        error?: string;
      };
      expect(seen.error).toBeUndefined();
      expect(seen.uid).toBe(OTHER_UID);
      // It did find the opener and the address: reading /proc works for it.
      expect(seen.found?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}$/);
      expect(seen.found!.argv.join(' ')).not.toMatch(/SigninToken|federation/);
      expect(seen.status).toBe(403);
      expect(seen.location ?? null).toBeNull();

      // appendFileSync creates the file before it writes: wait for the whole line.
      const logged = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
      for (let i = 0; i < 100 && !logged().endsWith('\n'); i++) await new Promise((r) => setTimeout(r, 100));
      const visits = logged()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { status: number; location: string; ours: string[] });
      expect(visits).toHaveLength(1);
      expect(visits[0]!.status).toBe(302);
      expect(visits[0]!.location).toContain(`SigninToken=${fed.signinToken}`);
      // Row 2: the browser sees none of mfa-exec's variables (MFA_EXEC_FILE_PASSPHRASE above all).
      expect(visits[0]!.ours).toEqual([]);
    },
    90_000,
  );

  it('login --stdout on a terminal warns what the URL is worth; piped, it says nothing', async () => {
    const r = await runInPty({ argv: [process.execPath, BIN, 'login', 'console', '--stdout'], env: box.env });
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain(`SigninToken=${fed.signinToken}`);
    expect(r.output).toContain(
      'mfa-exec: warning: this URL signs anyone who opens it in to the console for 15 minutes',
    );
    const piped = await box.run(['login', 'console', '--stdout']);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toContain('SigninToken=');
  });
});
