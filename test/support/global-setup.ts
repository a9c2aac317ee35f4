// Once per `vitest run`, before any worker starts: bundle the test children (see bundled.ts).

import { build } from 'esbuild';
import { mkdir, rename } from 'node:fs/promises';
import { BUNDLE_DIR, CHILD_SOURCES, bundledChild } from './bundled.js';

export default async function setup(): Promise<void> {
  await mkdir(BUNDLE_DIR, { recursive: true });
  await Promise.all(
    Object.entries(CHILD_SOURCES).map(async ([name, source]) => {
      const out = bundledChild(name as keyof typeof CHILD_SOURCES);
      const next = `${out}.${process.pid}.tmp.mjs`;
      await build({
        entryPoints: [source],
        outfile: next,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        packages: 'external',
        logLevel: 'warning',
      });
      // Renamed into place: a second run started at the same time never sees half a file.
      await rename(next, out);
    }),
  );
}
