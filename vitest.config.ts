import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The production install check runs on its own (`npm run test:production`, vitest.production.config.ts).
    exclude: [...configDefaults.exclude, 'test/production/**'],
    // End-to-end suites boot real HTTP servers; a generous per-test budget avoids flakes on 2-core CI.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Coverage of src/ in CI (.ci/run sets CI): a summary in the log, the detail in coverage/.
    // Code run in spawned bot processes (the e2e tests of start-up and shutdown) is not counted.
    coverage: {
      enabled: Boolean(process.env.CI),
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'html'],
    },
  },
});
