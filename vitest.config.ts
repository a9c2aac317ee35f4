import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/support/sequencer.js';
import { pythonBinFirst } from './test/support/python-path.js';

// The suite talks only to servers on 127.0.0.1. An extra CA bundle (NODE_EXTRA_CA_CERTS, set on
// some machines) would be read by every Node process it starts (~40–70 ms of CPU each, for
// ~800 processes) and used by none: the workers and the children they start go without it.
delete process.env.NODE_EXTRA_CA_CERTS;
// python3, aws and moto_server straight from the Python that runs them, not through a version
// manager's shims (pyenv's cost ~0.4 s of CPU per call, and the suite makes ~60 such calls).
process.env.PATH = pythonBinFirst(process.env.PATH ?? '');

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The files are mostly I/O-bound (child processes, local servers, a pty): three at once on 2 cores
    // (four made timing-bound tests flaky on a loaded machine).
    // Ports are chosen by the OS (port 0) and every temp path comes from mktemp, so files
    // do not collide. TEST_WORKERS overrides (1 to run them one by one).
    maxWorkers: Number(process.env.TEST_WORKERS) || 3,
    globalSetup: ['test/support/global-setup.ts'],
    // Longest files first, also in a clean clone (test/support/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    // Tests that use the AWS SDK in-process: no Node version notice in the test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        // Unit tests share workers: they mock no module and restore what they change (TZ), so
        // a fresh process per file would only repeat the start-up.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false },
      },
      // Integration files share workers too: a fresh process per file cost ~0.9 s of CPU each (the
      // worker's start and the support modules), ~30 s of the suite's ~265 s. They start their own
      // servers and sandboxes, close them in afterAll, and put back what they change in process.env.
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], isolate: false },
      },
    ],
  },
});
