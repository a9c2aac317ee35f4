// Bundles the CLI into dist/ with esbuild. Code splitting keeps the AWS SDK and
// other heavy modules in chunks that load only when an STS call is needed.
// The bundle is built in a fresh folder and swapped in with renames, so a running
// mfa-exec (tests, benchmarks) never sees a half-written dist/.
import { build } from 'esbuild';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const dist = new URL('../dist', import.meta.url).pathname;
const next = `${dist}.next-${process.pid}`;

// Node's built-in modules are loaded lazily, on their first use, with require(). An ES
// import of a built-in loads it at start-up and builds a facade that reads every export
// (node:fs then loads its streams): ~40 ms before any work, on the hot path. Each
// built-in becomes a stand-in module whose functions load the real one when first called.
// Non-function exports other than those listed are a build error, never a silent change.
// This applies to our own sources only.
const EAGER_VALUES = new Set(['constants']);
const builtinsOnDemand = {
  name: 'builtins-on-demand',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      // The require() inside a stand-in is left to Node; so are the imports of dependencies
      // (the AWS SDK and others load lazily as a whole, off the hot path).
      args.namespace === 'builtin' || args.importer.includes('/node_modules/')
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, async (args) => {
      const real = await import(args.path);
      const name = JSON.stringify(args.path);
      const lines = [`let m;`, `const load = () => (m ??= require(${name}));`];
      for (const key of Object.keys(real)) {
        if (key === 'default' || !/^[A-Za-z_$][\w$]*$/.test(key)) continue;
        if (typeof real[key] === 'function')
          lines.push(
            `export function ${key}(...a) { return new.target ? new (load().${key})(...a) : load().${key}(...a); }`,
          );
        // Marked pure, so a value nobody imports does not load its module at start-up.
        else if (EAGER_VALUES.has(key))
          lines.push(`export const ${key} = /* @__PURE__ */ (() => require(${name}).${key})();`);
      }
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};
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
  define: { MFA_EXEC_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
