// Bundles the CLI into dist/ with esbuild. Code splitting keeps the AWS SDK and
// other heavy modules in chunks that load only when an STS call is needed.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { bin: 'src/bin.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  // The native keychain binding ships per platform in node_modules.
  external: ['@napi-rs/keyring'],
  banner: {
    js: "import{createRequire as __mfaCreateRequire}from'node:module';const require=__mfaCreateRequire(import.meta.url);",
  },
  define: { MFA_EXEC_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
