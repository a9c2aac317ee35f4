// `mfa-exec rotate` end to end against moto IAM + STS through a proxy that injects
// failures between the steps. The set-up itself is made by `mfa-exec setup`.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeKey } from '../../src/core/store-items.js';
import type { IamClient, SecretStore, StoredKey } from '../../src/core/types.js';
import type { Sandbox } from '../support/cli.js';
import { fileStoreOf, motoSetupSandbox, type MotoSandbox } from '../support/fixture.js';
import type { AwsProxy } from '../support/iam-proxy.js';

const ADMIN = {
  AWS_ACCESS_KEY_ID: 'AKIAADMINEXAMPLE0002',
  AWS_SECRET_ACCESS_KEY: 'adminSecretKeyForTheMotoTests0000000002',
};

let env: MotoSandbox;
let proxy: AwsProxy;
let box: Sandbox;
let iam: IamClient;
let store: SecretStore;
let code = 100000;

beforeAll(async () => {
  env = await motoSetupSandbox({
    admin: ADMIN,
    policy: { name: 'RotateKeys', action: 'iam:*AccessKey*' },
    user: 'carol',
    role: 'keys',
    profile: 'work',
  });
  ({ proxy, box, iam } = env);
  store = fileStoreOf(box);
});
afterAll(() => env?.cleanup());
beforeEach(() => {
  proxy.calls.length = 0;
  proxy.rules = [];
});

// moto accepts any MFA code, but mfa-exec never sends one twice: a new code per run.
const rotate = (extra: string[] = []) => box.run(['rotate', 'work', '--mfa-token', String(++code), ...extra]);
const storedKey = async (): Promise<StoredKey> => decodeKey(await store.get('key:carol'))!;
const iamKeys = async () => (await iam.listAccessKeys('carol')).map((k) => k.accessKeyId).sort();
const shown = (id: string) => `…${id.slice(-4)}`;

describe('rotate', () => {
  it('creates a key, proves it (retrying while IAM propagates), stores it, deletes the old one and clears the sessions', async () => {
    const old = await storedKey();
    // The new key is refused twice before it "propagates"; the first GetCallerIdentity is the old key's.
    proxy.rules = [{ action: 'GetCallerIdentity', code: 'InvalidClientTokenId', skip: 1, times: 2 }];
    const r = await rotate();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const fresh = await storedKey();
    expect(fresh.accessKeyId).not.toBe(old.accessKeyId);
    expect(await iamKeys()).toEqual([fresh.accessKeyId]);
    expect(Date.now() - Date.parse(fresh.addedAt!)).toBeLessThan(120_000);
    expect(proxy.calls).toEqual([
      'GetCallerIdentity',
      'GetSessionToken',
      'AssumeRole',
      'ListAccessKeys',
      'CreateAccessKey',
      'GetCallerIdentity',
      'GetCallerIdentity',
      'GetCallerIdentity',
      'DeleteAccessKey',
    ]);
    expect(r.stdout).toBe(
      [
        `created access key ${shown(fresh.accessKeyId)} for user carol`,
        'the new key works (GetCallerIdentity: arn:aws:iam::123456789012:user/carol)',
        `stored the new key ${shown(fresh.accessKeyId)} for profile "carol" in the encrypted file store and cleared its cached sessions`,
        `deleted the old key ${shown(old.accessKeyId)}`,
        '',
      ].join('\n'),
    );
    expect(r.stdout).not.toContain(fresh.secretAccessKey);
    expect(r.stdout).not.toContain(fresh.accessKeyId);
    // Sessions made with the old key are gone: the next run gets new ones.
    const cached = (await store.list()).filter((n) => n.startsWith('session:') || n.startsWith('role:'));
    expect(cached).toEqual([]);
  });

  it('a failure between storing and deleting leaves both keys working and says exactly what to do, showing key ids by their last 4 characters only', async () => {
    const old = await storedKey();
    proxy.rules = [{ action: 'DeleteAccessKey', code: 'AccessDenied' }];
    const r = await rotate();
    expect(r.code).toBe(1);
    const fresh = await storedKey();
    expect(fresh.accessKeyId).not.toBe(old.accessKeyId);
    expect(await iamKeys()).toEqual([old.accessKeyId, fresh.accessKeyId].sort());
    expect(r.stderr).toBe(
      `mfa-exec: rotate failed deleting the old key (AccessDenied: DeleteAccessKey: injected by the test proxy); new key ${shown(fresh.accessKeyId)} created and stored; ` +
        `old key ${shown(old.accessKeyId)} still active: find the key ending in ${old.accessKeyId.slice(-4)} with \`aws iam list-access-keys --user-name carol\` and delete it with \`aws iam delete-access-key --user-name carol --access-key-id ID\` ` +
        "(the profile's credentials need iam:ListAccessKeys, iam:CreateAccessKey and iam:DeleteAccessKey on the user)\n",
    );
    expect(r.stderr).not.toContain(fresh.secretAccessKey);
    // The README promises key ids by their last 4 characters only.
    expect(r.stderr).not.toContain(old.accessKeyId);
    expect(r.stderr).not.toContain(fresh.accessKeyId);

    // With two keys, the next rotate refuses before doing anything.
    proxy.rules = [];
    proxy.calls.length = 0;
    const again = await rotate();
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      `user carol already has 2 access keys (IAM's limit); nothing was changed (the one not stored by mfa-exec is ${shown(old.accessKeyId)}: find the key ending in ${old.accessKeyId.slice(-4)}`,
    );
    expect(again.stderr).not.toContain(old.accessKeyId);
    expect(proxy.calls.filter((c) => /^(Create|Delete)/.test(c))).toEqual([]);
    expect((await storedKey()).accessKeyId).toBe(fresh.accessKeyId);

    // Following the advice, rotate works again.
    await iam.deleteAccessKey('carol', old.accessKeyId);
    const third = await rotate();
    expect(third.stderr).toBe('');
    expect(third.code).toBe(0);
    expect(await iamKeys()).toEqual([(await storedKey()).accessKeyId]);
  });

  it('a failure creating the key changes nothing', async () => {
    const old = await storedKey();
    proxy.rules = [{ action: 'CreateAccessKey', code: 'LimitExceeded', status: 409 }];
    const r = await rotate();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `rotate failed creating the new access key (LimitExceeded: CreateAccessKey: injected by the test proxy); nothing was changed; the key ${shown(old.accessKeyId)} is still stored and active`,
    );
    expect(await storedKey()).toEqual(old);
    expect(await iamKeys()).toEqual([old.accessKeyId]);
  });

  it('a new key that never works is deleted again and the old one kept', async () => {
    const old = await storedKey();
    // The proof gives up at once on an error that is not about propagation.
    proxy.rules = [{ action: 'GetCallerIdentity', code: 'InternalFailure', status: 400, skip: 1 }];
    const r = await rotate();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^mfa-exec: the new key …[A-Z0-9]{4} could not be proven \(InternalFailure: GetCallerIdentity: injected by the test proxy\): it was deleted again \(the old key …\w{4} is still stored and active; run rotate again later\)\n$/,
    );
    expect(await storedKey()).toEqual(old);
    expect(await iamKeys()).toEqual([old.accessKeyId]);
  });
});
