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
  },
});
