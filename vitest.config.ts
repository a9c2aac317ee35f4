import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The files are mostly I/O-bound (child processes, local servers, a pty): three at once on 2 cores
    // (four made timing-bound tests flaky on a loaded machine).
    // Ports are chosen by the OS (port 0) and every temp path comes from mktemp, so files
    // do not collide. TEST_WORKERS overrides (1 to run them one by one).
    maxWorkers: Number(process.env.TEST_WORKERS) || 3,
    globalSetup: ['test/support/global-setup.ts'],
    // Tests that use the AWS SDK in-process: no Node version notice in the test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
