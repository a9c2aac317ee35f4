import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { generateSecret } from 'otplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSts, totpCode, type FakeSts, type FakeUser } from '../support/fake-sts.js';

const run = promisify(execFile);
const ACCOUNT = '123456789012';
const MFA_ROLE = `arn:aws:iam::${ACCOUNT}:role/admin`;
const LONG_ROLE = `arn:aws:iam::${ACCOUNT}:role/long`;
const OPEN_ROLE = `arn:aws:iam::${ACCOUNT}:role/open`;
const SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/alice`;

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

let home: string;
let fake: FakeSts;
let alice: FakeUser & { totpSecret: string };

// The SDK clients in this process read the AWS files named here; the worker runs other files
// after this one (integration files share workers), so they are put back afterwards.
const ENV_SET = ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'] as const;
const envBefore = Object.fromEntries(ENV_SET.map((k) => [k, process.env[k]]));

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mfa-exec-fakests-'));
  await writeFile(join(home, 'config'), '');
  await writeFile(join(home, 'credentials'), '');
  process.env.AWS_CONFIG_FILE = join(home, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(home, 'credentials');
});
afterAll(async () => {
  for (const k of ENV_SET) {
    if (envBefore[k] === undefined) delete process.env[k];
    else process.env[k] = envBefore[k];
  }
  await rm(home, { recursive: true, force: true });
});

// A fresh fake (and so a fresh MFA device with no used codes) for each test.
async function start(credentialLifetimeSeconds?: number): Promise<void> {
  alice = {
    userName: 'alice',
    accountId: ACCOUNT,
    accessKeyId: 'AKIAALICEEXAMPLE0001',
    secretAccessKey: 'aliceSecretKey0000000000000000000000000+',
    mfaSerial: SERIAL,
    totpSecret: generateSecret(),
  };
  fake = await startFakeSts({
    users: [alice],
    roles: [
      { roleArn: MFA_ROLE, requireMfa: true },
      { roleArn: LONG_ROLE, requireMfa: true, maxSessionDuration: 43200 },
      { roleArn: OPEN_ROLE, requireMfa: false },
    ],
    ...(credentialLifetimeSeconds !== undefined && { credentialLifetimeSeconds }),
  });
}
afterEach(async () => {
  await fake?.close();
});

const aliceKeys = (): Keys => ({ accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey });
const code = (offsetSteps = 0): string => totpCode(alice.totpSecret, new Date(Date.now() + offsetSteps * 30_000));
const keysOf = (c: Credentials | undefined): Keys => ({
  accessKeyId: c?.AccessKeyId ?? '',
  secretAccessKey: c?.SecretAccessKey ?? '',
  sessionToken: c?.SessionToken ?? '',
});
const sts = (credentials: Keys, maxAttempts = 1): STSClient =>
  new STSClient({ endpoint: fake.url, region: 'us-east-1', credentials, maxAttempts });

// The AWS error a call fails with: its code, HTTP status and message.
async function stsError(p: Promise<unknown>): Promise<{ code: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { code: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail');
}

const sessionWithMfa = async (): Promise<Keys> =>
  keysOf(
    (await sts(aliceKeys()).send(new GetSessionTokenCommand({ SerialNumber: SERIAL, TokenCode: code() }))).Credentials,
  );

// Environment for the aws CLI / boto3 children: nothing from the developer's AWS set-up.
const childEnv = (keys: Keys): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: home,
  AWS_CONFIG_FILE: join(home, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_STS: fake.url,
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  ...(keys.sessionToken !== undefined && { AWS_SESSION_TOKEN: keys.sessionToken }),
});

describe('fake STS with the AWS SDK for JavaScript v3', () => {
  it('walks key -> MFA session -> role and reports each identity', async () => {
    await start();
    expect((await sts(aliceKeys()).send(new GetCallerIdentityCommand({}))).Arn).toBe(
      `arn:aws:iam::${ACCOUNT}:user/alice`,
    );

    const mfaCode = code();
    const before = Date.now();
    const session = (
      await sts(aliceKeys()).send(new GetSessionTokenCommand({ SerialNumber: SERIAL, TokenCode: mfaCode }))
    ).Credentials;
    expect(session?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(session?.SecretAccessKey).toHaveLength(40);
    expect(session?.SessionToken?.length).toBeGreaterThan(100);
    const lifetime = (session?.Expiration?.getTime() ?? 0) - before;
    expect(Math.abs(lifetime - 43200_000)).toBeLessThan(5_000);
    expect((await sts(keysOf(session)).send(new GetCallerIdentityCommand({}))).Arn).toBe(
      `arn:aws:iam::${ACCOUNT}:user/alice`,
    );

    const role = await sts(keysOf(session)).send(
      new AssumeRoleCommand({ RoleArn: MFA_ROLE, RoleSessionName: 'alice-cli' }),
    );
    expect(role.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/admin/alice-cli`);
    expect(role.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]+:alice-cli$/);
    expect(Math.abs((role.Credentials?.Expiration?.getTime() ?? 0) - Date.now() - 3600_000)).toBeLessThan(5_000);
    const id = await sts(keysOf(role.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(id).toMatchObject({ Arn: role.AssumedRoleUser?.Arn, Account: ACCOUNT });

    expect(fake.calls.map((c) => [c.action, c.status])).toEqual([
      ['GetCallerIdentity', 200],
      ['GetSessionToken', 200],
      ['GetCallerIdentity', 200],
      ['AssumeRole', 200],
      ['GetCallerIdentity', 200],
    ]);
    expect(fake.calls[1]).toMatchObject({
      accessKeyId: alice.accessKeyId,
      params: { SerialNumber: SERIAL, TokenCode: '***' },
    });
    expect(JSON.stringify(fake.calls)).not.toContain(mfaCode);
    expect(fake.count('AssumeRole')).toBe(1);
    fake.resetCalls();
    expect(fake.count()).toBe(0);
  });

  it('answers a GET query request too (here: unsigned, so refused like AWS)', async () => {
    await start();
    const res = await fetch(`${fake.url}/?Action=GetCallerIdentity&Version=2011-06-15`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(fake.calls).toEqual([{ action: 'GetCallerIdentity', accessKeyId: '', params: {}, status: 403 }]);
  });
});

describe('fake STS with other clients', () => {
  it('works with the aws CLI: get-session-token with MFA, then assume-role and get-caller-identity', async () => {
    await start();
    const aws = async (keys: Keys, ...args: string[]): Promise<any> =>
      JSON.parse((await run('aws', [...args, '--output', 'json'], { env: childEnv(keys) })).stdout);
    const session = (
      await aws(aliceKeys(), 'sts', 'get-session-token', '--serial-number', SERIAL, '--token-code', code())
    ).Credentials;
    expect(session.AccessKeyId).toMatch(/^ASIA/);
    expect(session.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|\+00:00)$/);
    const sessionKeys = {
      accessKeyId: session.AccessKeyId,
      secretAccessKey: session.SecretAccessKey,
      sessionToken: session.SessionToken,
    };
    const role = await aws(sessionKeys, 'sts', 'assume-role', '--role-arn', MFA_ROLE, '--role-session-name', 'cli');
    const roleKeys = {
      accessKeyId: role.Credentials.AccessKeyId,
      secretAccessKey: role.Credentials.SecretAccessKey,
      sessionToken: role.Credentials.SessionToken,
    };
    expect((await aws(roleKeys, 'sts', 'get-caller-identity')).Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/admin/cli`,
    );
    // the CLI sees AWS errors as AWS errors
    const bad = await run('aws', ['sts', 'get-caller-identity'], {
      env: childEnv({ ...aliceKeys(), accessKeyId: 'AKIANOBODY0000000000' }),
    }).catch((e: { stderr: string }) => e.stderr);
    expect(bad).toContain('(InvalidClientTokenId)');
  });

  it('works with boto3: assume-role with the key and an MFA code directly', async () => {
    await start();
    const script = [
      'import boto3, json, sys',
      'sts = boto3.client("sts")',
      'r = sts.assume_role(RoleArn=sys.argv[1], RoleSessionName="py", SerialNumber=sys.argv[2], TokenCode=sys.argv[3], DurationSeconds=7200)',
      'c = r["Credentials"]',
      'me = boto3.client("sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"]).get_caller_identity()',
      'print(json.dumps({"arn": me["Arn"], "expiration": c["Expiration"].isoformat()}))',
    ].join('\n');
    const { stdout } = await run('python3', ['-c', script, LONG_ROLE, SERIAL, code()], { env: childEnv(aliceKeys()) });
    const out = JSON.parse(stdout) as { arn: string; expiration: string };
    expect(out.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/long/py`);
    expect(Math.abs(Date.parse(out.expiration) - Date.now() - 7200_000)).toBeLessThan(10_000);
  });
});

describe('fake STS enforces AWS rules', () => {
  const MFA_FAILED = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';

  it('rejects a wrong MFA code without using up the right one', async () => {
    await start();
    const window = new Set([code(-1), code(), code(1)]);
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => !window.has(c)) ?? '';
    const err = await stsError(
      sts(aliceKeys()).send(new GetSessionTokenCommand({ SerialNumber: SERIAL, TokenCode: wrong })),
    );
    expect(err).toEqual({ code: 'AccessDenied', status: 403, message: MFA_FAILED });
    await expect(sessionWithMfa()).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
  });

  it('rejects an MFA code that was already accepted, in GetSessionToken and AssumeRole alike', async () => {
    await start();
    const used = code();
    await sts(aliceKeys()).send(new GetSessionTokenCommand({ SerialNumber: SERIAL, TokenCode: used }));
    const again = await stsError(
      sts(aliceKeys()).send(new GetSessionTokenCommand({ SerialNumber: SERIAL, TokenCode: used })),
    );
    expect(again).toEqual({ code: 'AccessDenied', status: 403, message: MFA_FAILED });
    const direct = sts(aliceKeys()).send(
      new AssumeRoleCommand({ RoleArn: MFA_ROLE, RoleSessionName: 'x1', SerialNumber: SERIAL, TokenCode: used }),
    );
    expect((await stsError(direct)).message).toBe(MFA_FAILED);
    // the next time step's code is still good (±1 step window)
    const next = sts(aliceKeys()).send(
      new AssumeRoleCommand({ RoleArn: MFA_ROLE, RoleSessionName: 'x1', SerialNumber: SERIAL, TokenCode: code(1) }),
    );
    await expect(next).resolves.toMatchObject({
      AssumedRoleUser: { Arn: expect.stringContaining('assumed-role/admin/x1') },
    });
  });

  it('validates the token code format and the serial number', async () => {
    await start();
    const short = await stsError(
      sts(aliceKeys()).send(new GetSessionTokenCommand({ SerialNumber: SERIAL, TokenCode: '12345' })),
    );
    expect(short).toMatchObject({ code: 'ValidationError', status: 400 });
    expect(short.message).not.toContain('12345');
    const otherDevice = await stsError(
      sts(aliceKeys()).send(
        new GetSessionTokenCommand({ SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/bob`, TokenCode: code() }),
      ),
    );
    expect(otherDevice).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(otherDevice.message).toContain('unable to validate MFA code');
    const noCode = await stsError(sts(aliceKeys()).send(new GetSessionTokenCommand({ SerialNumber: SERIAL })));
    expect(noCode.code).toBe('AccessDenied');
  });

  it('refuses an MFA role without MFA in the chain, and allows it with MFA anywhere in it', async () => {
    await start();
    const notAuthorized = (who: string, role: string): string =>
      `User: ${who} is not authorized to perform: sts:AssumeRole on resource: ${role}`;
    const userArn = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const fromKey = await stsError(
      sts(aliceKeys()).send(new AssumeRoleCommand({ RoleArn: MFA_ROLE, RoleSessionName: 's1' })),
    );
    expect(fromKey).toEqual({ code: 'AccessDenied', status: 403, message: notAuthorized(userArn, MFA_ROLE) });

    const plainSession = keysOf((await sts(aliceKeys()).send(new GetSessionTokenCommand({}))).Credentials);
    const fromPlain = await stsError(
      sts(plainSession).send(new AssumeRoleCommand({ RoleArn: MFA_ROLE, RoleSessionName: 's1' })),
    );
    expect(fromPlain.code).toBe('AccessDenied');

    const open = await sts(plainSession).send(new AssumeRoleCommand({ RoleArn: OPEN_ROLE, RoleSessionName: 's1' }));
    const fromOpen = await stsError(
      sts(keysOf(open.Credentials)).send(new AssumeRoleCommand({ RoleArn: MFA_ROLE, RoleSessionName: 's2' })),
    );
    expect(fromOpen.message).toBe(notAuthorized(`arn:aws:sts::${ACCOUNT}:assumed-role/open/s1`, MFA_ROLE));

    const unknown = `arn:aws:iam::${ACCOUNT}:role/nope`;
    expect(
      await stsError(sts(aliceKeys()).send(new AssumeRoleCommand({ RoleArn: unknown, RoleSessionName: 's1' }))),
    ).toMatchObject({
      code: 'AccessDenied',
      message: notAuthorized(userArn, unknown),
    });

    // MFA given with the call, or earlier in the chain
    const admin = await sts(aliceKeys()).send(
      new AssumeRoleCommand({ RoleArn: MFA_ROLE, RoleSessionName: 's1', SerialNumber: SERIAL, TokenCode: code() }),
    );
    const chained = await sts(keysOf(admin.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: 's2' }),
    );
    expect(chained.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/long/s2`);
  });

  it('enforces role session names and duration limits, including the 1 h role-chaining limit', async () => {
    await start();
    for (const name of ['a', 'has space', 'x'.repeat(65)]) {
      const err = await stsError(
        sts(aliceKeys()).send(new AssumeRoleCommand({ RoleArn: OPEN_ROLE, RoleSessionName: name })),
      );
      expect(err).toMatchObject({ code: 'ValidationError', status: 400 });
    }
    const session = await sessionWithMfa();
    const chaining = await stsError(
      sts(session).send(new AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: 's1', DurationSeconds: 7200 })),
    );
    expect(chaining).toEqual({
      code: 'ValidationError',
      status: 400,
      message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    });
    const overMax = await stsError(
      sts(aliceKeys()).send(
        new AssumeRoleCommand({
          RoleArn: MFA_ROLE,
          RoleSessionName: 's1',
          DurationSeconds: 7200,
          SerialNumber: SERIAL,
          TokenCode: code(1),
        }),
      ),
    );
    expect(overMax).toMatchObject({
      code: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
    const tooShort = await stsError(
      sts(session).send(new AssumeRoleCommand({ RoleArn: MFA_ROLE, RoleSessionName: 's1', DurationSeconds: 899 })),
    );
    expect(tooShort.code).toBe('ValidationError');
    const ok = await sts(session).send(
      new AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: 's1', DurationSeconds: 3600 }),
    );
    expect(ok.Credentials?.AccessKeyId).toMatch(/^ASIA/);

    for (const DurationSeconds of [899, 129601]) {
      expect((await stsError(sts(aliceKeys()).send(new GetSessionTokenCommand({ DurationSeconds })))).code).toBe(
        'ValidationError',
      );
    }
    const longest = await sts(aliceKeys()).send(new GetSessionTokenCommand({ DurationSeconds: 129600 }));
    expect(Math.abs((longest.Credentials?.Expiration?.getTime() ?? 0) - Date.now() - 129600_000)).toBeLessThan(5_000);
    const fromSession = await stsError(sts(session).send(new GetSessionTokenCommand({})));
    expect(fromSession).toMatchObject({
      code: 'AccessDenied',
      message: 'Cannot call GetSessionToken with session credentials',
    });
  });

  it('refuses unknown keys, bad signatures and mismatched session tokens', async () => {
    await start();
    const unknown = await stsError(
      sts({ ...aliceKeys(), accessKeyId: 'AKIANOBODY0000000000' }).send(new GetCallerIdentityCommand({})),
    );
    expect(unknown).toEqual({
      code: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    const badSecret = await stsError(
      sts({ ...aliceKeys(), secretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({})),
    );
    expect(badSecret).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    const session = await sessionWithMfa();
    const badToken = await stsError(sts({ ...session, sessionToken: 'forged' }).send(new GetCallerIdentityCommand({})));
    expect(badToken).toMatchObject({ code: 'InvalidClientTokenId', status: 403 });
    const { sessionToken: _dropped, ...noToken } = session;
    expect((await stsError(sts(noToken).send(new GetCallerIdentityCommand({})))).code).toBe('InvalidClientTokenId');
  });

  it('expires credentials after credentialLifetimeSeconds', async () => {
    await start(1);
    const session = await sessionWithMfa();
    await expect(sts(session).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: ACCOUNT });
    await new Promise((r) => setTimeout(r, 1_200));
    const expired = await stsError(sts(session).send(new GetCallerIdentityCommand({})));
    expect(expired).toEqual({
      code: 'ExpiredToken',
      status: 400,
      message: 'The security token included in the request is expired',
    });
    fake.setCredentialLifetime(undefined);
    const fresh = await sts(aliceKeys()).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(Math.abs((fresh.Credentials?.Expiration?.getTime() ?? 0) - Date.now() - 900_000)).toBeLessThan(5_000);
  });

  it('fails the next N requests on demand (throttling), which the SDK retries', async () => {
    await start();
    fake.setFailure({ status: 400, code: 'Throttling', message: 'Rate exceeded', times: 2 });
    await expect(sts(aliceKeys(), 3).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: ACCOUNT,
    });
    expect(fake.calls.map((c) => c.status)).toEqual([400, 400, 200]);

    fake.setFailure({ status: 400, code: 'Throttling', message: 'Rate exceeded', times: 1 });
    expect(await stsError(sts(aliceKeys()).send(new GetCallerIdentityCommand({})))).toEqual({
      code: 'Throttling',
      status: 400,
      message: 'Rate exceeded',
    });
    await expect(sts(aliceKeys()).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: ACCOUNT });
  });
});
