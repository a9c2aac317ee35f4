// One builder for what most integration files set up: the AWS config text (profiles as
// data), the local STS with a file-store sandbox pointed at it, its config written and the
// users' long-lived keys put in its store, the sandbox's store as a test reads it; and
// moto behind a recording proxy, bare or with a set-up made by `setup`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IAMClient } from '@aws-sdk/client-iam';
import { expect } from 'vitest';
import { createFileStore } from '../../src/adapters/file-store.js';
import { encodeKey, keyItem } from '../../src/core/store-items.js';
import type { IamClient, SecretStore } from '../../src/core/types.js';
import { ROOT, makeSandbox, type RunResult, type Sandbox } from './cli.js';
import { startFakeSts, type FakeRole, type FakeSts, type FakeUser } from './fake-sts.js';
import { startAwsProxy, type AwsProxy } from './iam-proxy.js';
import { startMoto, type Moto } from './moto.js';
import type { TestClock } from './test-clock.js';

/** The example of CONTRACT.md: `test_iam_user` holds the key, `test` is its role, with MFA (fixtures/configs/contract.config). */
export const CONTRACT_CONFIG = readFileSync(join(ROOT, 'test/support/fixtures/configs/contract.config'), 'utf8');

/** Settings of one profile, in order; undefined values are left out. */
export type ProfileSettings = Record<string, string | undefined>;

/**
 * AWS config text: `[profile NAME]` blocks (`[default]` for "default"), one blank line between.
 * `ini({ base: { region: 'eu-west-1' }, test: roleProfile({ ... }) })`
 */
export function ini(profiles: Record<string, ProfileSettings>): string {
  return Object.entries(profiles)
    .map(([name, settings]) => {
      const lines = Object.entries(settings).flatMap(([k, v]) => (v === undefined ? [] : [`${k} = ${v}`]));
      return [name === 'default' ? '[default]' : `[profile ${name}]`, ...lines].join('\n') + '\n';
    })
    .join('\n');
}

/** The settings of a role profile assumed with MFA from `source` (mfa_process when given). */
export function roleProfile(o: {
  role: string;
  source: string;
  mfa: string;
  process?: string;
  region?: string;
}): ProfileSettings {
  return {
    role_arn: o.role,
    source_profile: o.source,
    mfa_serial: o.mfa,
    mfa_process: o.process,
    region: o.region,
  };
}

/** `mfa-exec add PROFILE --env` in `box`: the long-lived key given as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and `env`). */
export function addKey(
  box: Sandbox,
  profile: string,
  key: { accessKeyId: string; secretAccessKey: string },
  env: Record<string, string | undefined> = {},
): Promise<RunResult> {
  return box.run(['add', profile, '--env'], {
    env: { ...env, AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey },
  });
}

/**
 * Put a long-lived key in `box`'s file store for a test whose subject is not `add`: written by
 * the test process with the store's own code, as `add` writes it, instead of a CLI run (the
 * suite would otherwise start ~40 CLI processes for set-up alone). `add` itself is tested by
 * running it (cli-core, day-to-day, crash-points, file-store, concurrency).
 */
export async function seedKey(
  box: Sandbox,
  profile: string,
  key: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  if (box.env.MFA_EXEC_BACKEND !== 'file') throw new Error('seedKey: a file-store sandbox only (use addKey)');
  const { accessKeyId, secretAccessKey } = key;
  await fileStoreOf(box).set(
    keyItem(profile),
    encodeKey({ accessKeyId, secretAccessKey, addedAt: new Date().toISOString() }),
  );
}

/** The encrypted file store of `box`, opened by the test process as its CLI runs open it (key derivation, passphrase, runtime key). */
export function fileStoreOf(box: Sandbox): SecretStore {
  return createFileStore({
    dir: join(box.dir, 'store'),
    kdf: box.kdf,
    getPassphrase: async () => box.env.MFA_EXEC_FILE_PASSPHRASE!,
    runtimeDir: box.env.XDG_RUNTIME_DIR,
  });
}

/** The local STS and a sandbox using it (AWS_ENDPOINT_URL_STS, TEST_TOTP_SECRET of the first user). */
export interface StsSandbox {
  sts: FakeSts;
  box: Sandbox;
  cleanup(): Promise<void>;
}

/**
 * Start the local STS with `users` and `roles`, make a file-store sandbox whose config is
 * `config`, and put each `keys` profile's user key in its store (seedKey).
 */
export async function stsSandbox(o: {
  users: FakeUser[];
  roles: FakeRole[];
  config: string;
  keys: Record<string, FakeUser>;
  env?: Record<string, string>;
  clock?: TestClock;
}): Promise<StsSandbox> {
  const sts = await startFakeSts({ users: o.users, roles: o.roles, clock: o.clock });
  const seed = o.users.find((u) => u.totpSecret)?.totpSecret;
  const box = await makeSandbox({
    backend: 'file',
    env: {
      ...(seed && { TEST_TOTP_SECRET: seed }),
      AWS_ENDPOINT_URL_STS: sts.url,
      ...o.clock?.env,
      ...o.env,
    },
  });
  await box.writeConfig(o.config);
  for (const [profile, user] of Object.entries(o.keys)) await seedKey(box, profile, user);
  return {
    sts,
    box,
    cleanup: async () => {
      await box.cleanup();
      await sts.close();
    },
  };
}

/** moto (IAM + STS) behind a recording proxy, a managed policy in it, and a file-store sandbox reaching moto through the proxy. */
export interface MotoSandbox {
  moto: Moto;
  proxy: AwsProxy;
  box: Sandbox;
  /** the SDK's IAM client on moto, as the admin */
  sdk: IAMClient;
  /** mfa-exec's own IAM client on moto, as the admin */
  iam: IamClient;
  /** the managed policy allowing `policy.action` */
  policyArn: string;
  cleanup(): Promise<void>;
}

/**
 * Start moto and the proxy, create a managed policy allowing `actions` (as `admin`), and make a
 * new file-store sandbox whose AWS_ENDPOINT_URL is the proxy.
 */
export async function motoSandbox(o: {
  admin: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
  policy: { name: string; action: string };
}): Promise<MotoSandbox> {
  // The IAM SDK loads here, not with this module: most files that build fixtures never need it (~1 s each).
  const [{ CreatePolicyCommand, IAMClient }, { createIamClient }] = await Promise.all([
    import('@aws-sdk/client-iam'),
    import('../../src/adapters/iam.js'),
  ]);
  const moto = await startMoto();
  const proxy = await startAwsProxy(moto.url);
  const sdk = new IAMClient({
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: o.admin.AWS_ACCESS_KEY_ID, secretAccessKey: o.admin.AWS_SECRET_ACCESS_KEY },
  });
  const doc = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: o.policy.action, Resource: '*' }],
  });
  const policy = await sdk.send(new CreatePolicyCommand({ PolicyName: o.policy.name, PolicyDocument: doc }));
  const iam = createIamClient({
    region: 'us-east-1',
    iamEndpoint: moto.url,
    stsEndpoint: moto.url,
    credentials: { accessKeyId: o.admin.AWS_ACCESS_KEY_ID, secretAccessKey: o.admin.AWS_SECRET_ACCESS_KEY },
  });
  const box = await makeSandbox({ backend: 'file', env: { AWS_ENDPOINT_URL: proxy.url } });
  return {
    moto,
    proxy,
    box,
    sdk,
    iam,
    policyArn: policy.Policy!.Arn!,
    cleanup: async () => {
      await box.cleanup();
      await proxy.close();
      await moto.close();
    },
  };
}

/**
 * A motoSandbox where `mfa-exec setup --user U --role R --profile P --policy-arn <the policy>
 * --store-totp` made a user, role and profiles (checked to succeed, silently).
 */
export async function motoSetupSandbox(o: {
  admin: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
  policy: { name: string; action: string };
  user: string;
  role: string;
  profile: string;
}): Promise<MotoSandbox> {
  const env = await motoSandbox(o);
  const args = ['--user', o.user, '--role', o.role, '--profile', o.profile, '--policy-arn', env.policyArn];
  const r = await env.box.run(['setup', ...args, '--store-totp'], { env: o.admin });
  // Silently, but for the notice of the new file store.
  expect(r.stderr).toMatch(/^(mfa-exec: creating a new file store in [^\n]*\n)?$/);
  expect(r.code).toBe(0);
  return env;
}
