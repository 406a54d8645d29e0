import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const TSX = import.meta.resolve('tsx');

/** Runs log-then-exit.ts with its stdout's reader gone; how it ended, or 'still running' after `ms`. */
async function exitWithBrokenStdout(env: Record<string, string>, ms: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', TSX, join(import.meta.dirname, 'log-then-exit.ts')], {
    env: { PATH: process.env.PATH ?? '', UV_THREADPOOL_SIZE: '1', ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  child.stdout.destroy();
  const ended = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(`exit ${code ?? signal}`)),
  );
  const outcome = await Promise.race([
    ended,
    new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms)),
  ]);
  child.kill('SIGKILL');
  return outcome;
}

describe('closeLog', () => {
  it.concurrent('lets the process exit when stdout has no reader and log lines are still in flight', async () => {
    expect(await exitWithBrokenStdout({}, 8000)).toBe('exit 0');
  });

  it.concurrent(
    'is needed: exiting with the lines queued never ends (pino flushes them in a loop that retries EPIPE)',
    async () => {
      expect(await exitWithBrokenStdout({ EXIT: 'plain' }, 6000)).toBe('still running');
    },
  );
});
