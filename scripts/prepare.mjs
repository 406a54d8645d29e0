// npm runs this (the `prepare` script) after `npm install` and `npm ci`. In a clone, where the dev
// dependencies are installed, it compiles src/ into dist/, so `npm install && npm start` is all a
// first run needs. A production install (`npm ci --omit=dev`, as the Dockerfile and CI's
// production check run it) has no TypeScript and is given a dist/ built beforehand: nothing to do.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

try {
  createRequire(import.meta.url).resolve('typescript');
} catch {
  console.log('prepare: TypeScript is not installed (a production install): dist/ is used as built');
  process.exit(0);
}
// `npm run build`, so the build is defined in one place (package.json).
const build = spawnSync(process.execPath, [process.env.npm_execpath, 'run', 'build'], { stdio: 'inherit' });
process.exit(build.status ?? 1);
