/**
 * `npm run bench`: builds, then boots the real bot as a child process (`node dist/main.js`, as `npm start`) (HTTP mode, SQLite in a temp dir) against
 * a fake Slack and a fake Membrane started here, then sends bursts of 1, 10 and 50 signed `/espo`
 * commands at the same moment (a warm `list leads status=New`), and prints:
 *   - ack latency p50/p99 (signed POST → HTTP 200),
 *   - reply latency (signed POST → response_url post) and bot overhead = reply latency minus the
 *     fakes' own handling time for that command's Membrane calls,
 *   - commands per second, Membrane calls per command (cold and warm), and the bot's peak RSS.
 * Each round starts with one unmeasured burst (sockets opened, tenant warm). Everything stays on
 * 127.0.0.1; loops are bounded by count.
 *
 * Then, after those rounds (so their numbers are untouched), the plain-language set: 30 requests as
 * signed DM messages in assistant threads, answered by a fake model (bench/plain-language.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeMembrane } from '../test/fakes/membrane/server.js';
import { startFakeOpenAI } from '../test/fakes/openai/server.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { BurstRequest, SentCommand } from './load-generator.js';
import { runPlainLanguage } from './plain-language.js';
import { runAlerts } from './alerts.js';

const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const WORKSPACE = { workspaceKey: 'bench-key', workspaceSecret: 'bench-secret-0123456789' };
const OPENAI_KEY = 'sk-bench-openai-key-0123456789';
/** Bursts of N commands sent at the same moment (a team typing at once), repeated. */
const ROUNDS = [
  { concurrency: 1, bursts: 100 },
  { concurrency: 10, bursts: 30 },
  { concurrency: 50, bursts: 20 },
];

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
  // The fakes and the load generator are the measuring apparatus: on a small machine they should
  // yield the CPU to the bot they measure (threads created from here on inherit this).
  setPriority(10);
  const slack = await startFakeSlack();
  const membrane = await startFakeMembrane(WORKSPACE);
  const openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  const dir = mkdtempSync(join(tmpdir(), 'espo-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      // EspoCRM's webhooks (the alerts part) reach the bot at its own address.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      MEMBRANE_WORKSPACE_KEY: WORKSPACE.workspaceKey,
      MEMBRANE_WORKSPACE_SECRET: WORKSPACE.workspaceSecret,
      MEMBRANE_API_URI: membrane.url,
      ESPOCRM_URL: 'https://crm.example.com',
      DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
      // Production's level: the per-request log line is part of the bot's real cost.
      LOG_LEVEL: 'info',
      // Plain language through the fake model (slash commands never call it).
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: openai.url,
      OPENAI_MODEL: 'bench-model',
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

  // Node 20 will not start a worker from a .ts file, so the worker registers tsx itself first.
  const generatorUrl = new URL('./load-generator.ts', import.meta.url).href;
  const generator = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(generatorUrl)}); });`, {
    eval: true,
    workerData: { signingSecret: SIGNING_SECRET },
  });

  interface Sample {
    ackMs: number;
    replyMs: number;
  }

  /** N signed commands at the same moment (sent from the worker); resolves when all are answered. */
  async function burst(size: number, text: string, team: string): Promise<Sample[]> {
    const responseUrls = Array.from({ length: size }, () => slack.responseUrl(`b${++sequence}`));
    const request: BurstRequest = { endpoint, team, text, responseUrls };
    const sent = await new Promise<SentCommand[]>((resolve) => {
      generator.once('message', resolve);
      generator.postMessage(request);
    });
    return Promise.all(
      sent.map(async (command) => {
        if (command.status !== 200) throw new Error(`ack ${command.status}`);
        const id = decodeURIComponent(command.responseUrl.split('/response/')[1]!);
        const [reply] = await slack.waitForResponses(id, 1, 30_000);
        return { ackMs: command.ackedAt - command.sentAt, replyMs: reply!.at - command.sentAt };
      }),
    );
  }

  // BENCH_ONLY=plain-language or BENCH_ONLY=alerts runs only that part (a quicker run while working on it).
  const only = process.env.BENCH_ONLY;
  if (!only) {
    // Cold: a tenant's very first command (connection ensure + catalog + run).
    const coldCallsBefore = membrane.calls.length;
    const [cold] = await burst(1, 'list leads status=New', 'TCOLD');
    const coldCalls = membrane.calls.length - coldCallsBefore;
    console.log(`cold first command: ${coldCalls} Membrane calls, reply ${fmt(cold!.replyMs)}`);

    const results: string[] = [];
    for (const round of ROUNDS) {
      const team = `TBENCH${round.concurrency}`;
      // One unmeasured burst of the same size warms the tenant and opens the sockets, as Slack's
      // connection pool would be; the first burst otherwise measures TCP setup, not the bot.
      await burst(round.concurrency, 'list leads status=New', team);
      const samples: Sample[] = [];
      const callsBefore = membrane.calls.length;
      const cpuBefore = cpuMs(child.pid!);
      const started = performance.now();
      for (let done = 0; done < round.bursts; done++) {
        samples.push(...(await burst(round.concurrency, 'list leads status=New', team)));
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
    console.log(`\ncold command: ${coldCalls} Membrane calls; warm: see table`);
    console.log(`bot RSS: ${rssAtStart.toFixed(0)} MB after start, ${rssNow.toFixed(0)} MB at the end, ${rss.toFixed(0)} MB peak`);
  }
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);

  // Plain language, after the slash-command rounds and their RSS readings.
  if (!only || only === 'plain-language') {
    const plain = await runPlainLanguage({ endpoint, signingSecret: SIGNING_SECRET, slack, membrane, openai, botLog: child.stdout! });
    for (const line of plain.lines) console.log(line);
  }

  // Alerts: EspoCRM webhook batches of 50 to posted messages (bench/alerts.ts).
  if (!only || only === 'alerts') {
    for (const line of await runAlerts({ endpoint, signingSecret: SIGNING_SECRET, slack, membrane })) console.log(line);
    console.log(`bot RSS after alerts: ${rssMb(child.pid!).toFixed(0)} MB, ${peakRssMb(child.pid!).toFixed(0)} MB peak`);
  }

  await generator.terminate();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await membrane.close();
  await openai.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
