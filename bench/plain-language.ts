/**
 * The plain-language part of `npm run bench`: the 30 requests of bench/plain-language-set.json,
 * one at a time, each as a signed Events API DM `message` in its own assistant thread (or, for a
 * follow-up, in the thread of the request it follows), against the running bot and a fake model
 * that answers each with the tool call scripted for its text. Per request it records the model
 * calls, the prompt tokens (the fake's estimate: ceil(chars / 4) of the JSON of messages + tools),
 * the Membrane calls for the tenant, whether the fast path took it, and the reply latency.
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FakeMembrane } from '../fakes/membrane/server.js';
import { estimateTokens, type ChatRequestRecord, type FakeOpenAI, type ScriptedReply } from '../fakes/openai/server.js';
import type { FakeSlack, SlackCall } from '../fakes/slack/server.js';
import { eventCallback, slackSignature } from '../fakes/slack/signing.js';
import { fmt, percentile } from './stats.js';

interface ScriptedCall {
  tool: string;
  arguments: Record<string, unknown>;
}

interface SetRequest {
  id: string;
  text: string;
  /** The fake model's answer; null when the fast path should take it. */
  model: ScriptedCall | null;
  /** Needs a clarifying question: left out of the "one model call" target. */
  clarifies?: boolean;
  /** Sent in the thread of this earlier request. */
  thread?: string;
}

interface Outcome {
  request: SetRequest;
  text: string;
  modelCalls: number;
  promptTokens: number;
  /** The biggest single prompt of this request, split into its parts (tokens). */
  largest?: { system: number; thread: number; tools: number; toolCount: number; toolNames: string[] };
  membraneCalls: number;
  membraneMethods: string[];
  fast: boolean;
  replyMs: number;
  /** From the bot's "request handled" log line: the reply kind or "error", and the error code. */
  outcome: string;
  problems: string[];
}

export interface PlainLanguageOptions {
  endpoint: string;
  signingSecret: string;
  slack: FakeSlack;
  membrane: FakeMembrane;
  openai: FakeOpenAI;
  /** The bot's stdout (pino JSON lines), read for its "request handled" lines. */
  botLog: Readable;
}

export interface PlainLanguageReport {
  lines: string[];
  passed: boolean;
}

const TEAM = 'TPLAIN';
const USER = 'UPLAIN';
const CHANNEL = 'DPLAIN';
const BOT_USER = 'UBOT';
const SET_URL = new URL('./plain-language-set.json', import.meta.url);
const TARGET_MEDIAN_PROMPT = 2000;

/** The middle value (mean of the two middle ones for an even count). */
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const num = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export function loadSet(): SetRequest[] {
  const { requests } = JSON.parse(readFileSync(SET_URL, 'utf8')) as { requests: SetRequest[] };
  const seen = new Set<string>();
  for (const request of requests) {
    if (seen.has(request.id)) throw new Error(`plain-language set: duplicate id ${request.id}`);
    if (request.thread && !seen.has(request.thread))
      throw new Error(`plain-language set: ${request.id} follows ${request.thread}, which must come before it`);
    seen.add(request.id);
  }
  if (new Set(requests.map((r) => r.text)).size !== requests.length)
    throw new Error('plain-language set: texts must be distinct (the fake model answers by text)');
  return requests;
}

/** Today + N days, UTC, YYYY-MM-DD. */
function dateIn(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The id of the Nth record the bot said it showed, as the model reads it in the thread's turns. */
function shownId(request: ChatRequestRecord, n: number): string | undefined {
  const assistantTurns = request.body.messages
    .filter((m) => m.role === 'assistant')
    .map((m) => (typeof m.content === 'string' ? m.content : ''));
  for (const content of assistantTurns.reverse()) {
    const match = new RegExp(`^${n}\\. \\w+ id=(\\S+)`, 'm').exec(content);
    if (match) return match[1];
  }
  return undefined;
}

/** Replaces {{Entity:Name}}, {{date:+N}} and (given the model request) {{shown:N}}. */
function resolvePlaceholders(text: string, membrane: FakeMembrane, request?: ChatRequestRecord): string {
  return text.replace(/\{\{([^:}]+):([^}]+)\}\}/g, (whole, kind: string, value: string) => {
    if (kind === 'date') return dateIn(Number(value));
    if (kind === 'shown') {
      const id = request && shownId(request, Number(value));
      if (!id) throw new Error(`no record ${value} shown earlier in the thread for ${whole}`);
      return id;
    }
    const record = membrane
      .tenant(TEAM)
      .espo.all(kind)
      .find((r) => (r.name ?? `${String(r.firstName ?? '')} ${String(r.lastName ?? '')}`.trim()) === value);
    if (!record) throw new Error(`no ${kind} named "${value}" in the fake EspoCRM (${whole})`);
    return String(record.id);
  });
}

/** The text of the last user message in a model request: what the person just said. */
function lastUserText(request: ChatRequestRecord): string {
  const last = request.body.messages.findLast((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/** Tokens of one prompt, as the fake counts them, and what they are made of. */
function promptParts(request: ChatRequestRecord) {
  const { messages, tools = [] } = request.body;
  const total = estimateTokens(JSON.stringify({ messages, tools }));
  const system = estimateTokens(JSON.stringify(messages.filter((m) => m.role === 'system')));
  const toolTokens = estimateTokens(JSON.stringify(tools));
  const toolNames = tools.map(
    (tool) => `${tool.type === 'function' ? tool.function.name : tool.type} ${estimateTokens(JSON.stringify(tool))}`,
  );
  return {
    total,
    system,
    tools: toolTokens,
    thread: Math.max(0, total - system - toolTokens),
    toolCount: tools.length,
    toolNames,
  };
}

export async function runPlainLanguage(options: PlainLanguageOptions): Promise<PlainLanguageReport> {
  const { endpoint, signingSecret, slack, membrane, openai } = options;
  const set = loadSet();
  // A rep the bot finds in EspoCRM by Slack email, as a real one is: "my" means theirs, and the
  // tasks they ask for are assigned to them (EspoCRM refuses a task nobody is assigned to).
  slack.emails.set(USER, 'jane.smith@example.com');

  // The fake model answers by the person's words: the scripted call for that text, with its
  // placeholders filled from the fake CRM and from what the prompt shows.
  const byText = new Map<string, SetRequest>();
  /** Problems the fake model noticed while answering the request being measured. */
  let modelProblems: string[] = [];
  openai.reset();
  openai.setResponder((request) => {
    const said = lastUserText(request);
    const scripted = byText.get(said)?.model;
    if (!scripted) {
      modelProblems.push(`no scripted answer for "${said}"`);
      return { content: `(the bench has no scripted answer for "${said}")` };
    }
    // A script naming a tool the bot did not offer would measure the script, not the bot.
    const offered = (request.body.tools ?? []).map((tool) =>
      tool.type === 'function' ? tool.function.name : tool.type,
    );
    if (!offered.includes(scripted.tool))
      modelProblems.push(`scripted tool ${scripted.tool} was not offered (offered: ${offered.join(', ')})`);
    const args = JSON.parse(resolvePlaceholders(JSON.stringify(scripted.arguments), membrane, request)) as Record<
      string,
      unknown
    >;
    return { toolCalls: [{ name: scripted.tool, arguments: args }] } satisfies ScriptedReply;
  });

  // The bot's own account of each request, from its log.
  const handled: Record<string, unknown>[] = [];
  let partial = '';
  const onLog = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"request handled"')) continue;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        // Only this set's tenant: the slash-command rounds' last lines may still be on their way.
        if (entry.team === TEAM) handled.push(entry);
      } catch {
        // not a log line
      }
    }
  };
  options.botLog.on('data', onLog);

  let sequence = 0;
  const tsBase = 1_900_000_000;
  /** Sends one DM message in a thread and waits for the bot's answer there. */
  async function say(text: string, threadTs: string): Promise<{ replyMs: number; reply: SlackCall }> {
    const messageTs = `${tsBase + ++sequence}.000100`;
    const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const body = JSON.stringify(
      eventCallback(
        {
          type: 'message',
          channel_type: 'im',
          user: USER,
          team: TEAM,
          channel: CHANNEL,
          ts: messageTs,
          thread_ts: threadTs,
          text: escaped,
        },
        { team: TEAM, eventId: `EvPlain${sequence}`, botUser: BOT_USER },
      ),
    );
    const isAnswer = (call: SlackCall) =>
      (call.method === 'chat.postMessage' || call.method === 'chat.postEphemeral') &&
      call.body.channel === CHANNEL &&
      call.body.thread_ts === threadTs;
    const before = slack.calls.filter(isAnswer).length;
    const timestamp = Math.floor(Date.now() / 1000);
    const started = performance.now();
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(signingSecret, timestamp, body),
      },
      body,
    });
    await response.text();
    if (response.status !== 200) throw new Error(`event for "${text}" was not acknowledged: ${response.status}`);
    const answers = await slack.waitForCalls(isAnswer, before + 1, 30_000);
    return { replyMs: performance.now() - started, reply: answers[before]! };
  }
  const newThread = () => `${tsBase + ++sequence}.000200`;

  /** Waits (briefly: pino writes asynchronously) for the bot's log line of the Nth request. */
  async function handledLine(count: number): Promise<Record<string, unknown> | undefined> {
    const deadline = Date.now() + 2000;
    while (handled.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return handled[count - 1];
  }

  // Warm-up, unmeasured: the tenant's connection and catalog, the user's profile, the sockets to
  // the model and to Membrane. One fast-path request and one through the model.
  const warmups: SetRequest[] = [
    { id: 'warm-fast', text: 'list deals', model: null },
    {
      id: 'warm-model',
      text: 'show deals over 50k',
      model: {
        tool: 'list-opportunities',
        arguments: { maxSize: 10, where: [{ type: 'greaterThan', attribute: 'amount', value: 50000 }] },
      },
    },
  ];
  for (const warm of warmups) {
    byText.set(warm.text, warm);
    await say(warm.text, newThread());
  }
  await handledLine(warmups.length);

  const threads = new Map<string, string>();
  const outcomes: Outcome[] = [];
  for (const request of set) {
    const text = resolvePlaceholders(request.text, membrane);
    byText.set(text, request);
    const threadTs = request.thread ? threads.get(request.thread)! : newThread();
    threads.set(request.id, threadTs);
    const modelBefore = openai.requests.length;
    modelProblems = [];
    const membraneBefore = membrane.calls.length;
    const { replyMs, reply } = await say(text, threadTs);
    const log = await handledLine(warmups.length + outcomes.length + 1);
    const modelRequests = openai.requests.slice(modelBefore);
    const membraneCalls = membrane.calls.slice(membraneBefore).filter((call) => call.tenant === TEAM);
    const prompts = modelRequests.map(promptParts);
    const largest = prompts.reduce<(typeof prompts)[number] | undefined>(
      (big, p) => (!big || p.total > big.total ? p : big),
      undefined,
    );
    const fast = modelRequests.length === 0;
    const problems: string[] = [...modelProblems];
    if (fast !== (request.model === null))
      problems.push(
        request.model === null ? 'expected the fast path, went to the model' : 'expected the model, took the fast path',
      );
    const outcome = log ? `${String(log.outcome)}${log.code ? ` (${String(log.code)})` : ''}` : 'unknown';
    if (log?.outcome === 'error') problems.push(`error reply: ${String(log.code)}`);
    if (log?.promptTokens !== undefined && Number(log.promptTokens) !== prompts.reduce((sum, p) => sum + p.total, 0))
      problems.push(`bot logged ${String(log.promptTokens)} prompt tokens`);
    if (reply.method !== 'chat.postMessage') problems.push(`answered with ${reply.method}`);
    outcomes.push({
      request,
      text,
      modelCalls: modelRequests.length,
      promptTokens: prompts.reduce((sum, p) => sum + p.total, 0),
      largest: largest && {
        system: largest.system,
        thread: largest.thread,
        tools: largest.tools,
        toolCount: largest.toolCount,
        toolNames: largest.toolNames,
      },
      membraneCalls: membraneCalls.length,
      membraneMethods: membraneCalls.map(
        (call) =>
          `${call.method} ${call.path.replace(/[0-9a-f]{17}/g, '{id}').replace(/\/connections\/[^/]+/, '/connections/{id}')}`,
      ),
      fast,
      replyMs,
      outcome,
      problems,
    });
  }
  options.botLog.off('data', onLog);
  openai.setResponder(undefined);

  return report(outcomes);
}

function report(outcomes: Outcome[]): PlainLanguageReport {
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  out(
    `\nplain language: ${outcomes.length} requests from bench/plain-language-set.json, one at a time, each a DM in its own assistant thread (follow-ups in theirs), fake model\n`,
  );
  const shorten = (text: string) => (text.length > 48 ? `${text.slice(0, 47)}…` : text).replace(/\|/g, '\\|');

  out('| # | request | route | outcome | model calls | prompt tokens | tools offered | Membrane calls | reply |');
  out('|---|---|---|---|---|---|---|---|---|');
  outcomes.forEach((o, index) => {
    const route = o.fast ? 'fast' : o.request.clarifies ? 'model (clarifies)' : 'model';
    const thread = o.request.thread ? ' ↩' : '';
    out(
      `| ${index + 1} | ${shorten(o.text)}${thread} | ${route} | ${o.outcome} | ${o.modelCalls} | ${o.fast ? '–' : o.promptTokens} | ${o.largest?.toolCount ?? '–'} | ${o.membraneCalls} | ${fmt(o.replyMs)} |`,
    );
  });
  out('\n↩ = a follow-up in the thread of an earlier request (its remembered turns are in the prompt).');

  const model = outcomes.filter((o) => !o.fast);
  const fast = outcomes.filter((o) => o.fast);
  const plain = outcomes.filter((o) => !o.request.clarifies);
  const maxModelCalls = Math.max(0, ...plain.map((o) => o.modelCalls));
  const meanModelCalls = outcomes.reduce((sum, o) => sum + o.modelCalls, 0) / outcomes.length;
  const tokens = model.map((o) => o.promptTokens);
  const medianTokens = median(tokens);
  const membraneOf = (list: Outcome[]) => list.map((o) => o.membraneCalls);
  const replies = outcomes.map((o) => o.replyMs);

  out(
    '\n| requests | fast path | model calls/request (max without clarification, mean) | prompt tokens (median, max) | Membrane calls/request (median, max) | fast / model Membrane calls (median) | reply p50 | reply p99 | fast / model reply p50 |',
  );
  out('|---|---|---|---|---|---|---|---|---|');
  out(
    `| ${outcomes.length} | ${fast.length} (${((100 * fast.length) / outcomes.length).toFixed(0)}%) | ${maxModelCalls}, ${meanModelCalls.toFixed(2)} | ${num(medianTokens)}, ${Math.max(...tokens)} | ${num(median(membraneOf(outcomes)))}, ${Math.max(...membraneOf(outcomes))} | ${num(median(membraneOf(fast)))} / ${num(median(membraneOf(model)))} | ${fmt(percentile(replies, 50))} | ${fmt(percentile(replies, 99))} | ${fmt(
      percentile(
        fast.map((o) => o.replyMs),
        50,
      ),
    )} / ${fmt(
      percentile(
        model.map((o) => o.replyMs),
        50,
      ),
    )} |`,
  );

  const biggest = model.reduce<Outcome | undefined>(
    (big, o) => (!big || o.promptTokens > big.promptTokens ? o : big),
    undefined,
  );
  if (biggest?.largest) {
    const { system, thread, tools, toolCount, toolNames } = biggest.largest;
    out(
      `\nlargest prompt: "${biggest.text}" ${biggest.promptTokens} tokens (system ${system}, thread + message ${thread}, ${toolCount} tools ${tools})`,
    );
    out(`  its tools (tokens each): ${toolNames.join(', ')}`);
  }
  const smallest = model.reduce<Outcome | undefined>(
    (small, o) => (!small || o.promptTokens < small.promptTokens ? o : small),
    undefined,
  );
  if (smallest?.largest) {
    const { system, thread, tools, toolCount } = smallest.largest;
    out(
      `smallest prompt: "${smallest.text}" ${smallest.promptTokens} tokens (system ${system}, thread + message ${thread}, ${toolCount} tools ${tools})`,
    );
  }
  const calls = new Map<string, number>();
  for (const o of outcomes) for (const method of o.membraneMethods) calls.set(method, (calls.get(method) ?? 0) + 1);
  out(
    `Membrane calls in the set: ${[...calls]
      .sort((a, b) => b[1] - a[1])
      .map(([method, count]) => `${count}× ${method}`)
      .join(', ')}`,
  );

  const oneCall = maxModelCalls <= 1;
  const underBudget = medianTokens < TARGET_MEDIAN_PROMPT;
  out('\n| target | result |');
  out('|---|---|');
  out(
    `| at most one model call for a request that needs no clarification | ${oneCall ? 'PASS' : 'FAIL'}: max ${maxModelCalls} over ${plain.length} requests |`,
  );
  out(
    `| median prompt under ${TARGET_MEDIAN_PROMPT.toLocaleString('en-US')} tokens | ${underBudget ? 'PASS' : 'FAIL'}: median ${num(medianTokens)} over ${model.length} model-path requests |`,
  );

  const problems = outcomes.flatMap((o, index) => o.problems.map((p) => `#${index + 1} "${o.text}": ${p}`));
  if (problems.length) {
    out('\nproblems:');
    for (const problem of problems) out(`- ${problem}`);
  }
  return { lines, passed: oneCall && underBudget && !problems.length };
}
