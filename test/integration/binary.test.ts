// The single executable (`npm run build:binary` → dist/bin/mfa-exec-linux-x64) with no Node on
// PATH: the MFA flow against the local STS with the real `aws` CLI as the child, and the
// keychain through the addon it embeds (written under its hash to a 0700 per-user cache
// folder, checked against the embedded bytes, then loaded). The core end-to-end tests also run
// against it in .ci/run (MFA_EXEC_TEST_BINARY). Skips when it is not built, fails under CI=true.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_BIN, ROOT } from '../support/cli.js';
import { startFakeSts, type FakeSts } from '../support/fake-sts.js';
import { requireKeyringOrSkip, startPrivateKeyring } from '../support/keyring.js';

const run = promisify(execFile);
const BINARY = join(ROOT, 'dist/bin/mfa-exec-linux-x64');
const ACCOUNT = '212121212121';
const USER = {
  userName: 'binary',
  accountId: ACCOUNT,
  accessKeyId: 'AKIABINARY0000000021',
  secretAccessKey: 'bInArY/K7MDENG/bPxRfiCYEXAMPLEKEY00021',
  mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/binary`,
  totpSecret: 'ORSXG5BAMJUW4YLSPEQGM2LMMUQGC43T',
};
const ROLE = `arn:aws:iam::${ACCOUNT}:role/binary`;
// The addon the binary embeds.
const ADDON = join(
  dirname(createRequire(import.meta.url).resolve('@napi-rs/keyring-linux-x64-gnu/package.json')),
  'keyring.linux-x64-gnu.node',
);

function requireBinaryOrSkip(ctx: { skip(note?: string): never }): void {
  if (existsSync(BINARY)) return;
  const reason = `${BINARY} is not built (run \`npm run build:binary\`)`;
  if (process.env.CI === 'true') throw new Error(reason);
  ctx.skip(reason);
}

let sts: FakeSts;
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  sts = await startFakeSts({ users: [USER], roles: [{ roleArn: ROLE, requireMfa: true }] });
  dir = await mkdtemp(join(tmpdir(), 'mfa-exec-binary-'));
  const home = join(dir, 'home');
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(
    join(home, '.aws', 'config'),
    `[profile base]\nregion = eu-west-1\n\n[profile test]\nrole_arn = ${ROLE}\nsource_profile = base\nmfa_serial = ${USER.mfaSerial}\nmfa_process = totp-code\nregion = eu-west-1\n`,
  );
  // No Node on PATH: only the aws CLI and the mfa_process stand-in (which runs Node by its absolute path).
  const nodeFree = join(dir, 'bin');
  await mkdir(nodeFree);
  env = {
    PATH: nodeFree,
    HOME: home,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TEST_TOTP_SECRET: USER.totpSecret,
    MFA_EXEC_BACKEND: 'file',
    MFA_EXEC_FILE_DIR: join(home, 'store'),
    MFA_EXEC_FILE_PASSPHRASE: 'binary test passphrase',
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  // The aws CLI itself (not a pyenv shim, which needs bash and more on PATH).
  const aws = (await run('sh', ['-c', 'pyenv which aws 2>/dev/null || command -v aws'])).stdout.trim();
  await symlink(aws, join(nodeFree, 'aws'));
  await writeFile(
    join(nodeFree, 'totp-code'),
    `#!/bin/sh\nexec ${process.execPath} ${join(FIXTURE_BIN, 'totp-code')}\n`,
    {
      mode: 0o755,
    },
  );
});
afterAll(async () => {
  await sts?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the single executable', () => {
  it('runs `mfa-exec test -- aws sts get-caller-identity` against the local STS, then warm', async (ctx) => {
    requireBinaryOrSkip(ctx);
    const added = await run(BINARY, ['add', 'base', '--env'], {
      env: { ...env, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey },
    });
    expect(added.stdout).toContain('base');
    const cold = await run(BINARY, ['test', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], { env });
    expect(JSON.parse(cold.stdout)).toMatchObject({
      Account: ACCOUNT,
      Arn: expect.stringContaining('assumed-role/binary/'),
    });
    expect(sts.count('AssumeRole')).toBe(1);
    const warm = await run(BINARY, ['test', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], { env });
    expect(JSON.parse(warm.stdout)).toMatchObject({ Account: ACCOUNT });
    expect(sts.count('AssumeRole')).toBe(1);
    // A key derivation and two starts of the Python aws CLI: slow on a loaded machine.
  }, 180_000);

  it('loads the keychain addon it embeds from a 0700 per-user cache, rewriting a changed copy, refusing an open folder', async (ctx) => {
    requireBinaryOrSkip(ctx);
    requireKeyringOrSkip(ctx);
    const keyring = await startPrivateKeyring();
    try {
      const kenv: Record<string, string> = { ...env, ...keyring.env, HOME: env.HOME!, MFA_EXEC_BACKEND: 'keychain' };
      const native = join(kenv.XDG_CACHE_HOME!, 'mfa-exec', 'native');
      await run(BINARY, ['add', 'base', '--env'], {
        env: { ...kenv, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey },
      });
      expect((await run(BINARY, ['list'], { env: kenv })).stdout).toMatch(/^base .*…0021/m);
      expect((await stat(native)).mode & 0o777).toBe(0o700);
      const [file] = await readdir(native);
      expect(file).toMatch(/^[0-9a-f]{64}-keyring\.node$/);
      expect((await readFile(join(native, file!))).equals(await readFile(ADDON))).toBe(true);

      // A changed copy is never loaded: it is replaced by the embedded bytes.
      await writeFile(join(native, file!), 'not the addon');
      expect((await run(BINARY, ['list'], { env: kenv })).stdout).toMatch(/^base .*…0021/m);
      expect((await readFile(join(native, file!))).equals(await readFile(ADDON))).toBe(true);

      await chmod(native, 0o777);
      const refused = await run(BINARY, ['list'], { env: kenv }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(refused?.code).toBe(1);
      expect(refused?.stderr).toBe(
        `mfa-exec: the native module cache ${native} is not a 0700 folder of yours (run \`chmod 700 ${native}\` or remove it)\n`,
      );
    } finally {
      await keyring.stop();
    }
  });
});
