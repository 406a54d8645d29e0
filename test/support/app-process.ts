import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The app as a process of its own, started as production starts it (`node dist/main.js`; by
 * default src/main.ts through tsx, so no build is needed), with only the environment to configure
 * it: two of these on one database are two replicas behind a load balancer.
 */
export interface AppProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** Its JSON log lines, as they arrive on stdout. */
  logs: Record<string, unknown>[];
  stderr: string[];
  /** Sends the signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface LaunchOptions {
  /** Node's arguments (default: src/main.ts through tsx); e.g. `['dist/main.js']` in an install. */
  args?: string[];
  /** Its working directory (default: a new empty one, removed when it exits). */
  cwd?: string;
  /** Files to put in its working directory first, e.g. a `.env` (main.ts reads it). */
  files?: Record<string, string>;
  /** spawnApp: how long it may take to listen; appExit: how long it may take to give up. */
  timeoutMs?: number;
}

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = import.meta.resolve('tsx');

function launch(env: Record<string, string>, options: LaunchOptions) {
  // Its own working directory: main.ts reads a .env from there, and a developer's must not leak in.
  const ownDir = options.cwd ? undefined : mkdtempSync(join(tmpdir(), 'espo-slack-proc-'));
  const cwd = options.cwd ?? ownDir!;
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(cwd, name), text);
  const child: ChildProcess = spawn(process.execPath, options.args ?? ['--import', TSX, join(ROOT, 'src', 'main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        stderr.push(line);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  return { child, logs, stderr, exited };
}

export async function spawnApp(env: Record<string, string>, options: LaunchOptions = {}): Promise<AppProcess> {
  const { child, logs, stderr, exited } = launch(env, options);
  const startTimeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + startTimeoutMs;
  let port: number | undefined;
  while (port === undefined) {
    const listening = logs.find((line) => line.mode === 'http' && typeof line.port === 'number');
    if (listening) port = listening.port as number;
    else if (child.exitCode !== null)
      throw new Error(`the app exited at start (${child.exitCode}): ${stderr.join('')}`);
    else if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app did not start in ${startTimeoutMs} ms: ${stderr.join('')}`);
    } else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    logs,
    stderr,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts the app expecting it to give up: how it ended, what it wrote to stderr, and its log lines. */
export async function appExit(
  env: Record<string, string>,
  options: LaunchOptions = {},
): Promise<{ code: number | null; stderr: string; logs: Record<string, unknown>[] }> {
  const { child, logs, stderr, exited } = launch(env, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const { code } = await exited;
  clearTimeout(timer);
  return { code, stderr: stderr.join(''), logs };
}
