// Test children spawned many times (the keychain store child, the runChild driver), bundled
// once per test run with esbuild by the global setup (test/support/global-setup.ts) instead
// of being compiled by `node --import tsx` at every spawn. The bundles live next to
// node_modules, so the native keychain binding they leave external still resolves.

import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
export const BUNDLE_DIR = join(ROOT, 'node_modules/.cache/mfa-exec-test-children');

/** The sources bundled, by name. */
export const CHILD_SOURCES = {
  'store-child': join(ROOT, 'test/support/store-child.ts'),
  'run-child': join(ROOT, 'test/support/run-child.ts'),
} as const;

/** The bundled `name` (plain JavaScript: `node <path> args...`). */
export function bundledChild(name: keyof typeof CHILD_SOURCES): string {
  return join(BUNDLE_DIR, `${name}.mjs`);
}
