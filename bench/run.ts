/**
 * `npm run bench`: builds, then boots the real bot as a child process (`node dist/main.js`, as `npm start`) (HTTP mode,
 * SQLite in a temp dir) against
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
 * signed DM messages in assistant threads, answered by a fake model (bench/plain-language.ts);
 * EspoCRM webhook batches to posted alerts (bench/alerts.ts); `/espo pipeline` over 1,000 and 10,000
 * open deals (bench/reports.ts); and a soak of two more instances on
 * PostgreSQL at a steady rate (bench/soak.ts).
 *
 * Each bot starts in a new empty directory with only the environment given here (a developer's
 * .env never reaches it), and whatever the bench started is stopped when it ends, fails or is
 * interrupted (bench/teardown.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { setPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeMembrane } from '../fakes/membrane/server.js';
import { startFakeOpenAI } from '../fakes/openai/server.js';
import { startFakeSlack } from '../fakes/slack/server.js';
import type { BurstRequest, SentCommand } from './load-generator.js';
import { runPlainLanguage } from './plain-language.js';
import { runAlerts } from './alerts.js';
import { runReports } from './reports.js';
import { runUnderstanding } from './understanding.js';
import { runCharts } from './charts.js';
import { runSoak } from './soak.js';
import { fmt, percentile } from './stats.js';
import { cpuMs, peakRssMb, rssMb, startBot, startLoadGenerator } from './bot-process.js';
import { onTeardown, runBench } from './teardown.js';

const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const WORKSPACE = { workspaceKey: 'bench-key', workspaceSecret: 'bench-secret-0123456789' };
const OPENAI_KEY = 'sk-bench-openai-key-0123456789';
/** Bursts of N commands sent at the same moment (a team typing at once), repeated. */
const ROUNDS = [
  { concurrency: 1, bursts: 100 },
  { concurrency: 10, bursts: 30 },
  { concurrency: 50, bursts: 20 },
];

async function main() {
  // The fakes and the load generator are the measuring apparatus: on a small machine they should
  // yield the CPU to the bot they measure (threads created from here on inherit this).
  setPriority(10);
  const slack = await startFakeSlack();
  onTeardown(() => slack.close());
  const membrane = await startFakeMembrane(WORKSPACE);
  onTeardown(() => membrane.close());
  const openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  onTeardown(() => openai.close());
  const dir = mkdtempSync(join(tmpdir(), 'espo-bench-'));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  const bot = await startBot({
    // EspoCRM's webhooks (the alerts part) reach the bot at its own address.
    publicUrl: true,
    env: {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      MEMBRANE_WORKSPACE_KEY: WORKSPACE.workspaceKey,
      MEMBRANE_WORKSPACE_SECRET: WORKSPACE.workspaceSecret,
      MEMBRANE_API_URI: membrane.url,
      DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
      // Plain language through the fake model (slash commands never call it).
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: openai.url,
      OPENAI_MODEL: 'bench-model',
    },
  });
  const { child } = bot;
  const { endpoint } = bot;
  const rssAtStart = rssMb(child.pid!);
  let sequence = 0;

  const generator = startLoadGenerator(SIGNING_SECRET);
  onTeardown(() => generator.terminate());

  interface Sample {
    ackMs: number;
    replyMs: number;
  }

  /** Resolves once Membrane has had no call for 300 ms (the check of a new connection has ended). */
  async function quiet(): Promise<void> {
    for (let seen = -1, waited = 0; seen !== membrane.calls.length && waited < 10_000; waited += 300) {
      seen = membrane.calls.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
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

  // BENCH_ONLY=commands, plain-language, understanding, charts, alerts, reports or soak runs only that part (a quicker
  // run while working on it).
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'commands') {
    // Cold: a tenant's very first command (connection ensure + catalog + run). The bot's own check
    // of the new connection runs beside it, as a request of its own: counted apart.
    const coldCallsBefore = membrane.calls.length;
    const [cold] = await burst(1, 'list leads status=New', 'TCOLD');
    await quiet();
    const coldAll = membrane.calls.slice(coldCallsBefore);
    const coldCalls = coldAll.filter((call) => call.requestId === coldAll[0]?.requestId).length;
    console.log(
      `cold first command: ${coldCalls} Membrane calls, reply ${fmt(cold!.replyMs)} (and ${coldAll.length - coldCalls} for the check of the new connection)`,
    );

    const results: string[] = [];
    for (const round of ROUNDS) {
      const team = `TBENCH${round.concurrency}`;
      // One unmeasured burst of the same size warms the tenant and opens the sockets, as Slack's
      // connection pool would be; the first burst otherwise measures TCP setup, not the bot.
      await burst(round.concurrency, 'list leads status=New', team);
      await quiet();
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

    console.log(
      '\n| burst size | commands | ack p50 | ack p99 | reply p50 | reply p99 | bot overhead p50 | bot CPU/command | commands/s | Membrane calls/command (warm) |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const line of results) console.log(line);
    console.log(`\ncold command: ${coldCalls} Membrane calls; warm: see table`);
    console.log(
      `bot RSS: ${rssAtStart.toFixed(0)} MB after start, ${rssNow.toFixed(0)} MB at the end, ${rss.toFixed(0)} MB peak`,
    );
  }
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);

  // Plain language, after the slash-command rounds and their RSS readings.
  if (!only || only === 'plain-language') {
    const plain = await runPlainLanguage({
      endpoint,
      signingSecret: SIGNING_SECRET,
      slack,
      membrane,
      openai,
      botLog: child.stdout!,
    });
    for (const line of plain.lines) console.log(line);
    // A missed target, or a script the bot did not follow, fails the run (after everything is printed).
    if (!plain.passed) process.exitCode = 1;
  }

  // The deterministic layers' cost per message, in process (bench/understanding.ts).
  if (!only || only === 'understanding') for (const line of runUnderstanding()) console.log(line);

  // A report's chart, SVG to PNG, in process (bench/charts.ts).
  if (!only || only === 'charts') for (const line of await runCharts()) console.log(line);

  // Alerts: EspoCRM webhook batches of 50 to posted messages (bench/alerts.ts).
  if (!only || only === 'alerts') {
    for (const line of await runAlerts({ endpoint, signingSecret: SIGNING_SECRET, slack, membrane })) console.log(line);
    console.log(
      `bot RSS after alerts: ${rssMb(child.pid!).toFixed(0)} MB, ${peakRssMb(child.pid!).toFixed(0)} MB peak`,
    );
  }

  // Reports: the pipeline over 1,000 and 10,000 open deals (bench/reports.ts).
  if (!only || only === 'reports') {
    const reports = await runReports({ endpoint, signingSecret: SIGNING_SECRET, slack, membrane, pid: child.pid! });
    for (const line of reports.lines) console.log(line);
    if (!reports.passed) process.exitCode = 1;
  }

  // Soak: two more instances, on PostgreSQL, for SOAK_SECONDS (bench/soak.ts).
  if (!only || only === 'soak') {
    const soak = await runSoak({
      signingSecret: SIGNING_SECRET,
      slack,
      membrane,
      workspace: WORKSPACE,
      seconds: Number(process.env.SOAK_SECONDS ?? 300),
      rate: Number(process.env.SOAK_RATE ?? 20),
    });
    for (const line of soak) console.log(line);
  }

  // The bot, the generator, the fakes and the directory are stopped and removed by the teardown.
}

runBench(main);
