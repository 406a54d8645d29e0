/**
 * `npm run eval`: the labelled request set (eval/requests.ts) against the real bot, started in this
 * process as the end-to-end tests start it (test/support/harness.ts: startApp against the fake
 * Slack and the fake Membrane with its in-memory EspoCRM, seeded by eval/data.ts, at a fixed now).
 * Each request is a DM from Jane, in a thread of its own; her reply is read from the fake Slack's
 * chat.postMessage and judged against the request's predicate over the fake EspoCRM's data
 * (eval/judge.ts). Without a model first; then, when OPENAI_API_KEY is set, again with that model
 * (OPENAI_BASE_URL, OPENAI_MODEL), with tokens and latency per request.
 *
 * Exit code 1 when any request answered with no model call is wrong. The share answered correctly
 * with no model call is printed against the issue's 70% target; it does not fail the run.
 */
import type { SlackCall } from '../fakes/slack/server.js';
import { startHarness, type Harness } from '../test/support/harness.js';
import { NOW, REP_EMAIL, TIME_ZONE, seedEvalData } from './data.js';
import { judge, readAnswer, type EvalContext, type Outcome, type Verdict } from './judge.js';
import { checkSet, REQUESTS, type EvalRequest } from './requests.js';

const TEAM = 'T1';
const REP = 'U1';
const DM = 'DEVAL';
const TARGET_SHARE = 0.7;
/** A model may take its time (a local one on a CPU); the bot's own deadline ends it sooner. */
const REPLY_TIMEOUT_MS = 120_000;

interface Result {
  request: EvalRequest;
  route: string;
  modelCalls: number;
  promptTokens: number;
  completionTokens: number;
  verdict: Verdict;
  ms: number;
}

interface ModelSettings {
  apiKey: string;
  baseUrl?: string;
  model?: string;
}

const print = (line = '') => process.stdout.write(`${line}\n`);

/** Boots the bot and its fakes at the evaluation's `now`, with Jane's EspoCRM connected and seeded. */
async function bootBot(model: ModelSettings | undefined): Promise<Harness> {
  const env: Record<string, string> = { LOG_LEVEL: 'info' };
  if (model) {
    env.OPENAI_API_KEY = model.apiKey;
    if (model.baseUrl) env.OPENAI_BASE_URL = model.baseUrl;
    if (model.model) env.OPENAI_MODEL = model.model;
    if (process.env.OPENAI_TIMEOUT_MS) env.OPENAI_TIMEOUT_MS = process.env.OPENAI_TIMEOUT_MS;
  }
  const harness = await startHarness({ now: () => NOW, env });
  harness.slack.emails.set(REP, REP_EMAIL);
  harness.slack.timeZones.set(REP, TIME_ZONE);
  seedEvalData(harness.membrane.tenant(TEAM).espo, NOW);
  await harness.command('connect', { team: TEAM, user: REP });
  return harness;
}

function contextOf(harness: Harness): EvalContext {
  const users = harness.membrane.tenant(TEAM).espo.all('User');
  const user = (firstName: string) => {
    const found = users.find((u) => u.firstName === firstName);
    if (!found) throw new Error(`no EspoCRM user ${firstName}`);
    return String(found.id);
  };
  return { now: NOW, timeZone: TIME_ZONE, me: user('Jane'), user };
}

let sequence = 0;

/** Sends one DM in a new thread; returns the bot's reply, its "request handled" log line and the time taken. */
async function ask(harness: Harness, text: string) {
  const threadTs = `${1_900_000_000 + ++sequence}.000200`;
  const isAnswer = (call: SlackCall) =>
    (call.method === 'chat.postMessage' || call.method === 'chat.postEphemeral') &&
    call.body.channel === DM &&
    call.body.thread_ts === threadTs;
  const handled = () =>
    harness.logs.filter(
      // A DM in a thread is logged as an assistant thread's message.
      (line) => line.msg === 'request handled' && (line.kind === 'dm' || line.kind === 'assistant'),
    );
  const handledBefore = handled().length;
  const started = performance.now();
  const sent = await harness.sendEvent(
    {
      type: 'message',
      channel_type: 'im',
      user: REP,
      team: TEAM,
      channel: DM,
      ts: `${1_900_000_000 + ++sequence}.000100`,
      thread_ts: threadTs,
      text: text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    },
    { team: TEAM },
  );
  if (sent.status !== 200) throw new Error(`"${text}" was not acknowledged: ${sent.status}`);
  const [reply] = await harness.slack.waitForCalls(isAnswer, 1, REPLY_TIMEOUT_MS);
  const ms = performance.now() - started;
  // The log line is written before the reply is sent; allow the logger a moment all the same.
  for (let waited = 0; handled().length === handledBefore && waited < 1000; waited += 10)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return { reply: reply!, log: handled()[handledBefore], ms };
}

async function runSet(model: ModelSettings | undefined): Promise<Result[]> {
  const harness = await bootBot(model);
  try {
    const ctx = contextOf(harness);
    const crm = harness.membrane.tenant(TEAM).espo;
    checkSet(REQUESTS, (entity) => crm.all(entity), ctx);
    const results: Result[] = [];
    for (const request of REQUESTS) {
      const { reply, log, ms } = await ask(harness, request.text);
      const kind = log?.outcome === undefined ? undefined : String(log.outcome);
      const answer = readAnswer(reply.body as { text?: string; blocks?: unknown[] }, kind);
      const { expect } = request;
      const verdict = judge(expect, answer, (entity) => crm.all(entity), ctx);
      const modelCalls = Number(log?.modelCalls ?? 0);
      results.push({
        request,
        route: String(log?.route ?? kind ?? '?'),
        modelCalls,
        promptTokens: Number(log?.promptTokens ?? 0),
        completionTokens: Number(log?.completionTokens ?? 0),
        // A model request the model answered with data cannot be checked against a predicate.
        verdict:
          expect.kind === 'model' && modelCalls > 0 && verdict.outcome === 'wrong'
            ? { outcome: 'unjudged', detail: `the model answered (${answer.type})` }
            : verdict,
        ms,
      });
    }
    return results;
  } finally {
    await harness.close();
  }
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(0)}%` : '–');

function report(title: string, results: Result[], withModel: boolean): { wrongWithoutModel: number } {
  print(`\n## ${title}\n`);
  print(
    withModel
      ? '| # | request | expects | route | model calls | tokens (prompt/completion) | outcome | ms |'
      : '| # | request | expects | route | model calls | outcome | ms |',
  );
  print(withModel ? '|---|---|---|---|---|---|---|---|' : '|---|---|---|---|---|---|---|');
  results.forEach((r, i) => {
    const outcome = `${r.verdict.outcome}${r.verdict.detail ? `: ${r.verdict.detail}` : ''}`;
    const tokens = withModel ? ` ${r.modelCalls ? `${r.promptTokens}/${r.completionTokens}` : '–'} |` : '';
    print(
      `| ${i + 1} | ${cell(r.request.text)} | ${r.request.expect.kind} | ${r.route} | ${r.modelCalls} |${tokens} ${cell(outcome)} | ${r.ms.toFixed(0)} |`,
    );
  });

  const count = (outcome: Outcome, model?: boolean) =>
    results.filter((r) => r.verdict.outcome === outcome && (model === undefined || model === r.modelCalls > 0)).length;
  const total = results.length;
  const correctWithoutModel = count('correct', false);
  const wrongWithoutModel = count('wrong', false);
  const share = correctWithoutModel / total;
  print(`\n| figure | value |`);
  print('|---|---|');
  print(
    `| answered correctly with no model call | ${correctWithoutModel} of ${total} (${pct(correctWithoutModel, total)}; target ≥ ${TARGET_SHARE * 100}%: ${share >= TARGET_SHARE ? 'met' : 'not met'}) |`,
  );
  print(`| answered WRONGLY with no model call (must be 0) | ${wrongWithoutModel} |`);
  if (withModel) {
    const modelled = results.filter((r) => r.modelCalls > 0);
    const tokens = (pick: (r: Result) => number) => modelled.reduce((sum, r) => sum + pick(r), 0);
    const sorted = modelled.map((r) => r.ms).sort((a, b) => a - b);
    const p = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    print(`| answered correctly through the model | ${count('correct', true)} of ${modelled.length} sent to it |`);
    print(`| answered wrongly through the model | ${count('wrong', true)} |`);
    print(`| model answers that cannot be judged (writes, vague requests) | ${count('unjudged')} |`);
    print(
      `| model tokens: prompt, completion (sum; mean per request sent) | ${tokens((r) => r.promptTokens)}, ${tokens((r) => r.completionTokens)}; ${(tokens((r) => r.promptTokens) / (modelled.length || 1)).toFixed(0)}, ${(tokens((r) => r.completionTokens) / (modelled.length || 1)).toFixed(0)} |`,
    );
    print(`| model reply latency p50, p90 | ${p(0.5).toFixed(0)} ms, ${p(0.9).toFixed(0)} ms |`);
  }
  print(`| handed over (to the model, or "say it another way") | ${count('handed over')} |`);
  print(`| errors | ${count('error')} |`);
  const fast = results.filter((r) => r.modelCalls === 0).map((r) => r.ms);
  print(
    `| reply time with no model call, mean | ${(fast.reduce((a, b) => a + b, 0) / (fast.length || 1)).toFixed(0)} ms |`,
  );
  reportThemes(results);
  return { wrongWithoutModel };
}

/** The outcomes by theme (deals, counts, typos…): where the bot is strong and where it hands over. */
function reportThemes(results: Result[]): void {
  print(
    '\n| theme | requests | correct, no model | correct, model | wrong, no model | wrong, model | handed over | other |',
  );
  print('|---|---|---|---|---|---|---|---|');
  for (const tag of [...new Set(results.map((r) => r.request.tag))]) {
    const of = results.filter((r) => r.request.tag === tag);
    const n = (outcome: Outcome, model: boolean) =>
      of.filter((r) => r.verdict.outcome === outcome && model === r.modelCalls > 0).length;
    const handed = of.filter((r) => r.verdict.outcome === 'handed over').length;
    const other = of.length - n('correct', false) - n('correct', true) - n('wrong', false) - n('wrong', true) - handed;
    print(
      `| ${tag} | ${of.length} | ${n('correct', false)} | ${n('correct', true)} | ${n('wrong', false)} | ${n('wrong', true)} | ${handed} | ${other} |`,
    );
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  print(`# Evaluation: ${REQUESTS.length} requests, now = ${NOW.toISOString()} (${TIME_ZONE})`);
  const runs: { title: string; model?: ModelSettings }[] = [{ title: 'Without a model' }];
  if (process.env.OPENAI_API_KEY)
    runs.push({
      title: `With the model ${process.env.OPENAI_MODEL ?? '(the default)'}${process.env.OPENAI_BASE_URL ? ` at ${process.env.OPENAI_BASE_URL}` : ''}`,
      model: {
        apiKey: process.env.OPENAI_API_KEY,
        baseUrl: process.env.OPENAI_BASE_URL,
        model: process.env.OPENAI_MODEL,
      },
    });
  const failures: string[] = [];
  for (const run of runs) {
    const { wrongWithoutModel } = report(run.title, await runSet(run.model), Boolean(run.model));
    if (wrongWithoutModel) failures.push(`${wrongWithoutModel} ${run.title.toLowerCase()}`);
  }
  print(`\n${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (failures.length) {
    print(`FAILED: answers given wrongly with no model call: ${failures.join('; ')}.`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `the evaluation could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
