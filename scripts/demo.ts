// `npm run demo`: mfa-exec end to end with no AWS account. Starts the local MFA-enforcing
// STS from the tests on 127.0.0.1, makes a temporary HOME with the AWS files of the contract's
// example and an encrypted file store, stores a demo key, and runs a child under mfa-exec.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSecret } from 'otplib';
import { startFakeSts, totpCode } from '../test/support/fake-sts.js';

const root = resolve(import.meta.dirname, '..');
const account = '123456789012';
const mfa = `arn:aws:iam::${account}:mfa/CREATED_MFA`;
const role = `arn:aws:iam::${account}:role/CREATED_ROLE`;
const totp = generateSecret();
const user = {
  userName: 'test_iam_user',
  accountId: account,
  accessKeyId: 'AKIADEMO0000EXAMPLE1',
  secretAccessKey: 'demo/secret/key/that/only/the/local/sts/knows',
  mfaSerial: mfa,
  totpSecret: totp,
};

const sts = await startFakeSts({ users: [user], roles: [{ roleArn: role, requireMfa: true }] });
const dir = mkdtempSync(join(tmpdir(), 'mfa-exec-demo-'));
const home = join(dir, 'home');
mkdirSync(join(home, '.aws'), { recursive: true });
writeFileSync(
  join(home, '.aws', 'config'),
  `[profile test_iam_user]\nregion = ap-northeast-1\n\n[profile test]\nrole_arn = ${role}\nsource_profile = test_iam_user\nmfa_serial = ${mfa}\nregion = ap-northeast-1\n`,
);
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  AWS_CONFIG_FILE: join(home, '.aws', 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
  AWS_ENDPOINT_URL_STS: sts.url,
  MFA_EXEC_BACKEND: 'file',
  MFA_EXEC_FILE_DIR: join(dir, 'store'),
  MFA_EXEC_FILE_PASSPHRASE: 'demo passphrase',
  XDG_RUNTIME_DIR: dir,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

// Asynchronous on purpose: the local STS runs in this process and must keep answering.
const step = async (title: string, args: string[], extra: Record<string, string> = {}) => {
  console.log(`\n$ mfa-exec ${args.join(' ')}`);
  const status = await new Promise<number | null>((done) =>
    spawn(process.execPath, [join(root, 'dist/bin.js'), ...args], {
      env: { ...env, ...extra },
      stdio: ['ignore', 'inherit', 'inherit'],
    }).on('close', done),
  );
  if (status !== 0) {
    console.error(`demo: "${title}" failed with status ${status}`);
    process.exitCode = 1;
  }
};

try {
  console.log(`Local STS on ${sts.url} (enforces MFA on ${role}).`);
  console.log(`Temporary HOME ${home}; keys go to an encrypted file store (no keychain needed for the demo).`);
  await step('add', ['add', 'test_iam_user', '--env'], {
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
  });
  const code = totpCode(totp);
  console.log(`\nThe virtual MFA device shows ${code} now (computed with otplib from the demo seed).`);
  const child = [process.execPath, join(root, 'scripts/demo-child.mjs')];
  await step('exec', ['test', '--mfa-token', code, '--', ...child]);
  console.log(
    `\nSTS calls so far: ${sts.count('GetSessionToken')} GetSessionToken, ${sts.count('AssumeRole')} AssumeRole.`,
  );
  sts.resetCalls();
  await step('exec again', ['test', '--', ...child]);
  console.log(
    `\nThe second run used the cache: ${sts.count('GetSessionToken') + sts.count('AssumeRole')} STS credential calls, no MFA code asked.`,
  );
  await step('list', ['list']);
} finally {
  await sts.close();
  rmSync(dir, { recursive: true, force: true });
}
