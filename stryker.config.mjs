// `npm run mutate`: StrykerJS mutation testing of core and the crash-sensitive adapters,
// with the unit tests (vitest.mutate.config.ts). Slow (see README): not part of .ci/run.
// MUTATE_CONCURRENCY sets the number of test runners (default 2, for a shared 2-core machine).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['src/core/**/*.ts', 'src/adapters/lock.ts', 'src/adapters/atomic-file.ts', 'src/adapters/file-store.ts'],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants, evaluated once at import) need every test run for
  // each: 120 of ~3,200 mutants took two thirds of the time. They are reported as Ignored.
  ignoreStatic: true,
  concurrency: Number(process.env.MUTATE_CONCURRENCY) || 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
