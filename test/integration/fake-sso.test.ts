// The SSO stand-in speaks the real protocols: the AWS SDK for JavaScript's own providers
// (fromSSO, fromIni) and its SSO OIDC client get what they need from it, found only
// through AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC and the AWS CLI's token cache.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateTokenCommand,
  RegisterClientCommand,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
} from '@aws-sdk/client-sso-oidc';
import { fromIni, fromSSO } from '@aws-sdk/credential-providers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cacheFileName, startFakeSso, type FakeSso } from '../support/fake-sso.js';

const START_URL = 'https://corp.awsapps.com/start';
const ACCOUNT = '111122223333';

let sso: FakeSso;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  sso = await startFakeSso({
    assignments: [{ accountId: ACCOUNT, roleName: 'Dev' }],
    roleCredentials: () => ({
      accessKeyId: 'ASIAFAKESSO0000DEV1',
      secretAccessKey: 'secret-from-sso',
      sessionToken: 'session-from-sso',
      expiration: new Date(Date.now() + 3600_000),
    }),
  });
});
afterAll(() => sso.close());

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fake-sso-'));
  await mkdir(join(dir, '.aws', 'sso', 'cache'), { recursive: true });
  // The SDK finds the config and the token cache through HOME, the endpoints through the environment.
  process.env.HOME = dir;
  process.env.AWS_CONFIG_FILE = join(dir, '.aws', 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, '.aws', 'credentials');
  process.env.AWS_ENDPOINT_URL_SSO = sso.url;
  process.env.AWS_ENDPOINT_URL_SSO_OIDC = sso.url;
  delete process.env.AWS_PROFILE;
  await writeFile(
    process.env.AWS_CONFIG_FILE,
    [
      '[profile sso]',
      'sso_session = corp',
      `sso_account_id = ${ACCOUNT}`,
      'sso_role_name = Dev',
      'region = eu-west-1',
      '[profile legacy]',
      `sso_start_url = ${START_URL}`,
      'sso_region = eu-west-1',
      `sso_account_id = ${ACCOUNT}`,
      'sso_role_name = Dev',
      '[profile noaccess]',
      'sso_session = corp',
      `sso_account_id = ${ACCOUNT}`,
      'sso_role_name = Admin',
      '[sso-session corp]',
      `sso_start_url = ${START_URL}`,
      'sso_region = eu-west-1',
      'sso_registration_scopes = sso:account:access',
      '',
    ].join('\n'),
  );
  await writeFile(process.env.AWS_SHARED_CREDENTIALS_FILE, '');
  sso.resetCalls();
});
afterEach(async () => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  await rm(dir, { recursive: true, force: true });
});

const cachePath = (id: string) => join(dir, '.aws', 'sso', 'cache', cacheFileName(id));

describe('the fake SSO, as the JS SDK sees it', () => {
  it('fromSSO gets role credentials with a cached sso-session token (GetRoleCredentials)', async () => {
    await writeFile(cachePath('corp'), JSON.stringify(sso.signIn({ startUrl: START_URL, region: 'eu-west-1' })));
    const creds = await fromSSO({ profile: 'sso' })();
    expect(creds.accessKeyId).toBe('ASIAFAKESSO0000DEV1');
    expect(creds.secretAccessKey).toBe('secret-from-sso');
    expect(creds.sessionToken).toBe('session-from-sso');
    // expiration travels as epoch milliseconds
    expect(Math.abs(creds.expiration!.getTime() - (Date.now() + 3600_000))).toBeLessThan(60_000);
    expect(sso.calls).toEqual([{ operation: 'GetRoleCredentials', status: 200 }]);
  });

  it('fromIni refreshes an expired token with its refreshToken (CreateToken refresh_token grant)', async () => {
    const token = sso.signIn({ startUrl: START_URL, region: 'eu-west-1' });
    const expired = { ...token, expiresAt: new Date(Date.now() - 60_000).toISOString() };
    await writeFile(cachePath('corp'), JSON.stringify(expired));
    const creds = await fromIni({ profile: 'sso' })();
    expect(creds.accessKeyId).toBe('ASIAFAKESSO0000DEV1');
    expect(sso.calls).toEqual([
      { operation: 'CreateToken', status: 200, grantType: 'refresh_token' },
      { operation: 'GetRoleCredentials', status: 200 },
    ]);
    // The SDK writes the refreshed token back; the old refresh token is spent (rotation).
    const after = JSON.parse(await readFile(cachePath('corp'), 'utf8')) as typeof token;
    expect(after.accessToken).not.toBe(token.accessToken);
    expect(sso.isValidToken(after.accessToken)).toBe(true);
    expect(after.refreshToken).not.toBe(token.refreshToken);
  });

  it('fromSSO reads a legacy profile by the sha1 of its start URL', async () => {
    await writeFile(
      cachePath(START_URL),
      JSON.stringify(sso.signIn({ startUrl: START_URL, region: 'eu-west-1', legacy: true })),
    );
    const creds = await fromSSO({ profile: 'legacy' })();
    expect(creds.accessKeyId).toBe('ASIAFAKESSO0000DEV1');
  });

  it('a token the fake does not know is UnauthorizedException; an unassigned role is ForbiddenException', async () => {
    const token = sso.signIn({ startUrl: START_URL, region: 'eu-west-1' });
    await writeFile(cachePath('corp'), JSON.stringify({ ...token, accessToken: 'not-a-token' }));
    // fromSSO wraps the service's error, keeping its name and message.
    await expect(fromSSO({ profile: 'sso' })()).rejects.toThrow(
      /UnauthorizedException: Session token not found or invalid/,
    );
    await writeFile(cachePath('corp'), JSON.stringify(token));
    await expect(fromSSO({ profile: 'noaccess' })()).rejects.toThrow(/ForbiddenException: No access/);
  });

  it('the SDK SSO OIDC client runs the device flow: pending until approved, then a token', async () => {
    const oidc = new SSOOIDCClient({ region: 'eu-west-1' });
    const reg = await oidc.send(
      new RegisterClientCommand({ clientName: 'test', clientType: 'public', scopes: ['sso:account:access'] }),
    );
    expect(reg.clientId).toBeTruthy();
    expect(reg.clientSecretExpiresAt).toBeGreaterThan(Date.now() / 1000);
    const auth = await oidc.send(
      new StartDeviceAuthorizationCommand({
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        startUrl: START_URL,
      }),
    );
    expect(auth.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(auth.verificationUriComplete).toBe(`${sso.url}/device?user_code=${auth.userCode}`);
    expect(auth.interval).toBe(1);
    const poll = () =>
      oidc.send(
        new CreateTokenCommand({
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          grantType: 'urn:ietf:params:oauth:grant-type:device_code',
          deviceCode: auth.deviceCode,
        }),
      );
    await expect(poll()).rejects.toMatchObject({
      name: 'AuthorizationPendingException',
      error: 'authorization_pending',
    });
    // Polling again at once is too fast.
    await expect(poll()).rejects.toMatchObject({ name: 'SlowDownException', error: 'slow_down' });
    expect(sso.pending().map((p) => p.userCode)).toEqual([auth.userCode]);
    sso.approve(auth.userCode!);
    await new Promise((r) => setTimeout(r, 1000));
    const token = await poll();
    expect(token.tokenType).toBe('Bearer');
    expect(token.expiresIn).toBe(8 * 3600);
    expect(sso.isValidToken(token.accessToken!)).toBe(true);
    expect(token.refreshToken).toBeTruthy();
    // The device code works once.
    await expect(poll()).rejects.toMatchObject({ name: 'InvalidGrantException', error: 'invalid_grant' });
  });

  it('botocore (boto3) refreshes the expired token and gets the role credentials from it too', async () => {
    const token = sso.signIn({ startUrl: START_URL, region: 'eu-west-1' });
    await writeFile(
      cachePath('corp'),
      JSON.stringify({ ...token, expiresAt: new Date(Date.now() - 60_000).toISOString() }),
    );
    const script =
      'import boto3; print(boto3.Session(profile_name="sso").get_credentials().get_frozen_credentials().access_key)';
    const { stdout } = await promisify(execFile)('python3', ['-c', script], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE!,
        AWS_SHARED_CREDENTIALS_FILE: process.env.AWS_SHARED_CREDENTIALS_FILE!,
        AWS_ENDPOINT_URL_SSO: sso.url,
        AWS_ENDPOINT_URL_SSO_OIDC: sso.url,
      },
    });
    expect(stdout.trim()).toBe('ASIAFAKESSO0000DEV1');
    expect(sso.calls).toEqual([
      { operation: 'CreateToken', status: 200, grantType: 'refresh_token' },
      { operation: 'GetRoleCredentials', status: 200 },
    ]);
  });
});
