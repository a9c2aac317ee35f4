// Bundles the CLI into dist/ with esbuild. Code splitting keeps the AWS SDK and
// other heavy modules in chunks that load only when an STS call is needed.
// The bundle is built in a fresh folder and swapped in with renames, so a running
// mfa-exec (tests, benchmarks) never sees a half-written dist/.
import { build } from 'esbuild';
import { builtinsOnDemand } from './builtins-on-demand.mjs';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const dist = new URL('../dist', import.meta.url).pathname;
const next = `${dist}.next-${process.pid}`;

const old = `${dist}.old-${process.pid}`;

await build({
  entryPoints: { bin: 'src/bin.ts' },
  outdir: next,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: process.env.MFA_EXEC_NO_MINIFY !== '1',
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  // The native keychain binding ships per platform in node_modules.
  external: ['@napi-rs/keyring'],
  plugins: [builtinsOnDemand],
  banner: {
    js: "import{createRequire as __mfaCreateRequire}from'node:module';const require=__mfaCreateRequire(import.meta.url);",
  },
  // The npm package loads the keyring binding from node_modules (no embedded addon).
  define: { MFA_EXEC_VERSION: JSON.stringify(version), MFA_EXEC_SEA_KEYRING_SHA256: '""' },
  logLevel: 'warning',
});
// The single executable (npm run build:binary, a separate build) stays.
if (existsSync(`${dist}/bin`)) renameSync(`${dist}/bin`, `${next}/bin`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
