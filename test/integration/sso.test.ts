// IAM Identity Center (SSO) profiles end to end: the built CLI against the local SSO
// stand-in (found through AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC) and the local
// STS for roles chained on top, with the AWS CLI's token cache in the temporary HOME.

import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, makeSandbox, type Sandbox } from '../support/cli.js';
import { envOf } from '../support/children.js';
import { runInPty } from '../support/pty.js';
import { startFakeFederation } from '../support/fake-federation.js';
import { cacheFileName, startFakeSso, type CacheToken, type FakeSso } from '../support/fake-sso.js';
import { startFakeSts, totpCode, type FakeSts } from '../support/fake-sts.js';
import { advanceDuring, createTestClock, type TestClock } from '../support/test-clock.js';

const ACCOUNT = '111122223333';
const START_URL = 'https://corp.awsapps.com/start';
const LEGACY_URL = 'https://legacy.awsapps.com/start';
const KEY_ID = 'AKIAIOSFODNN7SSOUSER';
const SECRET = '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';
const TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/SSO_MFA`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ABOVE_SSO`;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const CONFIG = `[profile sso]
sso_session = corp
sso_account_id = ${ACCOUNT}
sso_role_name = Dev
region = eu-west-1

[profile legacy]
sso_start_url = ${LEGACY_URL}
sso_region = eu-west-1
sso_account_id = ${ACCOUNT}
sso_role_name = Dev

[profile above]
role_arn = ${ROLE}
source_profile = sso
mfa_serial = ${MFA}
region = eu-west-1

[profile sso-again]
sso_session = corp
sso_account_id = ${ACCOUNT}
sso_role_name = Dev

[profile noaccess]
sso_session = corp
sso_account_id = ${ACCOUNT}
sso_role_name = Admin

[sso-session corp]
sso_start_url = ${START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
`;

let sts: FakeSts;
let sso: FakeSso;
let box: Sandbox;
// The CLI, its polling and the fake's OIDC service share this clock; a device flow's waits (its
// 1 s polling interval) pass on it, 10 times faster than real time (advanceDuring).
let clock: TestClock;
/** Access keys GetRoleCredentials handed out, in order. */
const handedOut: string[] = [];

const cacheDir = () => join(box.env.HOME!, '.aws', 'sso', 'cache');
const writeCliToken = async (id: string, token: CacheToken) => {
  await mkdir(cacheDir(), { recursive: true });
  await writeFile(join(cacheDir(), cacheFileName(id)), JSON.stringify(token, null, 2));
};

beforeAll(async () => {
  clock = await createTestClock();
  sts = await startFakeSts({
    users: [
      {
        userName: 'sso_user',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET,
        mfaSerial: MFA,
        totpSecret: TOTP,
      },
    ],
    roles: [{ roleArn: ROLE, requireMfa: true }],
  });
  // GetRoleCredentials hands out temporary credentials the local STS accepts.
  const client = new STSClient({
    region: 'us-east-1',
    endpoint: sts.url,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
  });
  sso = await startFakeSso({
    assignments: [{ accountId: ACCOUNT, roleName: 'Dev' }],
    clock,
    roleCredentials: async () => {
      const out = await client.send(new GetSessionTokenCommand({ DurationSeconds: 3600 }));
      const c = out.Credentials!;
      handedOut.push(c.AccessKeyId!);
      return {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
        expiration: c.Expiration!,
      };
    },
  });
});
afterAll(async () => {
  await sso.close();
  await sts.close();
  await clock.cleanup();
});

beforeEach(async () => {
  box = await makeSandbox({ backend: 'file', env: clock.env });
  box.env.AWS_ENDPOINT_URL_STS = sts.url;
  box.env.AWS_ENDPOINT_URL_SSO = sso.url;
  box.env.AWS_ENDPOINT_URL_SSO_OIDC = sso.url;
  await box.writeConfig(CONFIG);
  sso.resetCalls();
  sts.resetCalls();
  return async () => {
    await box.cleanup();
    clock.advance(-clock.offsetMs()); // each test starts on the real time
  };
});

describe('SSO profiles through the built CLI', () => {
  it('exec with the AWS CLI token in the cache: GetRoleCredentials once, then cached', async () => {
    await writeCliToken('corp', sso.signIn({ startUrl: START_URL, region: 'eu-west-1' }));
    const r = await box.run(['sso', '--', 'print-env', 'AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'AWS_REGION']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = envOf(r.stdout);
    expect(env.AWS_ACCESS_KEY_ID).toBe(handedOut.at(-1));
    expect(env.AWS_SESSION_TOKEN).toBeTruthy();
    expect(env.AWS_REGION).toBe('eu-west-1');
    expect(sso.calls).toEqual([{ operation: 'GetRoleCredentials', status: 200 }]);
    const again = await box.run(['sso', '--', 'print-env', 'AWS_ACCESS_KEY_ID']);
    expect(again.code).toBe(0);
    expect(envOf(again.stdout).AWS_ACCESS_KEY_ID).toBe(env.AWS_ACCESS_KEY_ID);
    expect(sso.count()).toBe(1);
  });

  it('the legacy form (sso_start_url) reads the cache file named by the sha1 of the start URL', async () => {
    await writeCliToken(LEGACY_URL, sso.signIn({ startUrl: LEGACY_URL, region: 'eu-west-1', legacy: true }));
    const r = await box.run(['legacy', '--', 'print-env', 'AWS_ACCESS_KEY_ID']);
    expect(r.stderr).toBe('');
    expect(envOf(r.stdout).AWS_ACCESS_KEY_ID).toBe(handedOut.at(-1));
  });

  it('an expired AWS CLI token is refreshed with its refreshToken; the new token goes to the store, not the file', async () => {
    const token = sso.signIn({ startUrl: START_URL, region: 'eu-west-1' });
    const expired = { ...token, expiresAt: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    await writeCliToken('corp', expired);
    const before = await readFile(join(cacheDir(), cacheFileName('corp')), 'utf8');
    const r = await box.run(['sso', '--', 'true']);
    // The token is the first secret of this sandbox's file store, whose creation is announced.
    expect(r.stderr).toMatch(/^mfa-exec: creating a new file store in .*\n$/);
    expect(r.code).toBe(0);
    expect(sso.calls).toEqual([
      { operation: 'CreateToken', status: 200, grantType: 'refresh_token' },
      { operation: 'GetRoleCredentials', status: 200 },
    ]);
    // The AWS CLI's file is read, never written.
    expect(await readFile(join(cacheDir(), cacheFileName('corp')), 'utf8')).toBe(before);
    // The refreshed token is kept (in the store): with the role credentials cleared, no new refresh.
    expect((await box.run(['clear', 'sso'])).code).toBe(0);
    sso.resetCalls();
    const again = await box.run(['sso', '--', 'true']);
    expect(again.stderr).toBe('');
    expect(sso.calls).toEqual([{ operation: 'GetRoleCredentials', status: 200 }]);
  });

  it('with no token, the device flow: URL and code shown, $BROWSER opened, polled until approved', async () => {
    const browserLog = join(box.dir, 'browser.log');
    const browser = join(box.dir, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\nprintf '%s\\n' "$@" > '${browserLog}'\nenv > '${browserLog}.env'\n`);
    await chmod(browser, 0o755);
    const running = advanceDuring(
      clock,
      box.run(['sso', '--', 'print-env', 'AWS_ACCESS_KEY_ID'], { env: { BROWSER: browser } }),
    );
    const pending = await sso.waitForPending();
    // Approve once mfa-exec has polled at least once (and been told authorization_pending).
    for (let i = 0; i < 200 && sso.count('CreateToken') === 0; i++) await new Promise((res) => setTimeout(res, 50));
    expect(pending.startUrl).toBe(START_URL);
    // The browser was given the verification page with the code, and no MFA_EXEC_* variable.
    for (let i = 0; i < 100; i++) {
      if (await stat(browserLog).catch(() => undefined)) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect((await readFile(browserLog, 'utf8')).trim()).toBe(pending.verificationUriComplete);
    expect(await readFile(`${browserLog}.env`, 'utf8')).not.toMatch(/^MFA_EXEC_/m);
    sso.approve(pending.userCode);
    const r = await running;
    expect(r.code).toBe(0);
    expect(envOf(r.stdout).AWS_ACCESS_KEY_ID).toBe(handedOut.at(-1));
    // No terminal here: the sign-in lines went to stderr, with the page and the code.
    expect(r.stderr).toContain(`${sso.url}/device`);
    expect(r.stderr).toContain(pending.userCode);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .every((l) => l.startsWith('mfa-exec: ')),
    ).toBe(true);
    expect(sso.calls.map((c) => c.operation)).toEqual([
      'RegisterClient',
      'StartDeviceAuthorization',
      ...Array(sso.count('CreateToken')).fill('CreateToken'),
      'GetRoleCredentials',
    ]);
    // Every poll but the last was told authorization_pending; none was too fast (slow_down).
    const polls = sso.calls.filter((c) => c.operation === 'CreateToken');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.slice(0, -1).every((c) => c.error === 'AuthorizationPendingException')).toBe(true);
    expect(polls.at(-1)).toEqual({ operation: 'CreateToken', status: 200, grantType: DEVICE_GRANT });
  });

  it('concurrent runs with no token, also of two profiles of one sso_session, share one device flow', async () => {
    const browser = join(box.dir, 'browser.sh');
    await writeFile(browser, '#!/bin/sh\nexit 0\n');
    await chmod(browser, 0o755);
    // Two runs of one profile and one of another profile of the same sso_session.
    const runs = ['sso', 'sso', 'sso-again'].map((p) =>
      box.run([p, '--', 'print-env', 'AWS_ACCESS_KEY_ID'], { env: { BROWSER: browser } }),
    );
    // On the real clock: the runs that wait take the lock over when its heartbeat (real time) looks
    // older than 5 s on a clock running 10 times faster.
    const pending = await sso.waitForPending();
    sso.approve(pending.userCode);
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(
      results.map((r) => r.stderr.includes('mfa-exec: sign in to IAM Identity Center')).filter(Boolean),
    ).toHaveLength(1);
    expect(sso.count('StartDeviceAuthorization')).toBe(1);
    // One GetRoleCredentials per profile (each caches its own role credentials).
    expect(sso.count('GetRoleCredentials')).toBe(2);
  });

  it('a denied sign-in is one line, and nothing is stored', async () => {
    const browser = join(box.dir, 'browser.sh');
    await writeFile(browser, '#!/bin/sh\nexit 0\n');
    await chmod(browser, 0o755);
    const running = advanceDuring(clock, box.run(['sso', '--', 'true'], { env: { BROWSER: browser } }));
    sso.deny((await sso.waitForPending()).userCode);
    const r = await running;
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'mfa-exec: the IAM Identity Center sign-in for profile "sso" was denied (re-run and allow the access in the browser)',
    );
    expect(sso.count('GetRoleCredentials')).toBe(0);
  });

  it('remove of an SSO profile deletes the token mfa-exec keeps for its session', async () => {
    const token = sso.signIn({ startUrl: START_URL, region: 'eu-west-1' });
    await writeCliToken('corp', { ...token, expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect((await box.run(['sso', '--', 'true'])).code).toBe(0); // refreshed into the store
    const removed = await box.run(['remove', 'sso', '--force']);
    expect(removed.stderr).toBe('');
    expect(removed.stdout).toBe(
      'Removed the IAM Identity Center token of sso_session "corp" and 1 cached credential of profile "sso" from the encrypted file store.\n',
    );
    // The old refresh token was spent by the refresh, the stored token is gone: a sign-in is needed.
    const r = await box.run(['sso', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs an IAM Identity Center sign-in');
  });

  it('at a terminal, the sign-in lines go to the terminal, never to stdout', async () => {
    const browser = join(box.dir, 'browser.sh');
    await writeFile(browser, '#!/bin/sh\nexit 0\n');
    await chmod(browser, 0o755);
    const out = join(box.dir, 'stdout.txt');
    const env: Record<string, string> = { ...box.env, BROWSER: browser };
    const running = advanceDuring(
      clock,
      runInPty({
        argv: ['sh', '-c', `exec "$0" "$1" sso -- print-env AWS_ACCESS_KEY_ID > '${out}'`, process.execPath, BIN],
        env,
        timeout: 60,
      }),
    );
    sso.approve((await sso.waitForPending()).userCode);
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(
      /mfa-exec: sign in to IAM Identity Center for profile "sso": open http:\/\/127\.0\.0\.1:\d+\/device and confirm the code [A-Z]{4}-[A-Z]{4}/,
    );
    expect(result.output).toContain('mfa-exec: signed in to IAM Identity Center');
    expect(await readFile(out, 'utf8')).toBe(`AWS_ACCESS_KEY_ID=${handedOut.at(-1)}\n`);
  });

  it('with no token, no terminal and no $BROWSER: one line saying how to sign in', async () => {
    const r = await box.run(['sso', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'mfa-exec: profile "sso" needs an IAM Identity Center sign-in, and there is no terminal to show it on (run `aws sso login --profile sso`, or re-run mfa-exec at a terminal to sign in)\n',
    );
    expect(sso.count()).toBe(0);
  });

  it('a role chained on top of the SSO profile is assumed with the MFA code; its credentials are cached', async () => {
    await writeCliToken('corp', sso.signIn({ startUrl: START_URL, region: 'eu-west-1' }));
    const r = await box.run(['above', '--mfa-token', totpCode(TOTP), '--', 'print-env', 'AWS_ACCESS_KEY_ID']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sso.calls).toEqual([{ operation: 'GetRoleCredentials', status: 200 }]);
    // The stand-in's GetSessionToken made the SSO credentials; mfa-exec's one call is AssumeRole with them.
    expect(sts.calls.map((c) => [c.action, c.accessKeyId, c.status])).toEqual([
      ['GetSessionToken', KEY_ID, 200],
      ['AssumeRole', handedOut.at(-1), 200],
    ]);
    expect(sts.calls[1]!.params).toMatchObject({ RoleArn: ROLE, SerialNumber: MFA, TokenCode: '***' });
    const key = envOf(r.stdout).AWS_ACCESS_KEY_ID;
    expect(key).toMatch(/^ASIA/);
    expect(key).not.toBe(handedOut.at(-1));
    // Cached: no SSO, no STS, no MFA code the second time.
    sso.resetCalls();
    sts.resetCalls();
    const again = await box.run(['above', '--', 'print-env', 'AWS_ACCESS_KEY_ID']);
    expect(again.stderr).toBe('');
    expect(envOf(again.stdout).AWS_ACCESS_KEY_ID).toBe(key);
    expect([...sso.calls, ...sts.calls]).toEqual([]);
  });

  it('an unassigned role is one line naming the account and role', async () => {
    await writeCliToken('corp', sso.signIn({ startUrl: START_URL, region: 'eu-west-1' }));
    const r = await box.run(['noaccess', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `mfa-exec: IAM Identity Center gives no access to role "Admin" in account ${ACCOUNT} (profile "noaccess") (check sso_account_id and sso_role_name, and that the permission set is assigned to you)\n`,
    );
  });

  it('an unreachable portal is one line naming the endpoint and the settings to check', async () => {
    await writeCliToken('corp', sso.signIn({ startUrl: START_URL, region: 'eu-west-1' }));
    const closed = await startFakeSso({ assignments: [] });
    await closed.close();
    const r = await box.run(['sso', '--', 'true'], { env: { AWS_ENDPOINT_URL_SSO: closed.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `mfa-exec: cannot reach IAM Identity Center at ${closed.url} (check the network, sso_region, or AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC)\n`,
    );
  });

  it('export prints the SSO role credentials', async () => {
    await writeCliToken('corp', sso.signIn({ startUrl: START_URL, region: 'eu-west-1' }));
    const r = await box.run(['export', 'sso', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ Version: 1, AccessKeyId: handedOut.at(-1) });
    expect(out.SessionToken).toBeTruthy();
  });

  it('login signs in to the console with the SSO role credentials as they are', async () => {
    await writeCliToken('corp', sso.signIn({ startUrl: START_URL, region: 'eu-west-1' }));
    const federation = await startFakeFederation();
    try {
      const r = await box.run(['login', 'sso', '--stdout'], { env: { MFA_EXEC_FEDERATION_URL: federation.url } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`SigninToken=${federation.signinToken}`);
      const session = JSON.parse(federation.requests[0]!.params.Session!) as Record<string, string>;
      expect(session.sessionId).toBe(handedOut.at(-1));
      expect(sts.count()).toBe(1); // the stand-in's own GetSessionToken: no GetFederationToken
    } finally {
      await federation.close();
    }
  });

  it('list --json names the kind "sso"', async () => {
    const r = await box.run(['list', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { profile: string; kind: string; hasStoredKey: boolean }[];
    const kinds = Object.fromEntries(rows.map((row) => [row.profile, row.kind]));
    expect(kinds).toMatchObject({ sso: 'sso', legacy: 'sso', noaccess: 'sso', above: 'role' });
  });

  it('doctor shows whether an SSO token is there and when it expires', async () => {
    const missing = await box.run(['doctor', 'sso', '--json']);
    const missingReport = JSON.parse(missing.stdout) as { checks: { check: string; status: string }[] };
    const token = missingReport.checks.find((c) => c.check === 'sso token');
    expect(token).toMatchObject({ status: 'fail' });
    expect(JSON.stringify(token)).toContain('aws sso login --profile sso');
    expect(missing.code).toBe(1);
    await writeCliToken('corp', sso.signIn({ startUrl: START_URL, region: 'eu-west-1' }));
    const present = await box.run(['doctor', 'sso']);
    expect(present.stdout).toMatch(/ok +sso token +.*expires in 7h59m|ok +sso token +.*expires in 8h/);
    expect(present.stdout).not.toContain('mfa-exec add');
  });
});

describe('the SSO access token is found in no plain file mfa-exec wrote', () => {
  it('after a device-flow sign-in and a refresh, no file under HOME, XDG dirs or the store holds a token', async () => {
    const browser = join(box.dir, 'browser.sh');
    await writeFile(browser, '#!/bin/sh\nexit 0\n');
    await chmod(browser, 0o755);
    // A refresh (sso_session corp) and a device-flow sign-in (the legacy start URL).
    const token = sso.signIn({ startUrl: START_URL, region: 'eu-west-1' });
    await writeCliToken('corp', { ...token, expiresAt: new Date(Date.now() - 60_000).toISOString() });
    const refreshed = await box.run(['--debug', 'sso', '--', 'true']);
    expect(refreshed.code).toBe(0);
    const running = advanceDuring(clock, box.run(['--debug', 'legacy', '--', 'true'], { env: { BROWSER: browser } }));
    sso.approve((await sso.waitForPending()).userCode);
    const signedIn = await running;
    expect(signedIn.code).toBe(0);
    // --debug tells what happened, never a token.
    expect(refreshed.stderr).toContain('refreshing the AWS CLI SSO token');
    expect(signedIn.stderr).toContain('GetRoleCredentials for Dev in 111122223333 with the new SSO token');
    // Tokens mfa-exec got: the refreshed one and the device flow's (the test wrote only `token`).
    const ours = sso.issuedTokens().filter((t) => t !== token.accessToken && t !== token.refreshToken);
    expect(ours.length).toBeGreaterThanOrEqual(3);
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) files.push(p);
      }
    };
    await walk(box.dir);
    // The AWS CLI cache file the test wrote is the only file with a token in it, and it still holds the old one.
    for (const t of ours) expect(refreshed.stderr + signedIn.stderr).not.toContain(t);
    for (const f of files) {
      const text = await readFile(f, 'latin1');
      for (const t of ours) expect(text.includes(t), `${f} holds an SSO token`).toBe(false);
    }
    expect(files.some((f) => f.startsWith(box.env.MFA_EXEC_FILE_DIR!))).toBe(true);
  });
});

describe('the device flow honours what the OIDC service says', () => {
  const withFake = async (opts: Parameters<typeof startFakeSso>[0], test: (fake: FakeSso) => Promise<void>) => {
    const fake = await startFakeSso(opts);
    box.env.AWS_ENDPOINT_URL_SSO = fake.url;
    box.env.AWS_ENDPOINT_URL_SSO_OIDC = fake.url;
    const browser = join(box.dir, 'browser.sh');
    await writeFile(browser, '#!/bin/sh\nexit 0\n');
    await chmod(browser, 0o755);
    box.env.BROWSER = browser;
    try {
      await test(fake);
    } finally {
      await fake.close();
    }
  };

  it('slow_down adds 5 s to the polling interval (RFC 8628), on the test clock', async () => {
    const clock = await createTestClock();
    try {
      await withFake(
        { assignments: [{ accountId: ACCOUNT, roleName: 'Dev' }], slowDownPolls: 1, clock },
        async (fake) => {
          const running = box.run(['sso', '--', 'true'], { env: clock.env });
          const pending = await fake.waitForPending();
          for (let i = 0; i < 200 && fake.pollTimes.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
          fake.approve(pending.userCode);
          // The 6 s wait (interval 1 s + 5 s) passes on the shared clock, 10 times faster than real time.
          const r = await advanceDuring(clock, running);
          expect(r.stderr).not.toContain('Error');
          expect(r.code).toBe(0);
          expect(fake.pollTimes).toHaveLength(2);
          expect(fake.pollTimes[1]! - fake.pollTimes[0]!).toBeGreaterThanOrEqual(5900);
        },
      );
    } finally {
      await clock.cleanup();
    }
  });

  it('a code not approved before it expires is one line saying to re-run', async () => {
    await withFake(
      { assignments: [{ accountId: ACCOUNT, roleName: 'Dev' }], deviceExpiresInSeconds: 2, clock },
      async (fake) => {
        const r = await advanceDuring(clock, box.run(['sso', '--', 'true']));
        expect(r.code).toBe(1);
        expect(r.stderr.trim().split('\n').at(-1)).toBe(
          'mfa-exec: the IAM Identity Center sign-in for profile "sso" was not completed in time (re-run to get a new code, or run `aws sso login --profile sso`)',
        );
        expect(fake.count('GetRoleCredentials')).toBe(0);
      },
    );
  });
});
