/**
 * The bot under measurement (a child process started exactly as `npm start` starts it
 * (`node dist/main.js`), configured only through its environment, and read from /proc), and the
 * load generator that talks to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { onTeardown } from './teardown.js';

const BOT_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** Bots still running: should the bench exit without stopping them (a crash), they are killed with it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** User + system CPU the process has used so far, in milliseconds (Linux clock ticks are 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

export function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

/** A free loopback port for the bot (HTTP mode needs one known in advance to probe /healthz). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilHealthy(child: ChildProcess, port: number): Promise<void> {
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Keep draining the bot's logs (a full pipe would stall it) without keeping them.
  child.stdout!.resume();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`bot exited with ${child.exitCode}:\n${output}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`bot did not become healthy:\n${output}`);
}

export interface BotProcess {
  child: ChildProcess;
  port: number;
  /** Its Slack endpoint, http://127.0.0.1:<port>/slack/events. */
  endpoint: string;
  url: string;
  /** SIGTERM, and SIGKILL should it not have exited 30 s later (its grace period and watchdog). */
  stop(): Promise<void>;
}

/** Ends the bot and waits until it has exited. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(kill);
}

/**
 * Starts the bot in HTTP mode on a free loopback port and waits for /healthz. `env` adds to (and
 * overrides) the bench's defaults; `publicUrl: true` makes PUBLIC_URL the bot's own address, or a
 * string names the address (a load balancer's) for several instances.
 */
export async function startBot(options: {
  env: Record<string, string>;
  publicUrl?: true | string;
}): Promise<BotProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const publicUrl = options.publicUrl === true ? url : options.publicUrl;
  // A new empty working directory: main.ts reads .env from its working directory, and a
  // developer's .env must not configure the bot under measurement.
  const cwd = mkdtempSync(join(tmpdir(), 'espo-bench-bot-'));
  const child = spawn(process.execPath, ['--enable-source-maps', BOT_MAIN], {
    cwd,
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      PORT: String(port),
      HOST: '127.0.0.1',
      ESPOCRM_URL: 'https://crm.example.com',
      // Production's level: the per-request log line is part of the bot's real cost.
      LOG_LEVEL: 'info',
      ...(publicUrl ? { PUBLIC_URL: publicUrl } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stop = onTeardown(async () => {
    await stopProcess(child);
    rmSync(cwd, { recursive: true, force: true });
  });
  await waitUntilHealthy(child, port).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { child, port, endpoint: `${url}/slack/events`, url, stop };
}

/** The load generator (bench/load-generator.ts) in a worker thread of its own. */
export function startLoadGenerator(signingSecret: string): Worker {
  // Node 20 will not start a worker from a .ts file, so the worker registers tsx itself first.
  const generatorUrl = new URL('./load-generator.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(generatorUrl)}); });`,
    {
      eval: true,
      workerData: { signingSecret },
    },
  );
}
