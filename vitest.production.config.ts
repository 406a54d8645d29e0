import { defineConfig } from 'vitest/config';

// `npm run test:production`: the production install check (test/production). A CI step of its own,
// not part of `npm test`, because the install compiles better-sqlite3 (over a minute here).
export default defineConfig({
  test: {
    include: ['test/production/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 10 * 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
