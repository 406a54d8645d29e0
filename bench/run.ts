/**
 * `npm run bench`: boots the real bot as a child process (HTTP mode, SQLite in a temp dir) against
 * a fake Slack and a fake Membrane started here, then sends signed `/espo` commands at 1, 10 and 50
 * concurrent, and prints:
 *   - ack latency p50/p99 (signed POST → HTTP 200),
 *   - reply latency (signed POST → response_url post) and bot overhead = reply latency minus the
 *     fakes' own handling time for that command's Membrane calls,
 *   - commands per second, Membrane calls per command (cold and warm), and the bot's peak RSS.
 * Everything stays on 127.0.0.1; loops are bounded by count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeMembrane } from '../test/fakes/membrane/server.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { postSigned } from '../test/support/signing.js';

const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const WORKSPACE = { workspaceKey: 'bench-key', workspaceSecret: 'bench-secret-0123456789' };
const ROUNDS = [
  { concurrency: 1, commands: 50 },
  { concurrency: 10, commands: 200 },
  { concurrency: 50, commands: 500 },
];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${buffer}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"port":(\d+)/.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (buffer += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`bot exited with ${code}:\n${buffer}`)));
  });
}

async function main() {
  const slack = await startFakeSlack();
  const membrane = await startFakeMembrane(WORKSPACE);
  const dir = mkdtempSync(join(tmpdir(), 'espo-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      MEMBRANE_WORKSPACE_KEY: WORKSPACE.workspaceKey,
      MEMBRANE_WORKSPACE_SECRET: WORKSPACE.workspaceSecret,
      MEMBRANE_API_URI: membrane.url,
      ESPOCRM_URL: 'https://crm.example.com',
      DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logLevelInfoPort = await waitForPort(child).catch(async (error) => {
    child.kill();
    throw error;
  });
  const endpoint = `http://127.0.0.1:${logLevelInfoPort}/slack/events`;
  let sequence = 0;

  /** One slash command, as Slack sends it; resolves with its timings and Membrane cost. */
  async function command(text: string, team: string) {
    const id = `b${++sequence}`;
    const started = performance.now();
    const callsBefore = membrane.calls.length;
    const ack = await postSigned(endpoint, SIGNING_SECRET, {
      command: '/espo',
      text,
      team_id: team,
      user_id: `U${sequence % 25}`,
      channel_id: 'C1',
      response_url: slack.responseUrl(id),
      trigger_id: id,
    });
    const ackMs = performance.now() - started;
    if (ack.status !== 200) throw new Error(`ack ${ack.status}`);
    await slack.waitForResponses(id, 1, 30_000);
    const replyMs = performance.now() - started;
    const mine = membrane.calls.slice(callsBefore).filter((call) => call.tenant === team);
    const fakeMs = mine.reduce((sum, call) => sum + (call.durationMs ?? 0), 0);
    return { ackMs, replyMs, overheadMs: replyMs - fakeMs, membraneCalls: mine.length };
  }

  // Cold: a tenant's very first command (connection ensure + catalog + run).
  const cold = await command('list leads status=New', 'TCOLD');
  console.log(`cold first command: ${cold.membraneCalls} Membrane calls, reply ${fmt(cold.replyMs)}`);

  const results: string[] = [];
  for (const round of ROUNDS) {
    const team = `TBENCH${round.concurrency}`;
    await command('list leads status=New', team); // warm this tenant
    const samples: Awaited<ReturnType<typeof command>>[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: round.concurrency }, async () => {
        while (next < round.commands) {
          next++;
          samples.push(await command('list leads status=New', team));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const acks = samples.map((s) => s.ackMs);
    const replies = samples.map((s) => s.replyMs);
    const overhead = samples.map((s) => s.overheadMs);
    const calls = samples.reduce((sum, s) => sum + s.membraneCalls, 0) / samples.length;
    results.push(
      `| ${round.concurrency} | ${samples.length} | ${fmt(percentile(acks, 50))} | ${fmt(percentile(acks, 99))} | ${fmt(percentile(replies, 50))} | ${fmt(percentile(replies, 99))} | ${fmt(percentile(overhead, 50))} | ${(samples.length / seconds).toFixed(0)} | ${calls.toFixed(2)} |`,
    );
  }
  const rss = peakRssMb(child.pid!);

  console.log('\n| concurrent | commands | ack p50 | ack p99 | reply p50 | reply p99 | bot overhead p50 | commands/s | Membrane calls/command (warm) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const line of results) console.log(line);
  console.log(`\ncold command: ${cold.membraneCalls} Membrane calls; warm: see table`);
  console.log(`bot peak RSS: ${rss.toFixed(0)} MB`);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await membrane.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
