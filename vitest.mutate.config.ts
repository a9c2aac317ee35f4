// Vitest for `npm run mutate` (StrykerJS): the in-process tests only. The integration tests
// run the built dist/, which never contains Stryker's mutants, so they would only add time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // spawn-heavy unit tests that exercise no mutated file
    exclude: ['test/unit/crash-points.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
