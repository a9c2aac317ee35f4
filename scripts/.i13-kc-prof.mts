// Keychain warm path: time, CPU profile and strace of `mfa-exec p -- true`.
import { spawn } from 'node:child_process';
function spawnSync(
  cmd: string,
  args: string[],
  o: { env: Record<string, string>; encoding?: string },
): Promise<{ status: number | null; stderr: string; error?: Error }> {
  return new Promise((res) => {
    const c = spawn(cmd, args, { env: o.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (status) => res({ status, stderr: err }));
  });
}
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeSts, totpCode } from '../test/support/fake-sts.js';
import { startPrivateKeyring } from '../test/support/keyring.js';
const BIN = '/work/wt/i13/dist/bin.js';
const account = '123456789012';
const user = {
  userName: 'u',
  accountId: account,
  accessKeyId: 'AKIAPROF000000000001',
  secretAccessKey: 'prof/secret/000000000000000000000000001',
  mfaSerial: `arn:aws:iam::${account}:mfa/u`,
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
};
const sts = await startFakeSts({
  users: [user],
  roles: [{ roleArn: `arn:aws:iam::${account}:role/R`, requireMfa: true }],
});
const kr = await startPrivateKeyring();
const dir = mkdtempSync(join(tmpdir(), 'i13-prof-'));
const home = join(dir, 'home');
mkdirSync(join(home, '.aws'), { recursive: true });
writeFileSync(
  join(home, '.aws/config'),
  `[profile u]\nregion = us-east-1\n[profile p]\nrole_arn = arn:aws:iam::${account}:role/R\nsource_profile = u\nmfa_serial = ${user.mfaSerial}\nregion = us-east-1\n`,
);
const env = {
  ...process.env,
  ...kr.env,
  HOME: home,
  AWS_CONFIG_FILE: join(home, '.aws/config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws/credentials'),
  AWS_ENDPOINT_URL_STS: sts.url,
  MFA_EXEC_BACKEND: 'keychain',
} as Record<string, string>;
const run = async (args: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, encoding: 'utf8' });
let r = await run(['add', 'u', '--env'], {
  AWS_ACCESS_KEY_ID: user.accessKeyId,
  AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
});
if (r.status) throw new Error(r.stderr);
r = await run(['export', 'p', '--mfa-token', totpCode(user.totpSecret)]);
if (r.status) throw new Error(r.stderr);
const t: number[] = [];
const f: number[] = [];
for (let i = 0; i < 12; i++) {
  let t0 = performance.now();
  await spawnSync(process.execPath, ['-e', '0'], { env });
  f.push(performance.now() - t0);
  t0 = performance.now();
  r = await run(['p', '--', 'true']);
  t.push(performance.now() - t0);
  if (r.status) throw new Error(r.stderr);
}
const med = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1]!;
console.log(
  `warm keychain p -- true: median ${med(t).toFixed(1)} ms, floor ${med(f).toFixed(1)} ms, ratio ${(med(t) / med(f)).toFixed(2)}`,
);
await spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', '/tmp/i13-prof/cpu', BIN, 'p', '--', 'true'], {
  env,
});
const st = await spawnSync(
  'strace',
  ['-f', '-c', '-o', '/tmp/i13-prof/strace.txt', process.execPath, BIN, 'p', '--', 'true'],
  { env, encoding: 'utf8' },
);
console.log('strace', st.status, st.error?.message ?? '');
const st2 = await spawnSync(
  'strace',
  [
    '-f',
    '-tt',
    '-e',
    'trace=connect,sendmsg,recvmsg,execve,clone,clone3,vfork',
    '-o',
    '/tmp/i13-prof/strace-t.txt',
    process.execPath,
    BIN,
    'p',
    '--',
    'true',
  ],
  { env, encoding: 'utf8' },
);
await sts.close();
await kr.stop();
