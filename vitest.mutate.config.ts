// Vitest for `npm run mutate` (StrykerJS): the in-process tests only. The integration tests
// run the built dist/, which never contains Stryker's mutants, so they would only add time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // Not here: the crash-point checker (spawns, exercises no mutated file) and aws-files
    // (an adapter outside `mutate` whose 5,000-profile timing test fails under instrumentation).
    exclude: ['test/unit/crash-points.test.ts', 'test/unit/aws-files.test.ts'],
    // scrypt-heavy file-store tests are slow under instrumentation on a loaded machine
    testTimeout: 600_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
