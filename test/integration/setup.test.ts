// `mfa-exec setup` end to end: the built CLI against moto IAM + STS (through a recording
// proxy), an encrypted file store, and real config files. moto accepts any MFA codes, so
// the tests check which calls were made and what exists afterwards.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeKey } from '../../src/core/store-items.js';
import type { IamClient, SecretStore } from '../../src/core/types.js';
import { BIN, type Sandbox } from '../support/cli.js';
import { fileStoreOf, motoSandbox, type MotoSandbox } from '../support/fixture.js';
import type { AwsProxy } from '../support/iam-proxy.js';
import { crashAtEveryPoint, plainSecretsIn } from '../support/crash-points.js';
import { runInPty } from '../support/pty.js';
import { mfaTrustPolicy } from '../support/policies.js';

const ACCOUNT = '123456789012';
const ADMIN = {
  AWS_ACCESS_KEY_ID: 'AKIAADMINEXAMPLE0001',
  AWS_SECRET_ACCESS_KEY: 'adminSecretKeyForTheMotoTests0000000001',
};
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/CREATED_ROLE`;
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/alice`;
const CONFIG = `# my own settings, kept byte for byte\n[profile admin]\nregion = eu-west-1 ; a comment\n\n[default]\noutput = json\n`;
const SETUP = [
  'setup',
  '--user',
  'alice',
  '--role',
  'CREATED_ROLE',
  '--profile',
  'test',
  '--region',
  'ap-northeast-1',
  '--store-totp',
];
const MUTATING = /^(Create|Put|Attach|Enable|Delete|Update)/;

let env: MotoSandbox;
let proxy: AwsProxy;
let box: Sandbox;
let iam: IamClient;
let store: SecretStore;
let policyArn: string;

beforeAll(async () => {
  env = await motoSandbox({ admin: ADMIN, policy: { name: 'S3Work', action: 's3:*' } });
  ({ proxy, box, iam, policyArn } = env);
  await box.writeConfig(CONFIG);
  store = fileStoreOf(box);
});
afterAll(() => env?.cleanup());
beforeEach(() => {
  proxy.calls.length = 0;
  proxy.rules = [];
});

const setup = (args: string[], env: Record<string, string> = ADMIN) => box.run(args, { env });

describe('setup', () => {
  it('--dry-run prints the plan with the exact policy documents and calls nothing', async () => {
    const r = await setup([...SETUP, '--policy-arn', policyArn, '--dry-run'], {});
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(proxy.calls).toEqual([]);
    expect(r.stdout).toContain(JSON.stringify(mfaTrustPolicy('arn:aws:iam::ACCOUNT_ID:root'), null, 2));
    expect(r.stdout).toContain('"Resource": "arn:aws:iam::ACCOUNT_ID:role/CREATED_ROLE"');
    expect(r.stdout).toContain(`2. Attach to the role: ${policyArn}`);
    expect(r.stdout).toContain(
      '[profile test]\nrole_arn = arn:aws:iam::ACCOUNT_ID:role/CREATED_ROLE\nsource_profile = alice\nmfa_serial = arn:aws:iam::ACCOUNT_ID:mfa/alice\nregion = ap-northeast-1',
    );
    expect(await iam.getRole('CREATED_ROLE')).toBeUndefined();
    expect(readFileSync(box.configPath, 'utf8')).toBe(CONFIG);
  });

  it('without admin credentials it says how to give them', async () => {
    const r = await setup(SETUP, {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^mfa-exec: setup needs credentials that may administer IAM \(give --admin-profile A, or set AWS_ACCESS_KEY_ID/,
    );
    expect(proxy.calls).toEqual([]);
  });

  it('with no terminal and no --store-totp it fails before creating anything', async () => {
    const r = await setup(SETUP.filter((a) => a !== '--store-totp'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('there is no terminal to ask on (run setup at a terminal, or add --store-totp');
    expect(proxy.calls.length).toBeGreaterThan(0);
    expect(proxy.calls.filter((c) => MUTATING.test(c))).toEqual([]);
    expect(await iam.getRole('CREATED_ROLE')).toBeUndefined();
  });

  it('a run that stops midway (a policy that does not exist) is finished by running it again', async () => {
    const first = await setup([...SETUP, '--policy-arn', `arn:aws:iam::${ACCOUNT}:policy/Missing`]);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe(`created role ${ROLE_ARN} (trusts account ${ACCOUNT}, MFA required)\n`);
    expect(first.stderr).toMatch(
      /^mfa-exec: setup stopped: NoSuchEntity: AttachRolePolicy: .*\(fix the cause and run the same command again/,
    );
    expect(await iam.getUser('alice')).toBeUndefined();
    expect(readFileSync(box.configPath, 'utf8')).toBe(CONFIG);

    const second = await setup([...SETUP, '--policy-arn', policyArn]);
    // The first secret (the TOTP seed) creates the file store, which is announced; nothing else is said.
    expect(second.stderr).toMatch(/^mfa-exec: creating a new file store in [^\n]*\n$/);
    expect(second.code).toBe(0);
    const lines = second.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`found role ${ROLE_ARN}`);
    expect(lines[1]).toBe(`attached ${policyArn} to role CREATED_ROLE`);
    expect(lines[2]).toBe(`created user arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(lines[3]).toBe(
      `put inline policy mfa-exec-assume-CREATED_ROLE on user alice (sts:AssumeRole on ${ROLE_ARN} only)`,
    );
    expect(lines[4]).toMatch(new RegExp(`^stored the TOTP seed of ${MFA} in the encrypted file store`));
    expect(lines[5]).toBe(`created MFA device ${MFA}, enabled for user alice`);
    expect(lines[6]).toMatch(
      /^created access key …[A-Z0-9]{4} for user alice, stored in the encrypted file store for profile alice$/,
    );
    expect(lines[7]).toBe('wrote [profile alice] and [profile test] to ~/.aws/config');
    expect(proxy.calls.filter((c) => c === 'EnableMFADevice')).toHaveLength(1);

    // What exists in IAM now.
    const role = await iam.getRole('CREATED_ROLE');
    expect(JSON.parse(role!.trustPolicy)).toEqual(mfaTrustPolicy(`arn:aws:iam::${ACCOUNT}:root`));
    expect(await iam.listAttachedRolePolicies('CREATED_ROLE')).toEqual([policyArn]);
    expect(JSON.parse((await iam.getUserPolicy('alice', 'mfa-exec-assume-CREATED_ROLE'))!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE_ARN }],
    });
    expect(await iam.listAttachedUserPolicies('alice')).toEqual([]);
    expect(await iam.listMfaDevices('alice')).toEqual([MFA]);

    // The key went straight into the store, never to the output; the seed too.
    const key = decodeKey(await store.get('key:alice'))!;
    expect((await iam.listAccessKeys('alice')).map((k) => k.accessKeyId)).toEqual([key.accessKeyId]);
    expect(lines[6]).toContain(key.accessKeyId.slice(-4));
    const seed = (await store.get(`totp:${MFA}`))!;
    expect(seed).toMatch(/^[A-Z2-7]{16,}$/);
    for (const out of [first.stdout, first.stderr, second.stdout, second.stderr]) {
      expect(out).not.toContain(key.secretAccessKey);
      expect(out).not.toContain(key.accessKeyId);
      expect(out).not.toContain(seed);
    }
    expect(readFileSync(box.credentialsPath, 'utf8')).toBe('');

    // The config file: every byte kept, the two profiles appended.
    expect(readFileSync(box.configPath, 'utf8')).toBe(
      `${CONFIG}\n[profile alice]\nregion = ap-northeast-1\n\n[profile test]\nrole_arn = ${ROLE_ARN}\nsource_profile = alice\nmfa_serial = ${MFA}\nregion = ap-northeast-1\n`,
    );
  });

  it('a second run finds everything and changes nothing', async () => {
    const before = readFileSync(box.configPath, 'utf8');
    const storedBefore = await store.get('key:alice');
    const r = await setup([...SETUP, '--policy-arn', policyArn]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(proxy.calls.filter((c) => MUTATING.test(c))).toEqual([]);
    expect(r.stdout).toContain(`found MFA device ${MFA} of user alice`);
    expect(r.stdout).toContain('found [profile alice] and [profile test] in ~/.aws/config');
    expect(r.stdout).not.toMatch(/^(created|attached|put|wrote)/m);
    expect(readFileSync(box.configPath, 'utf8')).toBe(before);
    expect(await store.get('key:alice')).toBe(storedBefore);
  });

  it('the profiles it wrote work: the role is assumed with the stored key and the stored TOTP seed', async () => {
    const r = await box.run(['export', 'test', '--format', 'json', '--prompt', 'totp']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(proxy.calls).toEqual(['GetSessionToken', 'AssumeRole']);
  });

  it('a device left unassigned by a run that stopped at EnableMFADevice is replaced on the next run', async () => {
    const args = ['setup', '--user', 'bob', '--role', 'BOB_ROLE', '--region', 'us-east-1', '--store-totp'];
    proxy.rules = [{ action: 'EnableMFADevice', code: 'InvalidAuthenticationCode', times: 1 }];
    const first = await setup(args);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('setup stopped: InvalidAuthenticationCode');
    expect(await iam.listMfaDevices('bob')).toEqual([]);
    expect(await store.get('key:bob')).toBeNull();

    const second = await setup(args);
    expect(second.stderr).toContain(
      `deleted the unassigned MFA device arn:aws:iam::${ACCOUNT}:mfa/bob left by an earlier run`,
    );
    expect(second.code).toBe(0);
    expect(proxy.calls.filter((c) => /VirtualMFADevice$/.test(c))).toEqual([
      'CreateVirtualMFADevice',
      'CreateVirtualMFADevice',
      'DeleteVirtualMFADevice',
      'CreateVirtualMFADevice',
    ]);
    expect(await iam.listMfaDevices('bob')).toEqual([`arn:aws:iam::${ACCOUNT}:mfa/bob`]);
    expect(decodeKey(await store.get('key:bob'))).toBeDefined();
    expect(readFileSync(box.configPath, 'utf8')).toContain(
      '[profile BOB_ROLE]\nrole_arn = arn:aws:iam::123456789012:role/BOB_ROLE\nsource_profile = bob\n',
    );
  });

  it('the config edit, killed at every write, rename and fsync: the config is the old or the new text, whole', async () => {
    // Everything exists in IAM and the store: a run with the profiles gone from the config only edits the config.
    const args = [...SETUP, '--policy-arn', policyArn];
    writeFileSync(box.configPath, CONFIG);
    const full = await setup(args);
    expect(full.code).toBe(0);
    const after = readFileSync(box.configPath, 'utf8');
    expect(after).not.toBe(CONFIG);
    const key = decodeKey(await store.get('key:alice'))!;
    const { ops, failures } = await crashAtEveryPoint({
      reset: () => writeFileSync(box.configPath, CONFIG),
      run: (env) => box.run(args, { env: { ...ADMIN, ...env } }),
      check: async () => {
        expect([CONFIG, after], 'the config is whole').toContain(readFileSync(box.configPath, 'utf8'));
        expect(decodeKey(await store.get('key:alice'))).toEqual(key);
        expect(plainSecretsIn([box.dir], [key.secretAccessKey]), 'a key in plain text').toEqual([]);
      },
      recover: async () => {
        rmSync(join(box.dir, 'store', 'store.enc.lock'), { recursive: true, force: true });
        expect((await setup(args)).code).toBe(0);
        expect(readFileSync(box.configPath, 'utf8')).toBe(after);
      },
    });
    console.log(`setup config edit: ${ops.length} fixed points (${ops.join(' ')})`);
    expect(failures).toEqual([]);
    expect(ops).toContain('rename');
  });
});

describe('setup at a terminal', () => {
  // Issue 14: "two consecutive codes" took the same code twice (moto, like a lenient IAM, accepts
  // any). setup has the seed, so it checks the pair itself before EnableMFADevice.
  it('refuses the same code twice as "two consecutive codes", before EnableMFADevice', async () => {
    const r = await runInPty({
      argv: [process.execPath, BIN, 'setup', '--user', 'carol', '--role', 'CAROL_ROLE', '--region', 'us-east-1'],
      env: { ...box.env, ...ADMIN },
      steps: [
        { when: 'First code', send: '111111\r' },
        { when: 'Next code', send: '111111\r' },
        { when: 'First code', send: '\x03' },
      ],
      timeout: 60,
    });
    expect(r.output).toContain(
      'the two codes are the same, and the second must be the next one the app shows; enter two consecutive codes again.',
    );
    expect(r.exitCode).toBe(130);
    expect(proxy.calls).not.toContain('EnableMFADevice');
  }, 90_000);
});
