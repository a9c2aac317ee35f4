// `npm run build:binary`: dist/bin/mfa-exec-linux-x64, a Node single executable application
// (https://nodejs.org/api/single-executable-applications.html) that needs no Node installed.
// One CommonJS bundle of the CLI (no chunks: everything inline), a V8 code cache of it, and
// the keyring's native addon as an asset (written on first use to a 0700 per-user cache
// folder under its SHA-256, checked, then loaded: src/adapters/embedded-addon.ts), injected
// with postject into a copy of the running `node`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { builtinsOnDemand } from './builtins-on-demand.mjs';

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `build:binary: builds dist/bin/mfa-exec-linux-x64 on linux x64 only (this is ${process.platform} ${process.arch})`,
  );
  process.exit(1);
}
const root = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const require = createRequire(import.meta.url);
const addon = join(
  dirname(require.resolve('@napi-rs/keyring-linux-x64-gnu/package.json')),
  'keyring.linux-x64-gnu.node',
);
const addonSha256 = createHash('sha256').update(readFileSync(addon)).digest('hex');
const work = mkdtempSync(join(tmpdir(), 'mfa-exec-sea-'));
const out = join(root, 'dist', 'bin', 'mfa-exec-linux-x64');

try {
  const main = join(work, 'mfa-exec.cjs');
  await build({
    entryPoints: [join(root, 'src/bin.ts')],
    outfile: main,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    plugins: [builtinsOnDemand],
    // The embedded addon replaces node_modules; import.meta is not used on that path.
    define: {
      MFA_EXEC_VERSION: JSON.stringify(version),
      MFA_EXEC_SEA_KEYRING_SHA256: JSON.stringify(addonSha256),
      'import.meta.url': '"file:///mfa-exec"',
    },
    logLevel: 'warning',
  });
  const blob = join(work, 'sea-prep.blob');
  writeFileSync(
    join(work, 'sea-config.json'),
    JSON.stringify({
      main,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      assets: { 'keyring.node': addon },
    }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: 'inherit' });
  const binary = join(work, 'mfa-exec-linux-x64');
  copyFileSync(process.execPath, binary);
  chmodSync(binary, 0o755);
  execFileSync(
    process.execPath,
    [
      require.resolve('postject/dist/cli.js'),
      binary,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  mkdirSync(dirname(out), { recursive: true });
  renameSync(binary, out);
  console.log(`build:binary: ${out} (${(readFileSync(out).length / 1048576).toFixed(0)} MB, Node ${process.version})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
