/**
 * The reports part of `npm run bench` (BENCH_ONLY=reports runs it alone): `/espo pipeline` over
 * 1,000 and 10,000 open deals.
 *
 * Setup (not measured): one workspace per size connects, and that many open deals are seeded in its
 * fake EspoCRM (on top of the demo data), in several currencies' worth of one (USD).
 *
 * Measured: a signed `/espo pipeline` → its reply at the fake Slack's response_url (the bot reads
 * every open deal, page after page of EspoCRM's REST list through the fake Membrane proxy, and
 * adds them up); the fakes' own handling of those proxy calls; the same command again (the answer
 * cached for a minute); and the bot's peak RSS while it answers (its peak is reset before each
 * size where Linux allows it, /proc/<pid>/clear_refs).
 */
import { writeFileSync } from 'node:fs';
import type { FakeMembrane } from '../fakes/membrane/server.js';
import type { FakeSlack } from '../fakes/slack/server.js';
import { postSigned } from '../fakes/slack/signing.js';
import { peakRssMb, rssMb } from './bot-process.js';
import { fmt } from './stats.js';

const SIZES = [1_000, 10_000];
const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'];
/** The target: the pipeline of 10,000 deals answered within this. */
const TARGET_MS = 3_000;

export interface ReportsBenchOptions {
  endpoint: string;
  signingSecret: string;
  slack: FakeSlack;
  membrane: FakeMembrane;
  pid: number;
}

export async function runReports(options: ReportsBenchOptions): Promise<{ lines: string[]; passed: boolean }> {
  const { endpoint, signingSecret, slack, membrane, pid } = options;
  let sequence = 0;

  async function command(team: string, text: string): Promise<{ ms: number; text: string }> {
    const id = `reports-${++sequence}`;
    const sent = performance.now();
    const ack = await postSigned(endpoint, signingSecret, {
      command: '/espo',
      text,
      team_id: team,
      team_domain: 'bench',
      user_id: 'UREPORTS',
      user_name: 'bench',
      channel_id: 'CREPORTS',
      channel_name: 'reports',
      response_url: slack.responseUrl(id),
      trigger_id: `t-${id}`,
      api_app_id: 'A1',
    });
    if (ack.status !== 200) throw new Error(`command ack ${ack.status}`);
    const [reply] = await slack.waitForResponses(id, 1, 60_000);
    return { ms: performance.now() - sent, text: JSON.stringify(reply!.body) };
  }

  const lines = [
    '\nReports: /espo pipeline over N open deals, read through the fake Membrane proxy',
    '| open deals | deals read | reply (first) | fakes\u2019 time | bot time | proxy calls | reply (cached) | bot RSS before | bot peak RSS |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  let passed = true;
  for (const size of SIZES) {
    const team = `TREPORTS${size}`;
    await command(team, 'connect');
    const espo = membrane.tenant(team).espo;
    const today = new Date().toISOString().slice(0, 10);
    // The demo data's own open deals count too: `size` open deals in all.
    const demoOpen = espo.all('Opportunity').filter((deal) => !String(deal.stage).startsWith('Closed')).length;
    espo.seed(
      'Opportunity',
      Array.from({ length: size - demoOpen }, (_, i) => ({
        name: `Bench deal ${i}`,
        amount: 1_000 + ((i * 37) % 90_000),
        amountCurrency: 'USD',
        stage: STAGES[i % STAGES.length],
        closeDate: today,
      })),
    );
    const open = espo.all('Opportunity').filter((deal) => !String(deal.stage).startsWith('Closed')).length;
    try {
      // Resets the peak RSS (VmHWM) to the current RSS, so the peak is this size's.
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // Not Linux, or not allowed: the peak is the process's since it started.
    }
    const rssBefore = rssMb(pid);
    const callsBefore = membrane.calls.length;
    const first = await command(team, 'pipeline');
    const calls = membrane.calls.slice(callsBefore).filter((call) => call.tenant === team);
    const proxyCalls = calls.filter((call) => call.path.includes('/proxy/'));
    const fakeMs = calls.reduce((sum, call) => sum + (call.durationMs ?? 0), 0);
    const peak = peakRssMb(pid);
    const cached = await command(team, 'pipeline');
    if (!first.text.includes(`${open.toLocaleString('en-US')} opportunities`))
      throw new Error(`the pipeline of ${team} did not count ${open} deals: ${first.text.slice(0, 300)}`);
    if (size === 10_000 && first.ms > TARGET_MS) passed = false;
    // A report reads at most 10,000 records (core/reports/service.ts), and says so in its reply.
    const read = /Based on the first ([\d,]+) of/.exec(first.text)?.[1] ?? open.toLocaleString('en-US');
    lines.push(
      `| ${open.toLocaleString('en-US')} | ${read} | ${fmt(first.ms)} | ${fmt(fakeMs)} | ${fmt(first.ms - fakeMs)} | ${proxyCalls.length} | ${fmt(cached.ms)} | ${rssBefore.toFixed(0)} MB | ${peak.toFixed(0)} MB |`,
    );
  }
  lines.push(`target: 10,000 deals answered in < ${fmt(TARGET_MS)}: ${passed ? 'met' : 'MISSED'}`);
  return { lines, passed };
}
