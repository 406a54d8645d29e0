/**
 * `npm run bench`: boots the real bot as a child process (HTTP mode, SQLite in a temp dir) against
 * a fake Slack and a fake Membrane started here, then sends bursts of 1, 10 and 50 signed `/espo`
 * commands at the same moment (a warm `list leads status=New`), and prints:
 *   - ack latency p50/p99 (signed POST → HTTP 200),
 *   - reply latency (signed POST → response_url post) and bot overhead = reply latency minus the
 *     fakes' own handling time for that command's Membrane calls,
 *   - commands per second, Membrane calls per command (cold and warm), and the bot's peak RSS.
 * Each round starts with one unmeasured burst (sockets opened, tenant warm). Everything stays on
 * 127.0.0.1; loops are bounded by count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeMembrane } from '../test/fakes/membrane/server.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignature } from '../test/support/signing.js';

const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const WORKSPACE = { workspaceKey: 'bench-key', workspaceSecret: 'bench-secret-0123456789' };
/** Bursts of N commands sent at the same moment (a team typing at once), repeated. */
const ROUNDS = [
  { concurrency: 1, bursts: 100 },
  { concurrency: 10, bursts: 30 },
  { concurrency: 50, bursts: 20 },
];

/**
 * A lean signed POST over keep-alive sockets. fetch() costs so much client CPU that, in bursts of
 * 50, it measured ~120 ms p99 against a do-nothing server on this machine: it would time itself.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 100 });
function postForm(url: string, form: Record<string, string>): Promise<number> {
  const body = new URLSearchParams(form).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** User + system CPU the process has used so far, in milliseconds (Linux clock ticks are 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
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

async function main() {
  const slack = await startFakeSlack();
  const membrane = await startFakeMembrane(WORKSPACE);
  const dir = mkdtempSync(join(tmpdir(), 'espo-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      MEMBRANE_WORKSPACE_KEY: WORKSPACE.workspaceKey,
      MEMBRANE_WORKSPACE_SECRET: WORKSPACE.workspaceSecret,
      MEMBRANE_API_URI: membrane.url,
      ESPOCRM_URL: 'https://crm.example.com',
      DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
      // Production's level: the per-request log line is part of the bot's real cost.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitUntilHealthy(child, port).catch((error) => {
    child.kill();
    throw error;
  });
  const endpoint = `http://127.0.0.1:${port}/slack/events`;
  const rssAtStart = rssMb(child.pid!);
  let sequence = 0;

  /** One slash command, as Slack sends it; resolves with its timings and Membrane cost. */
  async function command(text: string, team: string) {
    const id = `b${++sequence}`;
    const started = performance.now();
    const callsBefore = membrane.calls.length;
    const status = await postForm(endpoint, {
      command: '/espo',
      text,
      team_id: team,
      user_id: `U${sequence % 25}`,
      channel_id: 'C1',
      response_url: slack.responseUrl(id),
      trigger_id: id,
    });
    const ackMs = performance.now() - started;
    if (status !== 200) throw new Error(`ack ${status}`);
    await slack.waitForResponses(id, 1, 30_000);
    const replyMs = performance.now() - started;
    // Exact when commands run one at a time; under concurrency the round totals below are used.
    const mine = membrane.calls.slice(callsBefore).filter((call) => call.tenant === team);
    const fakeMs = mine.reduce((sum, call) => sum + (call.durationMs ?? 0), 0);
    return { ackMs, replyMs, fakeMs, membraneCalls: mine.length };
  }

  // Cold: a tenant's very first command (connection ensure + catalog + run).
  const cold = await command('list leads status=New', 'TCOLD');
  console.log(`cold first command: ${cold.membraneCalls} Membrane calls, reply ${fmt(cold.replyMs)}`);

  const results: string[] = [];
  for (const round of ROUNDS) {
    const team = `TBENCH${round.concurrency}`;
    // One unmeasured burst of the same size warms the tenant and opens the sockets, as Slack's
    // connection pool would be; the first burst otherwise measures TCP setup, not the bot.
    await Promise.all(Array.from({ length: round.concurrency }, () => command('list leads status=New', team)));
    const samples: Awaited<ReturnType<typeof command>>[] = [];
    const callsBefore = membrane.calls.length;
    const cpuBefore = cpuMs(child.pid!);
    const started = performance.now();
    for (let burst = 0; burst < round.bursts; burst++) {
      samples.push(...(await Promise.all(Array.from({ length: round.concurrency }, () => command('list leads status=New', team)))));
    }
    const seconds = (performance.now() - started) / 1000;
    const botCpuPerCommand = (cpuMs(child.pid!) - cpuBefore) / samples.length;
    const roundCalls = membrane.calls.slice(callsBefore).filter((call) => call.tenant === team);
    const fakeMsPerCommand = roundCalls.reduce((sum, call) => sum + (call.durationMs ?? 0), 0) / samples.length;
    const acks = samples.map((s) => s.ackMs);
    const replies = samples.map((s) => s.replyMs);
    const overheadP50 = percentile(replies, 50) - fakeMsPerCommand;
    results.push(
      `| ${round.concurrency} | ${samples.length} | ${fmt(percentile(acks, 50))} | ${fmt(percentile(acks, 99))} | ${fmt(percentile(replies, 50))} | ${fmt(percentile(replies, 99))} | ${fmt(overheadP50)} | ${fmt(botCpuPerCommand)} | ${(samples.length / seconds).toFixed(0)} | ${(roundCalls.length / samples.length).toFixed(2)} |`,
    );
  }
  const rss = peakRssMb(child.pid!);
  const rssNow = rssMb(child.pid!);

  console.log('\n| burst size | commands | ack p50 | ack p99 | reply p50 | reply p99 | bot overhead p50 | bot CPU/command | commands/s | Membrane calls/command (warm) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const line of results) console.log(line);
  console.log(`\ncold command: ${cold.membraneCalls} Membrane calls; warm: see table`);
  console.log(`bot RSS: ${rssAtStart.toFixed(0)} MB after start, ${rssNow.toFixed(0)} MB at the end, ${rss.toFixed(0)} MB peak`);
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
