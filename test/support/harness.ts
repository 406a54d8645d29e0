import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startFakeMembrane, type FakeMembrane } from '../../fakes/membrane/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import {
  startFakeSlack,
  type FakeGrant,
  type FakeSlack,
  type ResponsePost,
  type SlackCall,
} from '../../fakes/slack/server.js';
import { eventCallback, postSigned, postSignedJson, type SignedPost } from '../../fakes/slack/signing.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const WORKSPACE_KEY = 'ws-key';
export const WORKSPACE_SECRET = 'ws-secret-0123456789';
export const SITE_URL = 'https://crm.example.com';
export const OPENAI_KEY = 'sk-test-openai-key-0123456789';
/** The Slack app's OAuth client, in OAuth mode (`oauth: true`). */
export const CLIENT_ID = '1111.2222';
export const CLIENT_SECRET = 'test-client-secret-0123456789';
export const STATE_SECRET = 'test-state-secret-0123456789abcdef';
/** The bot's user id, as the fake Slack's auth.test reports it. */
export const BOT_USER = 'UBOT';

export interface Who {
  user?: string;
  team?: string;
  channel?: string;
}

/**
 * Boots the real app in HTTP mode on a loopback port, wired by ordinary configuration to a fake
 * Slack and a fake Membrane (with its in-memory EspoCRM), and talks to it exactly as Slack does.
 */
export interface Harness {
  app: RunningApp;
  slack: FakeSlack;
  membrane: FakeMembrane;
  /** The fake model; present when the harness was started with `openai: true`. */
  openai?: FakeOpenAI;
  logs: Record<string, unknown>[];
  /**
   * Sends `/espo <text>` and returns the ack and the reply posted to its response_url. Like Slack,
   * it sends `&`, `<` and `>` in the text HTML-escaped.
   */
  command(
    text: string,
    options?: { user?: string; team?: string; channel?: string },
  ): Promise<{ ack: SignedPost; reply: ResponsePost['body']; responseId: string }>;
  /** Clicks a button from a reply, as block_actions, and returns what was posted back. */
  click(
    button: { action_id: string; value?: string },
    options?: { user?: string; team?: string; channel?: string; responseId?: string; expectReplies?: number },
  ): Promise<{ ack: SignedPost; replies: ResponsePost['body'][] }>;
  post(form: Record<string, string>, options?: Parameters<typeof postSigned>[3]): Promise<SignedPost>;
  /** POSTs an Events API JSON body, signed. */
  postEvent(body: unknown, headers?: Record<string, string>): Promise<SignedPost>;
  /** Wraps an event in Slack's event_callback envelope (a fresh event_id unless given) and posts it. */
  sendEvent(
    event: Record<string, unknown>,
    options?: { team?: string; eventId?: string; headers?: Record<string, string> },
  ): Promise<SignedPost & { eventId: string }>;
  /**
   * Says something to the bot in a conversation and returns the bot's messages in answer (posted
   * or ephemeral). `@mention` in a channel thread, a DM, or a message in an assistant thread.
   */
  say(
    surface: 'mention' | 'dm' | 'assistant',
    text: string,
    options?: Who & { threadTs?: string; expectMessages?: number },
  ): Promise<{ messages: SlackCall[]; threadTs?: string }>;
  /**
   * OAuth mode: installs the app the way a browser does: GET /slack/install (to Slack's consent
   * page, with the state cookie), then Slack's redirect back to /slack/oauth_redirect with a code
   * the fake Slack exchanges for `grant`. Returns the callback's answer.
   */
  install(grant: FakeGrant): Promise<{ status: number; body: string }>;
  /** Stops the app and starts a new process-equivalent on the same database (a deploy or crash). */
  restart(): Promise<void>;
  /**
   * Starts another instance of the app beside `app`: same configuration, database and fakes (as
   * two replicas behind a load balancer). Stopped by `close`.
   */
  startInstance(): Promise<RunningApp>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /**
   * Start a fake OpenAI-compatible model and configure the bot to use it; `ollama`: the fake behaves as Ollama's
   * endpoint (fakes/openai/ollama.ts) and serves test-model, llama3.1:8b and qwen2.5:7b.
   */
  openai?: boolean | 'ollama';
  /**
   * Multi-workspace mode: SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET instead of
   * SLACK_BOT_TOKEN. No workspace is installed at start (see `install`).
   */
  oauth?: boolean;
  /**
   * The clock of the app and of the fake EspoCRM (its demo data is dated relative to it when the
   * workspace first connects). Default: the system clock.
   */
  now?: () => Date;
  /**
   * Alerts by webhook: the app listens on a port chosen here, and PUBLIC_URL is its own address,
   * so the fake EspoCRM's webhooks reach it (as a public HTTPS address would in production).
   */
  publicUrl?: boolean;
}

let counter = 0;

/** A free loopback port, so PUBLIC_URL can name the app's address before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The environment that points the app at the fakes: what `startHarness` configures in-process, and
 * what a test gives an app it starts as a process of its own (`spawnApp`).
 */
export function appEnv(
  parts: {
    slack: FakeSlack;
    membrane: FakeMembrane;
    openai?: FakeOpenAI;
    databaseUrl: string;
    port: number;
    publicUrl?: boolean | string;
    oauth?: boolean;
  },
  overrides: Record<string, string> = {},
): Record<string, string> {
  const { slack, membrane, openai, port } = parts;
  const publicUrl = parts.publicUrl === true ? `http://127.0.0.1:${port}` : parts.publicUrl || undefined;
  return {
    ...(parts.oauth
      ? { SLACK_CLIENT_ID: CLIENT_ID, SLACK_CLIENT_SECRET: CLIENT_SECRET, SLACK_STATE_SECRET: STATE_SECRET }
      : { SLACK_BOT_TOKEN: 'xoxb-test-token' }),
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    ...(publicUrl ? { PUBLIC_URL: publicUrl } : {}),
    HOST: '127.0.0.1',
    MEMBRANE_WORKSPACE_KEY: WORKSPACE_KEY,
    MEMBRANE_WORKSPACE_SECRET: WORKSPACE_SECRET,
    MEMBRANE_API_URI: membrane.url,
    MEMBRANE_TIMEOUT_MS: '2000',
    ESPOCRM_URL: SITE_URL,
    DATABASE_URL: parts.databaseUrl,
    LOG_LEVEL: 'info',
    ...(openai
      ? {
          OPENAI_API_KEY: OPENAI_KEY,
          OPENAI_BASE_URL: openai.url,
          OPENAI_MODEL: 'test-model',
          OPENAI_TIMEOUT_MS: '1000',
        }
      : {}),
    ...overrides,
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const slack = await startFakeSlack(options.oauth ? { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } : {});
  // Every EspoCRM has a site URL (its installer sets one); each tenant's is the one ESPOCRM_URL names.
  const membrane = await startFakeMembrane({
    workspaceKey: WORKSPACE_KEY,
    workspaceSecret: WORKSPACE_SECRET,
    siteUrlOf: () => SITE_URL,
    ...(options.now ? { now: options.now } : {}),
  });
  const openai =
    options.openai === 'ollama'
      ? await startFakeOpenAI({ flavor: 'ollama', models: ['test-model:latest', 'llama3.1:8b', 'qwen2.5:7b'] })
      : options.openai
        ? await startFakeOpenAI({ apiKey: OPENAI_KEY })
        : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'espo-slack-'));
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      callback();
    },
  });
  const port = options.publicUrl ? await freePort() : 0;
  const config = loadConfig(
    appEnv(
      {
        slack,
        membrane,
        openai,
        databaseUrl: `sqlite:${join(dir, 'test.db')}`,
        port,
        publicUrl: options.publicUrl,
        oauth: options.oauth,
      },
      options.env,
    ),
  );
  const logger = createLogger('info', sink);
  const clock = options.now ? { now: options.now } : undefined;
  const instances: RunningApp[] = [];
  let app = await startApp(config, { logger, clock });
  const endpoint = () => `${app.url}/slack/events`;

  // What Slack sends may start the bot's own check of a new connection (the doctor), in the
  // background: each exchange returns once it is done, so no test sees its calls mid-way.
  const settled =
    <A extends unknown[], R>(send: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await send(...args);
      await app.doctor.idle();
      return result;
    };
  const unsettled = slackClientFor(endpoint, slack);
  const client: SlackClient = {
    post: settled(unsettled.post),
    postEvent: settled(unsettled.postEvent),
    sendEvent: settled(unsettled.sendEvent),
    say: settled(unsettled.say),
    command: settled(unsettled.command),
    click: settled(unsettled.click),
  };

  return {
    get app() {
      return app;
    },
    slack,
    membrane,
    openai,
    logs,
    ...client,
    async install(grant) {
      const code = `code-${++counter}`;
      slack.grants.set(code, grant);
      const start = await fetch(`${app.url}/slack/install`, { redirect: 'manual' });
      const location = start.headers.get('location');
      const cookie = start.headers.get('set-cookie');
      if (start.status !== 302 || !location || !cookie)
        throw new Error(`/slack/install did not redirect to Slack: ${start.status}`);
      const state = new URL(location).searchParams.get('state') ?? '';
      const callback = await fetch(
        `${app.url}/slack/oauth_redirect?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`,
        {
          headers: { cookie: cookie.split(';')[0]! },
          redirect: 'manual',
        },
      );
      return { status: callback.status, body: await callback.text() };
    },
    async restart() {
      await app.stop();
      app = await startApp(config, { logger, clock });
    },
    async startInstance() {
      const instance = await startApp(config, { logger, clock });
      instances.push(instance);
      return instance;
    },
    async close() {
      for (const instance of instances) await instance.stop();
      await app.stop();
      await membrane.close();
      await slack.close();
      await openai?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a test says to the app, signed as Slack signs it: commands, clicks, events, messages. */
export type SlackClient = Pick<Harness, 'post' | 'postEvent' | 'sendEvent' | 'say' | 'command' | 'click'>;

let ts = 1_800_000_000;

/** Talks to the app at `endpoint` (its /slack/events) as Slack does; replies are read from `slack`. */
export function slackClientFor(endpoint: () => string, slack: FakeSlack): SlackClient {
  const post: SlackClient['post'] = (form, postOptions) => postSigned(endpoint(), SIGNING_SECRET, form, postOptions);

  const postEvent: SlackClient['postEvent'] = (body, headers = {}) =>
    postSignedJson(endpoint(), SIGNING_SECRET, body, { headers });

  const sendEvent: SlackClient['sendEvent'] = async (event, eventOptions = {}) => {
    const team = eventOptions.team ?? 'T1';
    const eventId = eventOptions.eventId ?? `Ev${++counter}`;
    return {
      ...(await postEvent(eventCallback(event, { team, eventId, botUser: BOT_USER }), eventOptions.headers)),
      eventId,
    };
  };

  const say: SlackClient['say'] = async (surface, text, who = {}) => {
    const team = who.team ?? 'T1';
    const user = who.user ?? 'U1';
    const channel = who.channel ?? (surface === 'mention' ? 'C1' : 'D1');
    const messageTs = `${++ts}.000100`;
    const threadTs =
      surface === 'dm' ? who.threadTs : (who.threadTs ?? (surface === 'mention' ? messageTs : `${++ts}.000200`));
    const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const event =
      surface === 'mention'
        ? {
            type: 'app_mention',
            user,
            team,
            channel,
            ts: messageTs,
            text: `<@${BOT_USER}> ${escaped}`,
            ...(who.threadTs ? { thread_ts: who.threadTs } : {}),
          }
        : {
            type: 'message',
            channel_type: 'im',
            user,
            team,
            channel,
            ts: messageTs,
            text: escaped,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          };
    const isAnswer = (call: SlackCall) =>
      (call.method === 'chat.postMessage' || call.method === 'chat.postEphemeral') &&
      call.body.channel === channel &&
      (call.body.thread_ts ?? undefined) === threadTs;
    const before = slack.calls.filter(isAnswer).length;
    const sent = await sendEvent(event, { team });
    if (sent.status !== 200) throw new Error(`event was not acknowledged: ${sent.status} ${sent.body}`);
    const answers = await slack.waitForCalls(isAnswer, before + (who.expectMessages ?? 1));
    return { messages: answers.slice(before), threadTs };
  };

  const command: SlackClient['command'] = async (text, who = {}) => {
    const responseId = `cmd-${++counter}`;
    const ack = await post({
      command: '/espo',
      text: text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
      team_id: who.team ?? 'T1',
      team_domain: 'test',
      user_id: who.user ?? 'U1',
      user_name: 'alice',
      channel_id: who.channel ?? 'C1',
      channel_name: 'sales',
      response_url: slack.responseUrl(responseId),
      trigger_id: `trigger-${counter}`,
      api_app_id: 'A1',
    });
    if (ack.status !== 200) throw new Error(`command was not acknowledged: ${ack.status} ${ack.body}`);
    const [reply] = await slack.waitForResponses(responseId, 1);
    return { ack, reply: reply!.body, responseId };
  };
  const click: SlackClient['click'] = async (button, who = {}) => {
    const responseId = who.responseId ?? `click-${++counter}`;
    const before = slack.responses.filter((r) => r.id === responseId).length;
    const payload = {
      type: 'block_actions',
      team: { id: who.team ?? 'T1', domain: 'test' },
      user: { id: who.user ?? 'U1', username: 'alice', team_id: who.team ?? 'T1' },
      api_app_id: 'A1',
      token: 'legacy',
      container: { type: 'message', message_ts: '1.2', channel_id: who.channel ?? 'C1', is_ephemeral: true },
      trigger_id: `trigger-${counter}`,
      channel: { id: who.channel ?? 'C1', name: 'sales' },
      response_url: slack.responseUrl(responseId),
      actions: [
        { type: 'button', block_id: 'b', action_ts: '1.3', text: { type: 'plain_text', text: 'x' }, ...button },
      ],
    };
    const ack = await post({ payload: JSON.stringify(payload) });
    if (ack.status !== 200) throw new Error(`click was not acknowledged: ${ack.status} ${ack.body}`);
    const replies = await slack.waitForResponses(responseId, before + (who.expectReplies ?? 1));
    return { ack, replies: replies.slice(before).map((r) => r.body) };
  };
  return { post, postEvent, sendEvent, say, command, click };
}

/** All the text of a message (blocks and fallback), for assertions that do not care about layout. */
export function textOf(message: { text?: string; blocks?: unknown[] }): string {
  const parts: string[] = [message.text ?? ''];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') parts.push(value);
        else walk(value);
      }
    }
  };
  walk(message.blocks);
  return parts.join('\n');
}

/** Every button in a message. */
export function buttonsOf(message: {
  blocks?: unknown[];
}): { action_id: string; value?: string; url?: string; text: string }[] {
  const found: { action_id: string; value?: string; url?: string; text: string }[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      if (element.type === 'button') {
        found.push({
          action_id: String(element.action_id),
          value: element.value as string | undefined,
          url: element.url as string | undefined,
          text: String((element.text as { text?: string })?.text ?? ''),
        });
      }
      Object.values(element).forEach(walk);
    }
  };
  walk(message.blocks);
  return found;
}

export function buttonNamed(message: { blocks?: unknown[] }, text: string) {
  const found = buttonsOf(message).find((b) => b.text.includes(text));
  if (!found) throw new Error(`no button "${text}" in ${JSON.stringify(buttonsOf(message).map((b) => b.text))}`);
  return found;
}
