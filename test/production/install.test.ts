import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMembrane, type FakeMembrane } from '../../fakes/membrane/server.js';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.js';
import { spawnApp, type AppProcess } from '../support/app-process.js';
import { appEnv, freePort, slackClientFor, textOf, WORKSPACE_KEY, WORKSPACE_SECRET } from '../support/harness.js';

/**
 * CI's production check (`npm run test:production`, which builds first): what a deployment ships is
 * installed as the Dockerfile installs it, `npm ci --omit=dev` in a directory of its own (no
 * TypeScript, no sources), then started with the Dockerfile's CMD, probed with its HEALTHCHECK,
 * sent a signed slash command against the fakes, and stopped with SIGTERM. The fakes run here;
 * only the bot runs from the install. Not part of `npm test`: better-sqlite3 compiles from source
 * during the install, over a minute on a 2-core machine.
 */
const ROOT = join(import.meta.dirname, '..', '..');
/** What the Dockerfile copies into its production install: the install's inputs, then the build. */
const INSTALLED = ['package.json', 'package-lock.json', 'scripts/prepare.mjs'];
const BUILT = 'dist';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
/** An exec-form instruction's argument list, e.g. CMD ["node", "dist/main.js"]. */
function execForm(pattern: RegExp): string[] {
  const match = pattern.exec(dockerfile);
  if (!match) throw new Error(`the Dockerfile has no ${pattern.source}`);
  return JSON.parse(match[1]!) as string[];
}
const command = execForm(/^CMD (\[.*\])$/m);
const healthcheck = execForm(/^HEALTHCHECK .*?CMD (\[.*\])$/m);

/** Runs a command to its end (asynchronously, so the fakes keep answering): its exit code and output. */
function run(
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('a production install', () => {
  let dir: string;
  let slack: FakeSlack;
  let membrane: FakeMembrane;
  let bot: AppProcess | undefined;
  let port: number;
  let installSeconds: number;
  let installOutput: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, BUILT, 'main.js')))
      throw new Error('dist/main.js is missing: `npm run test:production` builds it first');
    dir = mkdtempSync(join(tmpdir(), 'espo-slack-production-'));
    for (const path of INSTALLED) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      cpSync(join(ROOT, path), join(dir, path));
    }
    // The npm running this test passes its own npm_* settings to its scripts; the install gets none.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
    );
    const started = performance.now();
    const install = await run(['npm', 'ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, env });
    installSeconds = (performance.now() - started) / 1000;
    installOutput = install.output;
    if (install.code !== 0) throw new Error(`npm ci --omit=dev failed (${install.code}):\n${install.output}`);
    console.log(`production install (npm ci --omit=dev): ${installSeconds.toFixed(0)} s`);
    cpSync(join(ROOT, BUILT), join(dir, BUILT), { recursive: true });

    slack = await startFakeSlack();
    membrane = await startFakeMembrane({ workspaceKey: WORKSPACE_KEY, workspaceSecret: WORKSPACE_SECRET });
    port = await freePort();
  }, 10 * 60_000);

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await membrane?.close();
    await slack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs the production dependencies only, and the Dockerfile runs that install', () => {
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m);
    expect(existsSync(join(dir, 'node_modules', 'better-sqlite3'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'vitest'))).toBe(false);
    // npm ci ran the prepare script, which found no compiler and left dist/ alone.
    expect(installOutput).toContain('TypeScript is not installed');
  });

  it("starts with the Dockerfile's command, answers its health check, serves a slash command, and exits 0 on SIGTERM", async () => {
    expect(command[0]).toBe('node');
    // No DATABASE_URL: the SQLite default (./data/espo-slack.db), as in the image.
    const { DATABASE_URL: _sqliteDefault, ...env } = appEnv(
      { slack, membrane, databaseUrl: '', port },
      { NODE_ENV: 'production', SHUTDOWN_GRACE_SECONDS: '5' },
    );
    bot = await spawnApp(env, { args: command.slice(1), cwd: dir });
    const url = `http://127.0.0.1:${port}`;
    expect(bot.url).toBe(url);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const probe = () => run(healthcheck, { cwd: dir, env: { PATH: process.env.PATH, PORT: String(port) } });
    expect(await probe()).toMatchObject({ code: 0 });

    const client = slackClientFor(() => `${url}/slack/events`, slack);
    await client.command('connect');
    const { reply } = await client.command('list leads');
    expect(textOf(reply)).toContain('Leads');
    expect(existsSync(join(dir, 'data', 'espo-slack.db'))).toBe(true);

    const signalled = performance.now();
    expect(await bot.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    console.log(`SIGTERM to exit: ${(performance.now() - signalled).toFixed(0)} ms`);
    expect(bot.logs.find((line) => line.msg === 'stopped')).toMatchObject({ drained: true });
    expect(bot.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
    // The health check fails once the bot is gone.
    expect(await probe()).toMatchObject({ code: 1 });
  });
});
