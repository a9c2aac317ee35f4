// Bundles the CLI into dist/ with esbuild:
// - dist/main.js: our own code, one CommonJS file (dist/package.json says so). A CommonJS
//   entry starts ~10 ms faster than an ES module one: Node's ES module loader (resolve,
//   link, URLs) is never set up on the warm path.
// - dist/warm.js: the warm path alone (src/cli/warm.ts, ~30 KB), which bin.js runs first: a warm
//   exec or export on the keychain needs nothing else.
// - dist/bin.js (scripts/loader.cjs): runs warm.js, then main.js when warm.js declines, each with
//   a V8 code cache of it made here by a training run (scripts/train-code-cache.cjs), so a run
//   does not compile them again.
// - dist/vendor/*.cjs: the npm packages our code loads on first use (the AWS SDK clients,
//   otplib, the picker, the QR encoder), one file each, require()d when an STS call or a
//   prompt needs them. (No import(): Node 20 loses a script's dynamic import callback when
//   it comes from a code cache.)
// A package imported statically by our code would load on every run: that is a build error.
// The bundle is built in a fresh folder and swapped in with renames, so a running
// mfa-exec (tests, benchmarks) never sees a half-written dist/.
import { build } from 'esbuild';
import { builtinsOnDemand } from './builtins-on-demand.mjs';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const dist = new URL('../dist', import.meta.url).pathname;
const next = `${dist}.next-${process.pid}`;
const old = `${dist}.old-${process.pid}`;
const minify = process.env.MFA_EXEC_NO_MINIFY !== '1';
// The native keychain binding ships per platform in node_modules and is require()d.
const NATIVE = '@napi-rs/keyring';

/** The packages bin.js imports, by the file name each gets under dist/vendor/. */
const vendor = new Map();
const vendorOnDemand = {
  name: 'vendor-on-demand',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || args.namespace === 'builtin' || args.path === NATIVE) return undefined;
      if (args.kind !== 'dynamic-import')
        return {
          errors: [
            { text: `"${args.path}" is imported statically: import() it where it is used, so it loads on demand` },
          ],
        };
      const name = args.path.replace(/^@/, '').replace(/\//g, '-');
      vendor.set(name, args.path);
      return { path: `./vendor/${name}.cjs`, external: true };
    });
  },
};

/** What every bundle here shares: CommonJS for Node 20, minified. */
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify,
  legalComments: 'none',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { main: 'src/bin.ts', warm: 'src/cli/warm.ts' },
  outdir: next,
  // import() of a package becomes require() of its dist/vendor file.
  supported: { 'dynamic-import': false },
  external: [NATIVE],
  plugins: [builtinsOnDemand, vendorOnDemand],
  define: {
    MFA_EXEC_VERSION: JSON.stringify(version),
    // The npm package loads the keyring binding from node_modules (no embedded addon).
    MFA_EXEC_SEA_KEYRING_SHA256: '""',
    MFA_EXEC_COMMONJS: 'true',
    // createRequire takes the bundle's own path as well as its URL.
    'import.meta.url': '__filename',
  },
});
writeFileSync(`${next}/package.json`, '{ "type": "commonjs" }\n');

// main.js runs inside the loader's function wrapper: no hashbang line.
writeFileSync(`${next}/main.js`, readFileSync(`${next}/main.js`, 'utf8').replace(/^#!.*\n/, ''));
copyFileSync(new URL('./loader.cjs', import.meta.url), `${next}/bin.js`);
chmodSync(`${next}/bin.js`, 0o755);

await Promise.all(
  [...vendor].map(([name, pkg]) => build({ ...common, entryPoints: [pkg], outfile: `${next}/vendor/${name}.cjs` })),
);

// The training run: an exec of a credential_process profile in an empty HOME, file store, no network;
// before it, warm.js on a role profile ("train-role"), which it declines at the keychain read.
const home = mkdtempSync(join(tmpdir(), 'mfa-exec-train-'));
try {
  const json = JSON.stringify({ Version: 1, AccessKeyId: 'AKIATRAININGRUN00001', SecretAccessKey: 'training' });
  writeFileSync(join(home, 'credentials.sh'), `#!/bin/sh\necho '${json}'\n`, { mode: 0o755 });
  writeFileSync(
    join(home, 'config'),
    `[profile train]\ncredential_process = ${join(home, 'credentials.sh')}\n\n` +
      `[profile train-key]\nregion = us-east-1\n\n` +
      `[profile train-role]\nrole_arn = arn:aws:iam::000000000000:role/Train\nsource_profile = train-key\nmfa_serial = arn:aws:iam::000000000000:mfa/train\n`,
  );
  execFileSync(process.execPath, [new URL('./train-code-cache.cjs', import.meta.url).pathname, next], {
    stdio: 'inherit',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      MFA_EXEC_BACKEND: 'file',
      MFA_EXEC_FILE_DIR: join(home, 'store'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      XDG_CACHE_HOME: join(home, 'cache'),
    },
  });
} finally {
  rmSync(home, { recursive: true, force: true });
}

// The single executable (npm run build:binary, a separate build) stays.
if (existsSync(`${dist}/bin`)) renameSync(`${dist}/bin`, `${next}/bin`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
