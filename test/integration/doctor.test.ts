// `mfa-exec doctor` against moto: a good set-up made by `mfa-exec setup`, then the same
// set-up broken on purpose (role without the MFA condition, a user with an extra policy,
// the key left in the credentials file, a skewed clock, IAM reads denied).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IAMClient, PutUserPolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeKey } from '../../src/core/store-items.js';
import type { Sandbox } from '../support/cli.js';
import { fileStoreOf, motoSetupSandbox, type MotoSandbox } from '../support/fixture.js';
import type { AwsProxy } from '../support/iam-proxy.js';

const ADMIN = {
  AWS_ACCESS_KEY_ID: 'AKIAADMINEXAMPLE0003',
  AWS_SECRET_ACCESS_KEY: 'adminSecretKeyForTheMotoTests0000000003',
};

interface Report {
  profile: string | null;
  ok: boolean;
  checks: { check: string; status: string; message: string; fix: string | null }[];
}

let env: MotoSandbox;
let proxy: AwsProxy;
let box: Sandbox;
let sdk: IAMClient;

beforeAll(async () => {
  env = await motoSetupSandbox({
    admin: ADMIN,
    policy: { name: 'Ec2Read', action: 'ec2:Describe*' },
    user: 'dave',
    role: 'DAVE_ROLE',
    profile: 'dwork',
  });
  ({ proxy, box, sdk } = env);
});
afterAll(() => env?.cleanup());
beforeEach(() => {
  proxy.rules = [];
  delete proxy.date;
});

async function doctor(args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await box.run(['doctor', ...args, '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}
const statuses = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.check, c.status]));

describe('doctor on a good set-up', () => {
  it('passes every check', async () => {
    const { code, report, stderr } = await doctor(['dwork']);
    expect(stderr).toBe('');
    expect(statuses(report)).toEqual({
      config: 'ok',
      'stored key': 'ok',
      'credentials file': 'ok',
      'key works': 'ok',
      'key age': 'ok',
      clock: 'ok',
      'mfa device': 'ok',
      'role trust role/DAVE_ROLE': 'ok',
      'user permissions': 'ok',
    });
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    expect(report.checks.find((c) => c.check === 'key age')!.message).toBe('the key was created 0 days ago');
    expect(report.checks.find((c) => c.check === 'mfa device')!.message).toBe(
      'arn:aws:iam::123456789012:mfa/dave is assigned to user dave',
    );
  });

  it('prints a readable checklist without --json', async () => {
    const r = await box.run(['doctor', 'dwork']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^mfa-exec doctor: profile "dwork"\n  ok    config +profile "dwork" resolves: dave \(stored key\) → arn:aws:iam::123456789012:role\/DAVE_ROLE\n/,
    );
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('all checks passed');
  });

  it('an IAM read that is denied: the trust check could not run, so doctor exits 1', async () => {
    proxy.rules = [{ action: 'GetRole', code: 'AccessDenied' }];
    const { code, report } = await doctor(['dwork']);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.check === 'role trust role/DAVE_ROLE')).toEqual({
      check: 'role trust role/DAVE_ROLE',
      status: 'skipped',
      message: 'could not run: not allowed to read the role',
      fix: 'doctor must read the role to prove this: give it credentials that may call iam:GetRole',
    });
  });

  it('a clock 2 minutes off the STS server fails', async () => {
    proxy.date = new Date(Date.now() - 120_000).toUTCString();
    const { code, report } = await doctor(['dwork']);
    expect(code).toBe(1);
    const clock = report.checks.find((c) => c.check === 'clock')!;
    expect(clock.status).toBe('fail');
    expect(clock.message).toMatch(/^the local clock is 1[12]\d s ahead of STS/);
    expect(clock.fix).toContain('synchronise the clock');
  });
});

describe('doctor on a broken set-up', () => {
  beforeAll(async () => {
    const open = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }],
    };
    await sdk.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'DAVE_ROLE', PolicyDocument: JSON.stringify(open) }));
    const extra = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    await sdk.send(
      new PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'extra', PolicyDocument: JSON.stringify(extra) }),
    );
    const store = fileStoreOf(box);
    const key = decodeKey(await store.get('key:dave'))!;
    await writeFile(
      box.credentialsPath,
      `[dave]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`,
    );
  });

  it('fails each mistake with its fix and exits 1', async () => {
    const { code, report } = await doctor(['dwork']);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    const byName = Object.fromEntries(report.checks.map((c) => [c.check, c]));
    expect(statuses(report)).toMatchObject({
      config: 'ok',
      'stored key': 'ok',
      'credentials file': 'fail',
      'role trust role/DAVE_ROLE': 'fail',
      'user permissions': 'fail',
      'mfa device': 'ok',
    });
    expect(byName['credentials file']!.fix).toBe('run `mfa-exec import dave --scrub`');
    expect(byName['role trust role/DAVE_ROLE']!.message).toBe(
      'the trust policy allows sts:AssumeRole without MFA (no Bool aws:MultiFactorAuthPresent = true condition)',
    );
    expect(byName['role trust role/DAVE_ROLE']!.fix).toContain(
      'aws iam update-assume-role-policy --role-name DAVE_ROLE',
    );
    expect(byName['user permissions']!.message).toBe('user dave may do more than sts:AssumeRole: inline policy extra');
    expect(byName['user permissions']!.fix).toBe(
      'remove them: aws iam delete-user-policy --user-name dave --policy-name extra',
    );
  });

  it('the text report puts the fix under each failure', async () => {
    const r = await box.run(['doctor', 'dwork']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      / FAIL  credentials file +a key for "dave" is still in ~\/\.aws\/credentials in plain text\n +fix: run `mfa-exec import dave --scrub`\n/,
    );
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('3 failed, 0 warnings');
  });

  it('with no profile named, it checks the files and the keys left in the credentials file', async () => {
    const { code, report } = await doctor([]);
    expect(code).toBe(1);
    expect(report.profile).toBeNull();
    expect(statuses(report)).toEqual({ config: 'ok', 'credentials file': 'fail', clock: 'ok' });
  });

  it('a config that does not parse is a failure with its fix', async () => {
    await writeFile(join(box.dir, 'bad.config'), '[profile x\nregion = us-east-1\n');
    const r = await box.run(['doctor', 'x', '--json'], { env: { AWS_CONFIG_FILE: join(box.dir, 'bad.config') } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).checks).toEqual([
      {
        check: 'config',
        status: 'fail',
        message: expect.stringContaining('bad.config:1: section header without a closing "]"'),
        fix: 'write [profile NAME] or [default]',
      },
    ]);
  });
});
