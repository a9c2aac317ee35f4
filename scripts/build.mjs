// Bundles the CLI into dist/ with esbuild, in two builds:
// - dist/bin.js: our own code, one CommonJS file (dist/package.json says so). A CommonJS
//   entry starts ~10 ms faster than an ES module one: Node's ES module loader (resolve,
//   link, URLs) is never set up on the warm path.
// - dist/vendor/*.mjs: the npm packages our code imports on first use (the AWS SDK clients,
//   otplib, the picker, the QR encoder), as ES modules sharing chunks. bin.js reaches them
//   only through import(), so they load when an STS call or a prompt needs them.
// A package imported statically by our code would load on every run: that is a build error.
// The bundle is built in a fresh folder and swapped in with renames, so a running
// mfa-exec (tests, benchmarks) never sees a half-written dist/.
import { build } from 'esbuild';
import { builtinsOnDemand } from './builtins-on-demand.mjs';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

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
      return { path: `./vendor/${name}.mjs`, external: true };
    });
  },
};

await build({
  entryPoints: { bin: 'src/bin.ts' },
  outdir: next,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify,
  legalComments: 'none',
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
  logLevel: 'warning',
});
writeFileSync(`${next}/package.json`, '{ "type": "commonjs" }\n');

await build({
  entryPoints: Object.fromEntries(vendor),
  outdir: `${next}/vendor`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  // The SDK's CommonJS modules require() Node's built-ins.
  banner: {
    js: "import{createRequire as __mfaCreateRequire}from'node:module';const require=__mfaCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// The single executable (npm run build:binary, a separate build) stays.
if (existsSync(`${dist}/bin`)) renameSync(`${dist}/bin`, `${next}/bin`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
