// `npm start` runs the compiled bot (dist/) and no longer compiles it first, so that a production
// install, which has no TypeScript, can start. This check (npm's `prestart`) turns a missing build
// into one plain sentence instead of Node's "Cannot find module" stack.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

if (!existsSync(join(import.meta.dirname, '..', 'dist', 'main.js'))) {
  console.error('dist/main.js is missing: run `npm run build` first (`npm install` runs it too), then `npm start`.');
  process.exit(1);
}
