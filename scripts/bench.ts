// `npm run bench [-- --quick]`: the hot path and the rest, measured side by side with the
// floor (`node -e 0`) in the same run, against the local STS on 127.0.0.1. Prints one table:
// median, min and max of N runs after a warm-up, the ratio to the floor, and the target.
// --quick: a few runs, targets shown but not enforced (CI runs it so the script never rots).

import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { generateSecret } from 'otplib';
import { startFakeSts, totpCode } from '../test/support/fake-sts.js';
import { keyringAvailable, startPrivateKeyring, type PrivateKeyring } from '../test/support/keyring.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 15;
const WARMUP = quick ? 1 : 2;
const root = resolve(import.meta.dirname, '..');
const BIN = join(root, 'dist/bin.js');
const FIXTURES = join(root, 'test/support/fixtures/bin');
// Reference programs (not mfa-exec): the least any Node program doing a warm run's work must do.
const REF = join(root, 'scripts/bench-ref');

interface Row {
  name: string;
  median: number;
  min: number;
  max: number;
  unit: string;
  /** ratio to the floor, for timed rows */
  ratio?: number;
  target?: string;
  ok?: boolean;
}
const rows: Row[] = [];

/** Run a command to completion; resolves its exit status, stdout and the wall time in ms. */
function time(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  onPid?: (pid: number) => void,
): Promise<{ ms: number; code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid && onPid) onPid(child.pid);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => done({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, out, err }));
  });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
};

/**
 * Median/min/max of `RUNS` runs after `WARMUP`, each run paired with a run of the floor
 * (`node -e 0`, or `baseline` in `baselineEnv`) right before it, so a ratio compares runs made
 * under the same machine load. On a shared machine only these paired ratios mean much.
 */
async function measure(
  name: string,
  cmd: string,
  args: string[],
  env: Record<string, string>,
  baseline: [string, string[]] = [process.execPath, ['-e', '0']],
  baselineEnv: Record<string, string> = env,
) {
  const times: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const f = await time(baseline[0], baseline[1], baselineEnv);
    const r = await time(cmd, args, env);
    if (r.code !== 0)
      throw new Error(
        `bench: "${name}" failed (status ${r.code}): ${r.err.trim().split('\n').slice(0, 8).join(' / ')}`,
      );
    if (i >= WARMUP) {
      times.push(r.ms);
      floors.push(f.ms);
    }
  }
  return { ...stats(times), floor: stats(floors).median };
}

function addTimed(name: string, s: { median: number; min: number; max: number; floor: number }, maxRatio?: number) {
  const ratio = s.median / s.floor;
  rows.push({
    name,
    median: s.median,
    min: s.min,
    max: s.max,
    unit: 'ms',
    ratio,
    target: maxRatio ? `≤ ${maxRatio} x` : undefined,
    ok: maxRatio ? ratio <= maxRatio : undefined,
  });
}

const dir = mkdtempSync(join(tmpdir(), 'mfa-exec-bench-'));
// XDG_RUNTIME_DIR as a login session has it (0700, memory-backed): the file store keeps its
// runtime key there only on tmpfs.
const runDir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/mfa-exec-bench-run-') : join(dir, 'run');
mkdirSync(runDir, { recursive: true, mode: 0o700 });
const account = '123456789012';
const mfa = `arn:aws:iam::${account}:mfa/bench`;
const role = `arn:aws:iam::${account}:role/BenchRole`;
const seed = generateSecret();
const user = {
  userName: 'bench_user',
  accountId: account,
  accessKeyId: 'AKIABENCH00000000001',
  secretAccessKey: 'bench/secret/0000000000000000000000000001',
  mfaSerial: mfa,
  totpSecret: seed,
};
const sts = await startFakeSts({ users: [user], roles: [{ roleArn: role, requireMfa: true }] });
let keyring: PrivateKeyring | undefined;

try {
  const home = join(dir, 'home');
  mkdirSync(join(home, '.aws'), { recursive: true });
  const mfaLog = join(dir, 'mfa-runs.log');
  const config = join(home, '.aws', 'config');
  const profiles = `[profile bench_user]\nregion = us-east-1\n\n[profile p]\nrole_arn = ${role}\nsource_profile = bench_user\nmfa_serial = ${mfa}\nregion = us-east-1\nmfa_process = totp-code\n`;
  writeFileSync(config, profiles);
  // The environment a user's commands run in (NODE_EXTRA_CA_CERTS alone makes every Node
  // start ~90 ms slower here: floor and mfa-exec pay it alike), less any AWS or mfa-exec settings.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !/^(AWS_|MFA_EXEC_)/.test(e[0]),
    ),
  );
  const base: Record<string, string> = {
    ...inherited,
    PATH: `${FIXTURES}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_ENDPOINT_URL_STS: sts.url,
    XDG_RUNTIME_DIR: runDir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TEST_TOTP_SECRET: seed,
    TEST_MFA_LOG: mfaLog,
  };
  const fileEnv = {
    ...base,
    MFA_EXEC_BACKEND: 'file',
    MFA_EXEC_FILE_DIR: join(dir, 'store'),
    MFA_EXEC_FILE_PASSPHRASE: 'bench passphrase',
  };
  const keyOpts = { env: { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey } };
  const cli = (args: string[], env: Record<string, string>) => time(process.execPath, [BIN, ...args], env);
  const must = async (args: string[], env: Record<string, string>) => {
    const r = await cli(args, env);
    if (r.code !== 0) throw new Error(`bench: mfa-exec ${args.join(' ')} failed: ${r.err.trim()}`);
    return r;
  };

  // 1. the floor (each timed row below also pairs every run with a floor run)
  const f = await measure('floor', process.execPath, ['-e', '0'], base);
  rows.push({ name: '1. floor: node -e 0', median: f.median, min: f.min, max: f.max, unit: 'ms', ratio: 1 });

  // 2./3. warm path, file store
  await must(['add', 'bench_user', '--env'], { ...fileEnv, ...keyOpts.env });
  await must(['export', 'p'], fileEnv);
  // The file store's warm exec has its own target (1.5 x: issue 13); every other warm row 1.3 x.
  addTimed(
    '2. p -- true, cached, file store',
    await measure('exec file', process.execPath, [BIN, 'p', '--', 'true'], fileEnv),
    1.5,
  );
  addTimed(
    '3. export p --format json, cached, file store',
    await measure('export file', process.execPath, [BIN, 'export', 'p', '--format', 'json'], fileEnv),
    1.3,
  );
  // What any Node program pays for the same work: spawn the child; read the cache as the file store keeps it.
  addTimed(
    '2r. reference, not mfa-exec: a Node program that only spawns true and waits',
    await measure('ref spawn', process.execPath, [join(REF, 'ref-spawn.cjs'), 'true'], fileEnv),
  );
  addTimed(
    '2f. reference: 2r plus the file store warm read (cache.enc, runtime key, AES-GCM)',
    await measure(
      'ref file',
      process.execPath,
      [join(REF, 'ref-file.cjs'), join(dir, 'store'), runDir, 'role:p', 'true'],
      fileEnv,
    ),
  );
  // Without a memory-backed runtime folder there is no short-lived cache: every run derives
  // the passphrase key (scrypt N=2^17), as the README's security model explains.
  await must(['export', 'p'], { ...fileEnv, XDG_RUNTIME_DIR: join(dir, 'no-runtime') });
  addTimed(
    '2c. p -- true, file store without a runtime folder (scrypt N=2^17 each run)',
    await measure('exec file no runtime', process.execPath, [BIN, 'p', '--', 'true'], {
      ...fileEnv,
      XDG_RUNTIME_DIR: join(dir, 'no-runtime'),
    }),
  );

  // 2./3. warm path, keychain (private gnome-keyring)
  let keyEnv: Record<string, string> | undefined;
  if (keyringAvailable().ok) {
    keyring = await startPrivateKeyring();
    keyEnv = { ...base, ...keyring.env, HOME: home, MFA_EXEC_BACKEND: 'keychain' };
    await must(['add', 'bench_user', '--env'], { ...keyEnv, ...keyOpts.env });
    await new Promise((r) => setTimeout(r, 31_000 - (Date.now() % 30_000))); // a fresh TOTP window: the code above was used
    await must(['export', 'p'], keyEnv);
    addTimed(
      '2. p -- true, cached, keychain',
      await measure('exec keychain', process.execPath, [BIN, 'p', '--', 'true'], keyEnv),
      1.3,
    );
    addTimed(
      '3. export p --format json, cached, keychain',
      await measure('export keychain', process.execPath, [BIN, 'export', 'p', '--format', 'json'], keyEnv),
      1.3,
    );
    // The reference reads with mfa-exec's own reader, bundled alone (its D-Bus client and nothing else).
    const reader = join(dir, 'secret-service.cjs');
    buildSync({
      entryPoints: [join(root, 'src/adapters/secret-service.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: reader,
      logLevel: 'warning',
    });
    addTimed(
      "2k. reference: 2r plus one Secret Service read over D-Bus (mfa-exec's reader alone)",
      await measure(
        'ref keychain',
        process.execPath,
        [join(REF, 'ref-keychain.cjs'), reader, 'mfa-exec', 'role:p', 'true'],
        keyEnv,
      ),
    );
    // What mfa-exec adds to the least a Node program doing the same read and spawn pays (2k),
    // run by run (the two rows above are timed in separate blocks, minutes apart).
    const overRef = await measure('exec keychain over 2k', process.execPath, [BIN, 'p', '--', 'true'], keyEnv, [
      process.execPath,
      [join(REF, 'ref-keychain.cjs'), reader, 'mfa-exec', 'role:p', 'true'],
    ]);
    rows.push({
      name: '2x. p -- true, cached, keychain (ratio to 2k, run by run)',
      median: overRef.median,
      min: overRef.min,
      max: overRef.max,
      unit: 'ms',
      ratio: overRef.median / overRef.floor,
    });
  } else {
    rows.push({
      name: '2./3. keychain rows skipped: gnome-keyring not installed',
      median: NaN,
      min: NaN,
      max: NaN,
      unit: '',
    });
  }
  const env = keyEnv ?? fileEnv;

  // 2d. the single executable (npm run build:binary) vs the npm install, run by run
  const binary = join(root, 'dist/bin/mfa-exec-linux-x64');
  if (existsSync(binary)) {
    const b = await measure('exec binary', binary, ['p', '--', 'true'], env, [
      process.execPath,
      [BIN, 'p', '--', 'true'],
    ]);
    rows.push({
      name: `2d. p -- true, cached, ${keyEnv ? 'keychain' : 'file store'}: single executable (ratio to the npm install's)`,
      median: b.median,
      min: b.min,
      max: b.max,
      unit: 'ms',
      ratio: b.median / b.floor,
    });
  } else {
    rows.push({
      name: '2d. single executable row skipped: run npm run build:binary',
      median: NaN,
      min: NaN,
      max: NaN,
      unit: '',
    });
  }

  // 4. MFA session cached, no role credentials yet: one AssumeRole per run (a fresh role profile each run)
  let fresh = 0;
  const roleProfiles = Array.from(
    { length: WARMUP + RUNS },
    (_, i) =>
      `\n[profile fresh${i}]\nrole_arn = ${role}\nsource_profile = bench_user\nmfa_serial = ${mfa}\nregion = us-east-1\n`,
  ).join('');
  writeFileSync(config, profiles + roleProfiles);
  sts.resetCalls();
  const s4times: number[] = [];
  const s4floors: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const fl = await time(process.execPath, ['-e', '0'], env);
    const r = await time(process.execPath, [BIN, `fresh${fresh++}`, '--', 'true'], env);
    if (r.code !== 0) throw new Error(`bench: row 4 failed: ${r.err.trim()}`);
    if (i >= WARMUP) {
      s4times.push(r.ms);
      s4floors.push(fl.ms);
    }
  }
  addTimed(
    `4. p -- true, MFA session cached, one AssumeRole (${sts.count('AssumeRole')} AssumeRole, ${sts.count('GetSessionToken')} GetSessionToken in all)`,
    { ...stats(s4times), floor: stats(s4floors).median },
  );
  writeFileSync(config, profiles);

  // 5. the AWS CLI's own role_arn + mfa_serial with its cache warm, vs mfa-exec with the aws CLI as child
  writeFileSync(
    config,
    `${profiles}\n[profile cli]\nrole_arn = ${role}\nsource_profile = bench_user\nmfa_serial = ${mfa}\nregion = us-east-1\n`,
  );
  writeFileSync(
    join(home, '.aws', 'credentials'),
    `[bench_user]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  );
  await new Promise((r) => setTimeout(r, 31_000 - (Date.now() % 30_000)));
  const first = await time(
    'python3',
    [
      join(root, 'test/support/pty.py'),
      '--when',
      'MFA code',
      '--send',
      `${totpCode(seed)}\\r`,
      '--timeout',
      '60',
      '--',
      'aws',
      '--profile',
      'cli',
      'sts',
      'get-caller-identity',
    ],
    base,
  );
  if (!first.out.includes('assumed-role'))
    throw new Error(`bench: the aws CLI did not assume the role: ${first.out.slice(0, 300)}`);
  const awsArgs = ['--profile', 'cli', 'sts', 'get-caller-identity'];
  addTimed(
    '5a. aws --profile cli sts get-caller-identity (AWS CLI cache warm)',
    await measure('aws cli', 'aws', awsArgs, base),
  );
  // 5b is paired run by run with 5a: its ratio is to the AWS CLI measured under the same load.
  const viaUs = await measure(
    'mfa-exec aws',
    process.execPath,
    [BIN, 'p', '--', 'aws', 'sts', 'get-caller-identity'],
    env,
    ['aws', awsArgs],
  );
  const r5 = viaUs.median / viaUs.floor;
  rows.push({
    name: '5b. p -- aws sts get-caller-identity (mfa-exec cache warm)',
    median: viaUs.median,
    min: viaUs.min,
    max: viaUs.max,
    unit: 'ms',
    target: `≤ 1.1 x 5a (${r5.toFixed(2)} x)`,
    ok: r5 <= 1.1,
  });
  writeFileSync(join(home, '.aws', 'credentials'), '');
  writeFileSync(config, profiles);

  // 6. a config with 5,000 profiles
  let big = profiles;
  for (let i = 0; i < 5000; i++)
    big += `\n[profile gen${i}]\nrole_arn = arn:aws:iam::${account}:role/R${i}\nsource_profile = bench_user\nmfa_serial = ${mfa}\nregion = eu-west-1\n`;
  writeFileSync(config, big);
  addTimed('6a. list with 5,000 profiles', await measure('list big', process.execPath, [BIN, 'list'], env));
  // Paired run by run with the same command on the 1-profile config: the ratio is 5,000 vs 1.
  const small = join(home, '.aws', 'config-1');
  writeFileSync(small, profiles);
  const b6 = await measure(
    'exec big',
    process.execPath,
    [BIN, 'p', '--', 'true'],
    env,
    [process.execPath, [BIN, 'p', '--', 'true']],
    {
      ...env,
      AWS_CONFIG_FILE: small,
    },
  );
  const r6 = b6.median / b6.floor;
  rows.push({
    name: '6b. p -- true with 5,000 profiles (ratio to the 1-profile run)',
    median: b6.median,
    min: b6.min,
    max: b6.max,
    unit: 'ms',
    ratio: r6,
    target: '≤ 1.1 x 1 profile',
    ok: r6 <= 1.1,
  });
  writeFileSync(config, profiles);

  // 7. 16 concurrent cold exports: one MFA prompt (mfa_process run), two STS calls
  const cold: number[] = [];
  let prompts = 0;
  let calls = 0;
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    await must(['clear'], env);
    await new Promise((r) => setTimeout(r, 31_000 - (Date.now() % 30_000)));
    writeFileSync(mfaLog, '');
    sts.resetCalls();
    const t0 = performance.now();
    const all = await Promise.all(Array.from({ length: 16 }, () => cli(['export', 'p', '--format', 'json'], env)));
    cold.push(performance.now() - t0);
    const failed = all.find((r) => r.code !== 0);
    if (failed) throw new Error(`bench: a concurrent export failed: ${failed.err.trim()}`);
    if (new Set(all.map((r) => r.out)).size !== 1) throw new Error('bench: concurrent exports disagreed');
    prompts = Math.max(prompts, readFileSync(mfaLog, 'utf8').split('\n').filter(Boolean).length);
    calls = Math.max(calls, sts.count('GetSessionToken') + sts.count('AssumeRole'));
  }
  rows.push({
    name: `7. 16 concurrent cold exports: ${prompts} MFA prompt(s), ${calls} STS calls`,
    ...stats(cold),
    unit: 'ms',
    target: '1 prompt, 2 calls',
    ok: prompts === 1 && calls === 2,
  });

  // 8. the --ecs-server under a loopback load of 10,000 requests
  const load = await time(
    process.execPath,
    [
      BIN,
      'exec',
      'p',
      '--ecs-server',
      '--',
      process.execPath,
      join(root, 'scripts/ecs-load.mjs'),
      quick ? '2000' : '10000',
      '8',
    ],
    env,
  );
  if (load.code !== 0) throw new Error(`bench: ecs-server load failed: ${load.err.trim()}`);
  const l = JSON.parse(load.out) as {
    requests: number;
    failures: number;
    rps: number;
    p50: number;
    p99: number;
    p99Serial: number;
    p50Serial: number;
    gcMs: number;
    slow: number;
    slowInGc: number;
  };
  rows.push({
    name: `8a. --ecs-server: ${l.requests} requests, ${l.failures} failures (requests/s)`,
    median: l.rps,
    min: l.rps,
    max: l.rps,
    unit: 'req/s',
    target: '≥ 2000',
    ok: l.rps >= 2000 && l.failures === 0,
  });
  rows.push({
    name: '8b. --ecs-server: p99 latency (p50 ' + l.p50.toFixed(2) + ' ms)',
    median: l.p99,
    min: l.p99,
    max: l.p99,
    unit: 'ms',
    target: '< 5 ms',
    ok: l.p99 < 5,
  });
  // The same server, one request at a time: no request waits behind another in the client.
  rows.push({
    name: `8c. --ecs-server: p99 one request at a time (p50 ${l.p50Serial.toFixed(2)} ms); load generator: ${l.gcMs.toFixed(0)} ms in GC, ${l.slowInGc} of its ${l.slow} slowest in a GC pause`,
    median: l.p99Serial,
    min: l.p99Serial,
    max: l.p99Serial,
    unit: 'ms',
    target: '< 5 ms',
    ok: l.p99Serial < 5,
  });

  // 8r. the same load against the least a credential server can be (not mfa-exec), in the same place
  const refLoad = await time(
    process.execPath,
    [
      join(REF, 'ref-ecs-server.cjs'),
      process.execPath,
      join(root, 'scripts/ecs-load.mjs'),
      quick ? '2000' : '10000',
      '8',
    ],
    env,
  );
  if (refLoad.code !== 0) throw new Error(`bench: reference server load failed: ${refLoad.err.trim()}`);
  const rl = JSON.parse(refLoad.out) as { p50: number; p99: number; rps: number };
  rows.push({
    name: `8r. reference, not mfa-exec: a bare node:http server under the same load, p99 (p50 ${rl.p50.toFixed(2)} ms, ${rl.rps.toFixed(0)} req/s)`,
    median: rl.p99,
    min: rl.p99,
    max: rl.p99,
    unit: 'ms',
  });

  // 9. peak RSS of the resident mfa-exec while a child runs
  let peak = 0;
  await new Promise<void>((done) => {
    const child = spawn(process.execPath, [BIN, 'p', '--', 'sleep', '1'], { env, stdio: 'ignore' });
    const poll = setInterval(() => {
      try {
        const kb = Number(readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // exited
      }
    }, 50);
    child.on('close', () => {
      clearInterval(poll);
      done();
    });
  });
  rows.push({
    name: '9. peak RSS of mfa-exec while a child runs',
    median: peak,
    min: peak,
    max: peak,
    unit: 'MB',
    target: '< 60 MB',
    ok: peak < 60,
  });
} finally {
  await sts.close();
  await keyring?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
}

// The table
const fmt = (n: number) => (Number.isNaN(n) ? '' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const header = ['row', 'median', 'min', 'max', 'unit', 'x floor', 'target', ''];
const lines = rows.map((r) => [
  r.name,
  fmt(r.median),
  fmt(r.min),
  fmt(r.max),
  r.unit,
  r.ratio ? r.ratio.toFixed(2) : '',
  r.target ?? '',
  r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED',
]);
const widths = header.map((_, c) => Math.max(header[c]!.length, ...lines.map((l) => l[c]!.length)));
const print = (l: string[]) => console.log(`| ${l.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`);
console.log(
  `\nmfa-exec bench (${RUNS} runs after ${WARMUP} warm-up${quick ? ', --quick: targets not enforced' : ''}; node ${process.version}, ${new Date().toISOString()})\n`,
);
print(header);
print(widths.map((w) => '-'.repeat(w)));
lines.forEach(print);
if (process.env.BENCH_APPEND) appendFileSync(process.env.BENCH_APPEND, `${JSON.stringify(rows)}\n`);
if (!quick && rows.some((r) => r.ok === false)) process.exitCode = 1;
