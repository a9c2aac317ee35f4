// `login` end to end: the built CLI gets role credentials from the local STS, exchanges
// them at a local federation endpoint and prints or "opens" the console sign-in URL.

import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleDestination, partitionOf } from '../../src/adapters/federation.js';
import { ROOT, makeSandbox, type Sandbox } from '../support/cli.js';
import { startFakeFederation, type FakeFederation } from '../support/fake-federation.js';
import type { FakeUser } from '../support/fake-sts.js';
import { ini, roleProfile, stsSandbox, type StsSandbox } from '../support/fixture.js';
import { startMoto, type Moto } from '../support/moto.js';

const ACCOUNT = '345678901234';
const KEY_ID = 'AKIALOGINTESTEXAMPLE';
const SECRET = 'LoginTestSecretKeyForTestsOnly/0123456789';
// A device of this file's own, so codes used here never collide with other files'.
const TOTP = 'ONSWG4TFORXWC3DTMVRXEZLUN5QWY43F';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/LOGIN_MFA`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/CONSOLE_ROLE`;
const CN_ROLE = `arn:aws-cn:iam::${ACCOUNT}:role/CN_ROLE`;
const CLIENTS = join(ROOT, 'test/support/fixtures/clients');

const USER: FakeUser = {
  userName: 'login_user',
  accountId: ACCOUNT,
  accessKeyId: KEY_ID,
  secretAccessKey: SECRET,
  mfaSerial: MFA,
  totpSecret: TOTP,
};
const CONFIG = ini({
  login_user: { region: 'us-west-2' },
  console: roleProfile({ role: ROLE, source: 'login_user', mfa: MFA, process: 'totp-code', region: 'us-west-2' }),
  cn: roleProfile({ role: CN_ROLE, source: 'login_user', mfa: MFA, process: 'totp-code' }),
});

let env: StsSandbox;

let fed: FakeFederation;
let box: Sandbox;

beforeAll(async () => {
  fed = await startFakeFederation();
  env = await stsSandbox({
    users: [USER],
    roles: [
      { roleArn: ROLE, requireMfa: true },
      { roleArn: CN_ROLE, requireMfa: true },
    ],
    config: CONFIG,
    keys: { login_user: USER },
    env: { MFA_EXEC_FEDERATION_URL: fed.url },
  });
  ({ box } = env);
});
afterAll(async () => {
  await env?.cleanup();
  await fed?.close();
});
beforeEach(() => {
  fed.requests.splice(0);
  fed.setMode('ok');
});

/** The role credentials mfa-exec has cached for `profile` (export reads the cache). */
async function cachedCredentials(
  profile: string,
): Promise<{ AccessKeyId: string; SecretAccessKey: string; SessionToken: string }> {
  const r = await box.run(['export', profile, '--format', 'json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const expectedUrl = (destination: string) =>
  `${fed.url}?Action=login&Issuer=mfa-exec&Destination=${encodeURIComponent(destination)}&SigninToken=${fed.signinToken}`;

describe('login', () => {
  it('--stdout: one getSigninToken with the role credentials, then the exact login URL', async () => {
    const r = await box.run(['login', 'console', '--stdout', '--path', '/s3/buckets']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fed.requests).toHaveLength(1);
    const [req] = fed.requests;
    expect(req!.method).toBe('GET');
    expect(req!.path).toBe('/federation');
    expect(Object.keys(req!.params)).toEqual(['Action', 'Session']);
    expect(req!.params.Action).toBe('getSigninToken');
    const role = await cachedCredentials('console');
    expect(JSON.parse(req!.params.Session!)).toEqual({
      sessionId: role.AccessKeyId,
      sessionKey: role.SecretAccessKey,
      sessionToken: role.SessionToken,
    });
    expect(role.AccessKeyId).toMatch(/^ASIA/);
    expect(r.stdout).toBe(`${expectedUrl('https://console.aws.amazon.com/s3/buckets')}\n`);
  });

  it('lands on the console home in the region without --path, and uses the partition of the role', async () => {
    const home = await box.run(['login', 'console', '--stdout']);
    expect(home.code).toBe(0);
    expect(home.stdout).toBe(`${expectedUrl('https://console.aws.amazon.com/console/home?region=us-west-2')}\n`);
    const cn = await box.run(['login', 'cn', '--stdout', '--path', '/ec2']);
    expect(cn.stderr).toBe('');
    expect(cn.code).toBe(0);
    expect(cn.stdout).toBe(`${expectedUrl('https://console.amazonaws.cn/ec2')}\n`);
  });

  it('partitions: sign-in and console hosts from the ARN, else the region', () => {
    expect(partitionOf([CN_ROLE], undefined)).toBe('aws-cn');
    expect(partitionOf([undefined, 'arn:aws-us-gov:iam::123456789012:mfa/x'], 'us-east-1')).toBe('aws-us-gov');
    expect(partitionOf([undefined], 'us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf([undefined], 'cn-north-1')).toBe('aws-cn');
    expect(partitionOf([ROLE], 'cn-north-1')).toBe('aws');
    expect(consoleDestination('aws-us-gov', '/iam', undefined)).toBe('https://console.amazonaws-us-gov.com/iam');
    expect(consoleDestination('aws', undefined, undefined)).toBe('https://console.aws.amazon.com/');
  });

  it('opens the browser on a one-time loopback address that redirects to the sign-in URL; the URL is never in argv', async () => {
    const log = join(box.dir, 'browser.log');
    const r = await box.run(['login', 'console', '--path', '/s3', '--debug'], {
      env: { PATH: `${CLIENTS}:${box.env.PATH}`, TEST_BROWSER_LOG: log },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    // The stand-in records after its visit, which may end just after mfa-exec does.
    for (let i = 0; i < 100 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 100));
    const visits = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(visits).toHaveLength(1);
    expect(visits[0].argv).toHaveLength(1);
    expect(visits[0].argv[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}$/);
    expect(visits[0].status).toBe(302);
    expect(visits[0].location).toBe(expectedUrl('https://console.aws.amazon.com/s3'));
    // --debug output never carries the sign-in token or the credentials.
    expect(r.stderr).not.toContain(fed.signinToken);
    expect(r.stderr).not.toMatch(/SigninToken=|sessionKey|ASIA[A-Z0-9]{16}/);
    // The address worked once: the loopback server is gone.
    await expect(fetch(visits[0].argv[0])).rejects.toThrow();
  });

  it('a browser opener that is missing is one line with the way out', async () => {
    await cachedCredentials('console'); // so no mfa_process needs the PATH below
    const r = await box.run(['login', 'console'], { env: { PATH: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'mfa-exec: cannot open a browser: xdg-open not found (use `mfa-exec login PROFILE --stdout` and open the URL yourself)\n',
    );
  });

  it('opens the browser named by $BROWSER (xdg-open is not needed)', async () => {
    await cachedCredentials('console');
    const log = join(box.dir, 'browser-env.log');
    const r = await box.run(['login', 'console'], {
      env: { PATH: dirname(process.execPath), BROWSER: join(CLIENTS, 'xdg-open'), TEST_BROWSER_LOG: log },
    });
    expect(r.stderr).toMatch(/^mfa-exec: opened the AWS console for /);
    expect(r.code).toBe(0);
    for (let i = 0; i < 100 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 100));
    expect(JSON.parse(readFileSync(log, 'utf8').trim()).status).toBe(302);
  });

  it('federation endpoint down, refusing, or answering non-JSON: one line, exit 1, no secret', async () => {
    const role = await cachedCredentials('console');
    const secrets = [role.SecretAccessKey, role.SessionToken, fed.signinToken];
    const check = (r: { code: number | null; stdout: string; stderr: string }, what: RegExp, debug = false) => {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      if (!debug) expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(what);
      for (const s of secrets) expect(r.stderr).not.toContain(s);
    };
    const closedPort = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    const down = await box.run(['login', 'console', '--stdout'], {
      env: { MFA_EXEC_FEDERATION_URL: `http://127.0.0.1:${closedPort}/federation` },
    });
    check(
      down,
      new RegExp(
        `^mfa-exec: cannot reach the AWS sign-in service: ECONNREFUSED \\(sign-in federation endpoint http://127\\.0\\.0\\.1:${closedPort}/federation\\) \\(`,
      ),
    );
    fed.setMode('non-json');
    check(await box.run(['login', 'console', '--stdout']), /did not answer with a sign-in token/);
    fed.setMode('refuse');
    check(
      await box.run(['login', 'console', '--stdout']),
      /^mfa-exec: the AWS sign-in service refused the credentials with HTTP 400 /,
    );
    // --debug adds steps and a stack, still without a secret.
    check(await box.run(['login', 'console', '--stdout', '--debug']), /refused the credentials with HTTP 400/, true);
  });
});

describe('login for a profile without a role (GetFederationToken, moto)', () => {
  let moto: Moto;
  let plain: Sandbox;
  beforeAll(async () => {
    moto = await startMoto();
    plain = await makeSandbox({ backend: 'file' });
    plain.env.AWS_ENDPOINT_URL_STS = moto.url;
    plain.env.MFA_EXEC_FEDERATION_URL = fed.url;
    await plain.writeConfig('[profile plain]\nregion = eu-west-1\n');
    const added = await plain.run(['add', 'plain', '--env'], {
      env: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET },
    });
    expect(added.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await plain?.cleanup();
    await moto?.close();
  });

  it('signs in with federation-token credentials, not the long-lived key', async () => {
    const r = await plain.run(['login', 'plain', '--stdout', '--path', '/iam']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fed.requests).toHaveLength(1);
    const session = JSON.parse(fed.requests[0]!.params.Session!);
    expect(session.sessionId).not.toBe(KEY_ID);
    expect(session.sessionKey).not.toBe(SECRET);
    expect(session.sessionToken).toBeTruthy();
    expect(r.stdout).toBe(`${expectedUrl('https://console.aws.amazon.com/iam')}\n`);
  });
});
