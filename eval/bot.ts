/**
 * The bot the evaluation talks to: the real app, started in this process as the end-to-end tests
 * start it (test/support/harness.ts: startApp against the fake Slack and the fake Membrane with its
 * in-memory EspoCRM), at the evaluation's fixed `now`, with Jane's EspoCRM connected and seeded
 * (eval/data.ts). `ask` sends a DM as Slack does and reads what the reply answered.
 */
import type { EspoRecord } from '../fakes/espocrm/model.js';
import type { SlackCall } from '../fakes/slack/server.js';
import { startHarness, type Harness } from '../test/support/harness.js';
import { NOW, REP_EMAIL, TIME_ZONE, seedEvalData } from './data.js';
import { readAnswer, type Answer, type EvalContext, type SlackMessage } from './judge.js';

const TEAM = 'T1';
const REP = 'U1';
const DM = 'DEVAL';
/** A model may take its time (a local one on a CPU); the bot's own deadline ends it sooner. */
const REPLY_TIMEOUT_MS = 120_000;

export interface ModelSettings {
  apiKey: string;
  baseUrl?: string;
  model?: string;
}

export interface Asked {
  answer: Answer;
  reply: SlackCall;
  /** The bot's "request handled" log line: reply kind (`outcome`), route, model calls, tokens. */
  log: Record<string, unknown> | undefined;
  ms: number;
}

export interface EvalBot {
  harness: Harness;
  ctx: EvalContext;
  /** The fake EspoCRM's records of an entity, as they are now. */
  recordsOf(entity: string): EspoRecord[];
  /** Sends one DM from Jane in a new thread and reads the bot's reply to it. */
  ask(text: string): Promise<Asked>;
  close(): Promise<void>;
}

export async function startEvalBot(model?: ModelSettings): Promise<EvalBot> {
  const env: Record<string, string> = { LOG_LEVEL: 'info' };
  if (model) {
    env.OPENAI_API_KEY = model.apiKey;
    if (model.baseUrl) env.OPENAI_BASE_URL = model.baseUrl;
    if (model.model) env.OPENAI_MODEL = model.model;
    if (process.env.OPENAI_TIMEOUT_MS) env.OPENAI_TIMEOUT_MS = process.env.OPENAI_TIMEOUT_MS;
  }
  const harness = await startHarness({ now: () => NOW, env });
  try {
    harness.slack.emails.set(REP, REP_EMAIL);
    harness.slack.timeZones.set(REP, TIME_ZONE);
    const crm = harness.membrane.tenant(TEAM).espo;
    seedEvalData(crm, NOW);
    await harness.command('connect', { team: TEAM, user: REP });
    const users = crm.all('User');
    const user = (firstName: string) => {
      const found = users.find((u) => u.firstName === firstName);
      if (!found) throw new Error(`no EspoCRM user ${firstName}`);
      return String(found.id);
    };
    return {
      harness,
      ctx: { now: NOW, timeZone: TIME_ZONE, me: user('Jane'), user },
      recordsOf: (entity) => crm.all(entity),
      ask: (text) => ask(harness, text),
      close: () => harness.close(),
    };
  } catch (error) {
    await harness.close();
    throw error;
  }
}

let sequence = 0;

async function ask(harness: Harness, text: string): Promise<Asked> {
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
  const log = handled()[handledBefore];
  const kind = log?.outcome === undefined ? undefined : String(log.outcome);
  return { answer: readAnswer(reply!.body as SlackMessage, kind), reply: reply!, log, ms };
}
