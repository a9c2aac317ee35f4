// The package as users get it: a clean clone of the committed HEAD, `npm pack` (which builds
// it), then `npm install -g` of the tarball into an empty prefix with no compiler available,
// and the installed `mfa-exec` run from there. Uses the npm registry for dependencies. The
// clone builds with this checkout's node_modules (linked, not installed again: .ci/run's
// `npm ci` is what checks the lockfile).

import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { startFakeSts, totpCode } from '../support/fake-sts.js';

const run = promisify(execFile);
const MINUTES = 60_000;

let dir: string;
let files: string[];
let prefix: string;
let installed: string;
let version: string;
/** PATH with node and the system tools, nothing from the repository. */
const PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

/** npm with a quiet, non-interactive configuration and `extra` in the environment. */
function npm(args: string[], cwd: string, extra: Record<string, string> = {}) {
  return run('npm', args, {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      ...extra,
    },
  });
}

/** The installed mfa-exec in an empty HOME, with the file store. */
function installedCli(args: string[]) {
  const home = join(dir, 'home');
  return run(join(prefix, 'bin', 'mfa-exec'), args, {
    env: {
      PATH,
      HOME: home,
      MFA_EXEC_FILE_DIR: join(home, 'store'),
      MFA_EXEC_FILE_PASSPHRASE: 'packaging test passphrase',
    },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mfa-exec-pack-'));
  const clone = join(dir, 'clone');
  await run('git', ['clone', '--quiet', ROOT, clone]);
  version = (JSON.parse(await readFile(join(clone, 'package.json'), 'utf8')) as { version: string }).version;
  await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
  const packed = await npm(['pack', '--json', '--pack-destination', dir], clone);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  files = info!.files.map((f) => f.path).sort();

  // No compiler: any native build during the install would fail.
  const noCompiler = join(dir, 'no-compiler');
  await writeFile(noCompiler, '#!/bin/sh\necho "no compiler on this machine" >&2\nexit 1\n');
  await chmod(noCompiler, 0o755);
  prefix = join(dir, 'prefix');
  await mkdir(prefix);
  await mkdir(join(dir, 'home'));
  await npm(['install', '--global', '--prefix', prefix, join(dir, info!.filename)], dir, {
    CC: noCompiler,
    CXX: noCompiler,
    npm_config_node_gyp: noCompiler,
  });
  installed = join(prefix, 'lib', 'node_modules', 'mfa-exec');
}, 6 * MINUTES);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A preload that reports, at exit, what V8 said about each code cache it was given, by file name. */
async function codeCacheSpy(): Promise<string> {
  const spy = join(dir, 'code-cache-spy.cjs');
  await writeFile(
    spy,
    `const vm = require('node:vm'); const { basename } = require('node:path'); const Real = vm.Script;
vm.Script = class extends Real {
  constructor(...a) { super(...a); if (a[1] && a[1].cachedData) process.on('exit', () => process.stderr.write(basename(a[1].filename) + ' cache rejected: ' + this.cachedDataRejected + '\\n')); }
};\n`,
  );
  return spy;
}

describe('npm pack from a clean clone', () => {
  it('ships only the bundle, the docs and package.json', () => {
    const allowed = /^(dist\/.+|README(\.[a-z]{2})?\.md|LICENSE|CHANGELOG\.md|package\.json)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/bin.js', 'LICENSE', 'README.md']));
    expect(files.some((f) => /^(src|test|scripts)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map'))).toBe(false);
  });

  it('depends at run time on the native keychain binding alone (the bundle holds the rest)', async () => {
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(['@napi-rs/keyring']);
  });

  it('says which Node versions it supports', async () => {
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { engines?: { node?: string } };
    expect(pkg.engines?.node).toBe('>=20.19');
  });
});

describe('the installed package', () => {
  it('runs --version and --help', async () => {
    expect((await installedCli(['--version'])).stdout).toBe(`${version}\n`);
    const help = await installedCli(['--help']);
    expect(help.stdout).toMatch(/^Usage: mfa-exec /);
    expect(help.stdout).toContain('Commands:');
  });

  it('runs a command that needs no keychain: list with the file store in an empty HOME', async () => {
    const json = await installedCli(['list', '--backend', 'file', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([]);
    const table = await installedCli(['list', '--backend', 'file']);
    expect(table.stdout).toMatch(/^PROFILE +KIND +SOURCE/);
    expect(table.stderr).toBe('');
  });

  it('runs its bundle from the V8 code cache the build made, which this Node accepts', async () => {
    const r = await run(join(prefix, 'bin', 'mfa-exec'), ['--version'], {
      env: { PATH, HOME: join(dir, 'home'), NODE_OPTIONS: `--require ${await codeCacheSpy()}` },
    });
    expect(r.stdout).toBe(`${version}\n`);
    // The warm path first (it declines `--version`), then the whole CLI.
    expect(r.stderr).toBe('warm.js cache rejected: false\nmain.js cache rejected: false\n');
  });

  it('installs little: the package and the keychain binding, under 8 MB', async () => {
    const { stdout } = await run('du', ['-sk', installed]);
    const kib = Number(stdout.split('\t')[0]);
    console.log(`installed size: ${(kib / 1024).toFixed(1)} MiB`);
    expect(kib).toBeLessThan(8 * 1024);
    const { stdout: tree } = await run('find', [join(installed, 'node_modules'), '-maxdepth', '2', '-mindepth', '2']);
    expect(
      tree
        .trim()
        .split('\n')
        .map((p) => p.slice(join(installed, 'node_modules').length + 1))
        .filter((p) => !p.startsWith('@napi-rs/keyring')),
    ).toEqual([]);
  });

  it('runs the whole credential flow with nothing else present: export against a local STS', async () => {
    const account = '444444444444';
    const user = {
      userName: 'pack',
      accountId: account,
      accessKeyId: 'AKIAPACKAGING0000001',
      secretAccessKey: 'pAcKaGiNg/K7MDENG/bPxRfiCYEXAMPLEKEY001',
      mfaSerial: `arn:aws:iam::${account}:mfa/pack`,
      totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    };
    const sts = await startFakeSts({ users: [user], roles: [] });
    try {
      const home = join(dir, 'home-flow');
      await mkdir(join(home, '.aws'), { recursive: true });
      await writeFile(
        join(home, '.aws', 'config'),
        `[profile pack]\nregion = eu-west-1\nmfa_serial = ${user.mfaSerial}\n`,
      );
      const env = {
        PATH,
        HOME: home,
        AWS_ENDPOINT_URL_STS: sts.url,
        MFA_EXEC_BACKEND: 'file',
        MFA_EXEC_FILE_DIR: join(home, 'store'),
        MFA_EXEC_FILE_PASSPHRASE: 'packaging test passphrase',
      };
      const bin = join(prefix, 'bin', 'mfa-exec');
      await run(bin, ['add', 'pack', '--env'], {
        env: { ...env, AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey },
      });
      const out = await run(bin, ['export', 'pack', '--format', 'json', '--mfa-token', totpCode(user.totpSecret)], {
        env: { ...env, NODE_OPTIONS: `--require ${await codeCacheSpy()}` },
      });
      const creds = JSON.parse(out.stdout) as { AccessKeyId: string; SessionToken: string };
      expect(creds.AccessKeyId).toMatch(/^ASIA/);
      expect(sts.count('GetSessionToken')).toBe(1);
      // The STS client, loaded on demand, compiled from its own code cache too.
      expect(out.stderr).toBe(
        'warm.js cache rejected: false\nmain.js cache rejected: false\naws-sdk-client-sts.cjs cache rejected: false\n',
      );
    } finally {
      await sts.close();
    }
  });

  it('comes with the prebuilt keychain binding for this platform', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-e', "process.stdout.write(typeof require('@napi-rs/keyring').Entry)"],
      { cwd: installed, env: { PATH } },
    );
    expect(stdout).toBe('function');
  });
});
