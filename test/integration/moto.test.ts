import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type Moto } from '../support/moto.js';

const run = promisify(execFile);

describe('moto harness', () => {
  let moto: Moto;
  let home: string;

  beforeAll(async () => {
    moto = await startMoto();
    home = await mkdtemp(join(tmpdir(), 'mfa-exec-moto-'));
    await writeFile(join(home, 'config'), '');
    await writeFile(join(home, 'credentials'), '');
  });
  afterAll(async () => {
    await moto?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  // The aws CLI against moto, as `creds` (dummy admin keys unless given); parsed JSON output.
  async function aws(
    args: string[],
    creds = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
  ): Promise<any> {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_ENDPOINT_URL: moto.url,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      ...creds,
    };
    const { stdout } = await run('aws', [...args, '--output', 'json'], { env });
    return JSON.parse(stdout);
  }

  // The IAM set-up through the JS SDK in-process; the STS calls through the real aws CLI (python start-up each).
  it('serves IAM and STS: a new user key gets a session token and assumes a role', { timeout: 120_000 }, async () => {
    const iam = new IAMClient({
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const user = await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    expect(user.User!.Arn).toBe('arn:aws:iam::123456789012:user/alice');
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    expect(key.AccessKeyId).toMatch(/^AKIA/);
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }],
    });
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: trust }))).Role!;

    const asAlice = { AWS_ACCESS_KEY_ID: key.AccessKeyId!, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey! };
    const session = (await aws(['sts', 'get-session-token', '--duration-seconds', '900'], asAlice)).Credentials;
    expect(session.SessionToken.length).toBeGreaterThan(20);
    expect(Math.abs(Date.parse(session.Expiration) - Date.now() - 900_000)).toBeLessThan(60_000);

    const assumed = await aws(['sts', 'assume-role', '--role-arn', role.Arn!, '--role-session-name', 'test'], asAlice);
    expect(assumed.AssumedRoleUser.Arn).toBe('arn:aws:sts::123456789012:assumed-role/deploy/test');
  });
});
