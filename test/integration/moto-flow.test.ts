// The same core flow against moto_server, an independent STS/IAM implementation:
// a user and key made through IAM, the role assumed through mfa-exec, the aws CLI as child.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../support/cli.js';
import { addKey } from '../support/fixture.js';
import { CALLER_IDENTITY } from '../support/children.js';
import { startMoto, type Moto } from '../support/moto.js';
import { mfaTrustPolicy } from '../support/policies.js';

const run = promisify(execFile);

describe('core flow against moto_server', () => {
  let moto: Moto;
  let box: Sandbox;
  let key: { AccessKeyId: string; SecretAccessKey: string };
  let roleArn: string;

  /** The aws CLI against moto with moto's dummy admin keys. */
  async function admin(args: string[]): Promise<Record<string, Record<string, string>>> {
    const { stdout } = await run('aws', [...args, '--output', 'json'], {
      env: {
        ...box.env,
        AWS_ENDPOINT_URL: moto.url,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_DEFAULT_REGION: 'us-east-1',
      },
    });
    return JSON.parse(stdout);
  }

  beforeAll(async () => {
    moto = await startMoto();
    box = await makeSandbox({ backend: 'file' });
    box.env.AWS_ENDPOINT_URL = moto.url;
    await admin(['iam', 'create-user', '--user-name', 'moto_user']);
    key = (await admin(['iam', 'create-access-key', '--user-name', 'moto_user'])).AccessKey as unknown as typeof key;
    const trust = JSON.stringify(mfaTrustPolicy('arn:aws:iam::123456789012:root'));
    roleArn = (await admin(['iam', 'create-role', '--role-name', 'moto_role', '--assume-role-policy-document', trust]))
      .Role!.Arn!;
    // moto neither checks codes nor devices; the serial has the shape AWS gives it.
    const mfa = 'arn:aws:iam::123456789012:mfa/moto_mfa';
    await box.writeConfig(
      `[profile moto_user]\nregion = us-east-1\n\n[profile moto]\nrole_arn = ${roleArn}\nsource_profile = moto_user\nmfa_serial = ${mfa}\nregion = us-east-1\n`,
    );
  });
  afterAll(async () => {
    await box?.cleanup();
    await moto?.close();
  });

  it('add, exec with the aws CLI as child, cached second exec, export for credential_process', async () => {
    const added = await addKey(box, 'moto_user', {
      accessKeyId: key.AccessKeyId,
      secretAccessKey: key.SecretAccessKey,
    });
    expect(added.code).toBe(0);
    // moto checks no MFA codes; any well-formed code goes through.
    const first = await box.run(['moto', '--mfa-token', '123456', '--', ...CALLER_IDENTITY]);
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout).Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/moto_role\/mfa-exec-\d+$/);

    const a = await box.run(['moto', '--', 'print-env']);
    const b = await box.run(['moto', '--', 'print-env']);
    const keyOf = (s: string) => s.match(/^AWS_ACCESS_KEY_ID=(.*)$/m)?.[1];
    expect(keyOf(a.stdout)).toBeTruthy();
    expect(keyOf(a.stdout)).toBe(keyOf(b.stdout));

    const json = JSON.parse((await box.run(['export', 'moto', '--format', 'json'])).stdout);
    expect(json).toMatchObject({ Version: 1, AccessKeyId: keyOf(a.stdout) });
    expect(new Date(json.Expiration).getTime()).toBeGreaterThan(Date.now());
  });
});
