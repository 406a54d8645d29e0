import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageProblems, viewProblems, type BlockContext } from './block-kit.js';
import { FakeFiles, type FakeFile } from './files.js';
import type { SlackWorkspace } from './workspace.js';

/**
 * A fake Slack: the Web API (`POST /api/<method>`, form or JSON, as @slack/web-api sends it) and
 * response_url endpoints (`POST /response/<id>`, as Bolt's respond() sends them). It records
 * every call so tests can assert on exactly what the bot sent.
 */
export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  token?: string;
  /** When it arrived, epoch ms with sub-ms precision (comparable across worker threads). */
  at?: number;
}

export interface ResponsePost {
  id: string;
  /** When it arrived, epoch ms with sub-ms precision (comparable across worker threads). */
  at: number;
  body: Record<string, unknown> & {
    text?: string;
    blocks?: unknown[];
    response_type?: string;
    replace_original?: boolean;
  };
}

/** A bot token the fake knows: auth.test answers with its team and bot user. */
export interface FakeBot {
  team: string;
  userId: string;
  botId: string;
  enterprise?: string;
}

/** What one OAuth code installs, as oauth.v2.access exchanges it. */
export interface FakeGrant {
  team: string;
  teamName?: string;
  botToken: string;
  botUserId: string;
  botId?: string;
  /** The person who installed the app. */
  installer?: string;
  scopes?: string[];
}

/** An answer the fake gives instead of the real one (a 429, a 500, a dropped connection). */
export interface SlackFailure {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  /** How many matching requests get it (default 1). */
  times?: number;
}

export interface FakeSlackOptions {
  /** The Slack app's OAuth client; oauth.v2.access refuses other credentials. */
  clientId?: string;
  clientSecret?: string;
  /**
   * A workspace model (workspace.ts) that answers the calls it models and keeps what they change:
   * conversations, modals, Home tabs, response_url posts. Without one, every call gets a plain `ok`.
   */
  workspace?: SlackWorkspace;
}

export interface FakeSlack {
  url: string;
  apiUrl: string;
  calls: SlackCall[];
  responses: ResponsePost[];
  /** Per-user time zones users.info reports (default America/New_York). */
  timeZones: Map<string, string>;
  /** Users that users.info reports as workspace admins. */
  admins: Set<string>;
  /** Per-user emails users.info reports (none by default, as without users:read.email). */
  emails: Map<string, string>;
  /** Users that users.info reports as guests (is_restricted). */
  guests: Set<string>;
  /** Channels that were deleted or archived: chat.postMessage answers `channel_not_found`. */
  goneChannels: Set<string>;
  /** Bot tokens by value. Any other token is the default workspace's (team T1, bot UBOT). */
  bots: Map<string, FakeBot>;
  /**
   * Tokens Slack refuses, with the error it answers every method with (invalid_auth,
   * token_revoked, account_inactive, ...): set one to revoke a token mid-test.
   */
  refusedTokens: Map<string, string>;
  /** OAuth codes oauth.v2.access accepts, once each; an exchange adds the grant's token to `bots`. */
  grants: Map<string, FakeGrant>;
  /** Files the app uploaded (files.getUploadURLExternal, the upload URL, files.completeUploadExternal), by id, with their bytes. */
  files: Map<string, FakeFile>;
  /** Set to refuse every message with an image block showing a `slack_file` (`invalid_blocks`). */
  refuseSlackFileBlocks: boolean;
  /** How long an upload takes to be processed after it is completed (files.ts `processingMs`). */
  uploadProcessingMs: number;
  /** Payloads refused as Slack refuses them (Block Kit limits): `invalid_blocks`, and not recorded as calls. */
  invalid: { path: string; problems: string[] }[];
  /** Requests answered with an injected failure. */
  failed: { path: string; status?: number }[];
  /** The next requests whose path starts with `pathPrefix` (`/response/`, `/api/chat.postMessage`) get `failure`. */
  failNext(pathPrefix: string, failure: SlackFailure): void;
  responseUrl(id: string): string;
  /** Waits until `count` Web API calls match, and returns them. */
  waitForCalls(match: (call: SlackCall) => boolean, count?: number, timeoutMs?: number): Promise<SlackCall[]>;
  waitForResponses(id: string, count?: number, timeoutMs?: number): Promise<ResponsePost[]>;
  close(): Promise<void>;
}

async function readRaw(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseBody(request: IncomingMessage, bytes: Buffer): Record<string, unknown> {
  const raw = bytes.toString('utf8');
  if (!raw) return {};
  if ((request.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(raw);
  const form = Object.fromEntries(new URLSearchParams(raw));
  // web-api sends blocks and other structures as JSON strings inside the form.
  for (const [key, value] of Object.entries(form)) {
    if (/^[[{]/.test(value)) {
      try {
        (form as Record<string, unknown>)[key] = JSON.parse(value);
      } catch {
        // leave as text
      }
    }
  }
  return form;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const bots = new Map<string, FakeBot>();
  const refusedTokens = new Map<string, string>();
  const grants = new Map<string, FakeGrant>();
  const calls: SlackCall[] = [];
  const responses: ResponsePost[] = [];
  const timeZones = new Map<string, string>();
  const admins = new Set<string>();
  const emails = new Map<string, string>();
  const guests = new Set<string>();
  const goneChannels = new Set<string>();
  const invalid: FakeSlack['invalid'] = [];
  const failed: FakeSlack['failed'] = [];
  const failures: { pathPrefix: string; failure: SlackFailure; remaining: number }[] = [];
  const waiters = new Set<() => void>();
  let ts = 1_700_000_000;
  let serverUrl = '';
  const files = new FakeFiles(() => serverUrl);

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const raw = await readRaw(request).catch(() => Buffer.alloc(0));
    const isUpload = url.pathname.startsWith('/upload/v1/');
    const body = isUpload
      ? {}
      : (() => {
          try {
            return parseBody(request, raw);
          } catch {
            return {};
          }
        })();
    const send = (payload: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      waiters.forEach((wake) => wake());
    };
    const failure = failures.find((rule) => url.pathname.startsWith(rule.pathPrefix));
    if (failure) {
      if (--failure.remaining <= 0) failures.splice(failures.indexOf(failure), 1);
      failed.push({ path: url.pathname, status: failure.failure.status });
      waiters.forEach((wake) => wake());
      if (failure.failure.drop) return void request.socket.destroy();
      const {
        status = 500,
        headers = {},
        body: failureBody = { ok: false, error: 'internal_error' },
      } = failure.failure;
      return void response
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(failureBody));
    }
    if (isUpload) {
      const answer = await files.upload(
        url.pathname.slice('/upload/v1/'.length),
        raw,
        request.headers['content-type'] ?? '',
      );
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
      return void waiters.forEach((wake) => wake());
    }
    const fileMatch = /^\/files\/(F\w+)$/.exec(url.pathname);
    if (fileMatch) {
      // A completed file's bytes at its url_private (the sandbox shows charts from here).
      const file = files.byId.get(fileMatch[1]!);
      if (!file?.completed || !file.bytes) return void response.writeHead(404).end();
      return void response.writeHead(200, { 'content-type': 'image/png' }).end(file.bytes);
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const teamOf = (token: string | undefined) => (token ? (bots.get(token)?.team ?? 'T1') : undefined);
    const callerTeam = teamOf(request.headers.authorization?.replace(/^Bearer /, ''));
    const refs: BlockContext = { slackFileProblem: (file) => files.slackFileProblem(file, callerTeam) };
    const problems = url.pathname.startsWith('/response/')
      ? messageProblems(body, refs)
      : method === 'chat.unfurl'
        ? Object.values((body.unfurls as Record<string, Record<string, unknown>> | undefined) ?? {}).flatMap((unfurl) =>
            messageProblems(unfurl, refs),
          )
        : /^chat\./.test(method)
          ? messageProblems(body, refs)
          : /^views\./.test(method)
            ? viewProblems(body.view as Record<string, unknown> | undefined)
            : [];
    if (problems.length) {
      invalid.push({ path: url.pathname, problems });
      waiters.forEach((wake) => wake());
      if (url.pathname.startsWith('/response/'))
        return void response.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_blocks');
      return send({ ok: false, error: 'invalid_blocks', errors: problems });
    }
    const responseMatch = /^\/response\/(.+)$/.exec(url.pathname);
    if (responseMatch) {
      const id = decodeURIComponent(responseMatch[1]!);
      responses.push({ id, at: performance.timeOrigin + performance.now(), body: body as ResponsePost['body'] });
      if (options.workspace?.knowsResponse(id)) {
        const answer = options.workspace.responsePost(id, body);
        response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
        return void waiters.forEach((wake) => wake());
      }
      return send({ ok: true });
    }
    const auth = request.headers.authorization;
    const token = auth?.replace(/^Bearer /, '');
    calls.push({ method, body, token, at: performance.timeOrigin + performance.now() });
    // Slack answers a missing or refused token with HTTP 200 and ok:false, whatever the method
    // (auth.test's "Error response when omitting a token" and "Standard failure response when used
    // with an invalid token", docs.slack.dev/reference/methods/auth.test; the Web API's common
    // errors token_revoked, account_inactive, ...). oauth.v2.access authenticates with the client.
    if (method !== 'oauth.v2.access') {
      if (!token) return send({ ok: false, error: 'not_authed' });
      const refusal = refusedTokens.get(token);
      if (refusal) return send({ ok: false, error: refusal });
    }
    const modelled = options.workspace?.webApi(method, body);
    if (modelled) return send(modelled);
    switch (method) {
      case 'auth.test': {
        const bot = bots.get(auth?.replace(/^Bearer /, '') ?? '');
        if (!bot)
          return send({
            ok: true,
            url: 'https://test.slack.com/',
            team: 'Test',
            user: 'espo',
            team_id: 'T1',
            user_id: 'UBOT',
            bot_id: 'BBOT',
          });
        return send({
          ok: true,
          url: `https://${bot.team.toLowerCase()}.slack.com/`,
          team: bot.team,
          user: 'espo',
          team_id: bot.team,
          user_id: bot.userId,
          bot_id: bot.botId,
          ...(bot.enterprise ? { enterprise_id: bot.enterprise } : {}),
        });
      }
      case 'apps.connections.open':
        // Socket Mode's first call takes an app-level token (xapp-) only
        // (docs.slack.dev/reference/methods/apps.connections.open); the fake serves no WebSocket.
        if (!token?.startsWith('xapp-')) return send({ ok: false, error: 'not_allowed_token_type' });
        return send({ ok: true, url: `wss://wss-fake.slack.invalid/link/?ticket=${++ts}` });
      case 'oauth.v2.access': {
        if (
          (options.clientId && body.client_id !== options.clientId) ||
          (options.clientSecret && body.client_secret !== options.clientSecret)
        ) {
          return send({ ok: false, error: 'invalid_client_id' });
        }
        const grant = grants.get(String(body.code ?? ''));
        if (!grant) return send({ ok: false, error: 'invalid_code' });
        grants.delete(String(body.code));
        const botId = grant.botId ?? `B${grant.team}`;
        bots.set(grant.botToken, { team: grant.team, userId: grant.botUserId, botId });
        return send({
          ok: true,
          app_id: 'A1',
          authed_user: { id: grant.installer ?? 'U1' },
          scope: (grant.scopes ?? ['commands', 'chat:write']).join(','),
          token_type: 'bot',
          access_token: grant.botToken,
          bot_user_id: grant.botUserId,
          team: { id: grant.team, name: grant.teamName ?? `Team ${grant.team}` },
          enterprise: null,
          is_enterprise_install: false,
        });
      }
      case 'users.info': {
        const user = String(body.user ?? '');
        return send({
          ok: true,
          user: {
            id: user,
            name: user.toLowerCase(),
            real_name: `Person ${user}`,
            tz: timeZones.get(user) ?? 'America/New_York',
            is_admin: admins.has(user),
            ...(guests.has(user) ? { is_restricted: true } : {}),
            profile: emails.has(user) ? { email: emails.get(user) } : {},
          },
        });
      }
      case 'files.getUploadURLExternal':
        return send(files.uploadUrl(body, teamOf(token)!));
      case 'files.completeUploadExternal':
        return send(files.complete(body, teamOf(token)!));
      case 'files.info':
        return send(files.info(body, teamOf(token)!));
      case 'chat.getPermalink':
        return send({
          ok: true,
          channel: body.channel,
          permalink: `https://test.slack.com/archives/${String(body.channel)}/p${String(body.message_ts).replace('.', '')}`,
        });
      case 'views.open':
        return send({ ok: true, view: { id: `V${++ts}`, hash: `h${ts}`, ...(body.view as object) } });
      case 'views.update':
        return send({ ok: true, view: { id: body.view_id, hash: `h${++ts}`, ...(body.view as object) } });
      case 'chat.postMessage':
        if (goneChannels.has(String(body.channel))) return send({ ok: false, error: 'channel_not_found' });
        return send({ ok: true, channel: body.channel, ts: String(++ts), message_ts: String(ts) });
      case 'chat.postEphemeral':
      case 'chat.update':
        return send({ ok: true, channel: body.channel, ts: String(++ts), message_ts: String(ts) });
      default:
        return send({ ok: true });
    }
  });
  async function waitFor<T>(matching: () => T[], count: number, timeoutMs: number, what: string): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (matching().length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} ${what}; got ${matching().length}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
        setTimeout(wake, 50);
      });
    }
    return matching();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  serverUrl = `http://127.0.0.1:${port}`;
  const url = serverUrl;
  options.workspace?.attach(url);

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responses,
    timeZones,
    admins,
    emails,
    guests,
    goneChannels,
    bots,
    refusedTokens,
    grants,
    files: files.byId,
    get refuseSlackFileBlocks() {
      return files.refuseSlackFileBlocks;
    },
    set refuseSlackFileBlocks(refuse: boolean) {
      files.refuseSlackFileBlocks = refuse;
    },
    get uploadProcessingMs() {
      return files.processingMs;
    },
    set uploadProcessingMs(ms: number) {
      files.processingMs = ms;
    },
    invalid,
    failed,
    failNext: (pathPrefix, failure) => void failures.push({ pathPrefix, failure, remaining: failure.times ?? 1 }),
    responseUrl: (id) => `${url}/response/${encodeURIComponent(id)}`,
    waitForCalls: (match, count = 1, timeoutMs = 5000) =>
      waitFor(() => calls.filter(match), count, timeoutMs, 'Web API call(s)'),
    waitForResponses: (id, count = 1, timeoutMs = 5000) =>
      waitFor(() => responses.filter((post) => post.id === id), count, timeoutMs, `response(s) to ${id}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
