import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, type CustomRoute, type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Config } from '../config/config.js';
import type { AppLogger } from '../observability/logger.js';
import { inRequestScope, newRequestId } from '../observability/request-scope.js';
import type { BotToken } from '../slack/bot-token.js';
import { socketModeStartFailure } from '../slack/credentials.js';
import { BOT_SCOPES, installationStore, NoInstallationError } from '../slack/installation-store.js';
import { leanFetch } from '../slack/lean-fetch.js';
import { dropDuplicateEvents } from '../slack/middleware/drop-duplicate-events.js';
import { ScreenedApp } from '../slack/payload-screen.js';
import { ScreenedHTTPReceiver } from '../slack/receiver.js';
import type { Store } from '../store/store.js';

/** apps.connections.open, Socket Mode's first call, until Slack answers: backing off to every 30 s. */
const SOCKET_MODE_RETRIES = { forever: true, factor: 2, minTimeout: 1000, maxTimeout: 30_000, randomize: true };

/** How the app's Web API clients reach Slack. */
export interface SlackClientSetup {
  /** Where and how Web API calls go (the one workspace's token watcher, or a lean fetch). */
  transport: { fetch: typeof fetch; slackApiUrl?: string };
  /** For a client someone waits on: the transport, a bounded timeout and a few quick retries. */
  clientOptions: {
    fetch: typeof fetch;
    slackApiUrl?: string;
    timeout: number;
    retryConfig: { retries: number; factor: number; minTimeout: number; maxTimeout: number; randomize: boolean };
  };
  /** Bolt's logger, writing through ours. */
  boltLogger: BoltLogger;
}

export function slackClientSetup(config: Config, botToken: BotToken | undefined, logger: AppLogger): SlackClientSetup {
  const transport = {
    fetch: botToken?.fetch ?? leanFetch,
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
  };
  // Someone waits for each reply: a bounded timeout and a few quick retries, never the Web API
  // client's default of ten retries over half an hour (a request's work slot would be held that long).
  const clientOptions = {
    ...transport,
    timeout: 10_000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2000, randomize: true },
  };
  return { transport, clientOptions, boltLogger: boltLogger(logger) };
}

/** Bolt logs through our pino logger, so one JSON stream carries everything. */
function boltLogger(logger: AppLogger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  const text = (parts: unknown[]) =>
    parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.info(text(msg)),
    warn: (...msg) => child.warn(text(msg)),
    error: (...msg) => child.error(text(msg)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

export interface SlackAppDeps {
  config: Config;
  logger: AppLogger;
  store: Pick<Store, 'installations' | 'events'>;
  botToken?: BotToken;
  slack: SlackClientSetup;
  /** Served beside Slack's routes in HTTP mode. */
  routes: CustomRoute[];
}

export interface SlackApp {
  app: ScreenedApp;
  /** HTTP mode's receiver (Socket Mode has none). */
  httpReceiver?: ScreenedHTTPReceiver;
  /** Many workspaces, installed by OAuth. */
  oauth: boolean;
}

/**
 * Bolt's App, with what it cannot read turned away where each request enters it (payload-screen.ts),
 * every request in its own request scope and each Slack event handled once. Listeners are added by
 * the caller.
 */
export function slackApp({ config, logger, store, botToken, slack, routes }: SlackAppDeps): SlackApp {
  const socketMode = Boolean(config.slack.appToken);
  const { clientOptions } = slack;
  // Many workspaces: Bolt's InstallProvider serves /slack/install (straight on to Slack's consent
  // page, with a signed state in a cookie) and /slack/oauth_redirect (oauth.v2.access, then the
  // installation goes into the store); its authorize then reads the team's bot token per request.
  const oauth = config.slack.oauth && {
    clientId: config.slack.oauth.clientId,
    clientSecret: config.slack.oauth.clientSecret,
    stateSecret: config.slack.oauth.stateSecret,
    scopes: [...BOT_SCOPES],
    installationStore: installationStore(store.installations, logger),
    installerOptions: {
      directInstall: true,
      // oauth.v2.access and auth.test go where the Web API goes (GovSlack, the tests' fake), and
      // the consent page is that host's too.
      clientOptions,
      ...(config.slack.apiUrl
        ? { authorizationUrl: new URL('../oauth/v2/authorize', config.slack.apiUrl).toString() }
        : {}),
      // Socket Mode serves the install routes on their own HTTP server, on PORT.
      ...(socketMode ? { port: config.slack.port } : {}),
    },
  };
  if (oauth && config.slack.botToken) {
    logger.warn(
      {},
      "SLACK_BOT_TOKEN is ignored: with SLACK_CLIENT_ID each workspace's token comes from its installation (/slack/install)",
    );
  }
  const httpReceiver = socketMode
    ? undefined
    : new ScreenedHTTPReceiver(
        {
          signingSecret: config.slack.signingSecret,
          endpoints: '/slack/events',
          customRoutes: routes,
          logger: slack.boltLogger,
          processBeforeResponse: false,
          ...oauth,
        },
        logger,
      );
  const app = new ScreenedApp(
    {
      // One workspace: its token with the ids auth.test gave (not Bolt's `token`, whose auth.test runs
      // unawaited in the constructor). OAuth: every request is authorized from the store.
      ...(botToken ? { authorize: botToken.authorize } : {}),
      signingSecret: config.slack.signingSecret,
      logger: slack.boltLogger,
      // Bolt's conversation store is per-process memory we do not use; it would only cost time.
      convoStore: false,
      clientOptions,
      ...(socketMode
        ? {
            socketMode: true,
            appToken: config.slack.appToken,
            // Socket Mode opens its connection through apps.connections.open with these options
            // (Bolt hands installerOptions.clientOptions to the SocketModeClient). It must keep trying
            // while Slack cannot be reached, at start and at each reconnect: a short retry policy ends
            // in an error nothing catches. OAuth shares them with the installer, so keeps its own.
            ...(oauth ?? {
              installerOptions: { clientOptions: { ...clientOptions, retryConfig: SOCKET_MODE_RETRIES } },
            }),
          }
        : { receiver: httpReceiver }),
    },
    logger,
  );
  // Every request from Slack gets an id that its log lines and its Membrane and model calls carry.
  app.use(({ next }) => inRequestScope(newRequestId(), next));
  app.use(dropDuplicateEvents(store.events, logger));
  app.error(async (error) => {
    if (error.code === ErrorCode.AuthorizationError) {
      // One workspace: an event while Slack has not confirmed the bot's token (bot-token.ts). OAuth:
      // a workspace with no installation (never installed, or uninstalled). Either way Bolt
      // acknowledges it and calls no listener.
      if (!oauth)
        return void logger.warn({ err: error }, "an event arrived before Slack could confirm the bot's token: dropped");
      if (causedBy(error, NoInstallationError))
        return void logger.warn({ err: error }, 'a request from a workspace the app is not installed in was dropped');
      // The installation store failed (its database): not a missing installation. Thrown on, the
      // HTTP receiver answers 500, so Slack sends an event again and a person sees the command fail.
      throw error;
    }
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });
  return { app, httpReceiver, oauth: Boolean(oauth) };
}

/** Starts taking Slack's requests: Socket Mode's socket, or the HTTP server on PORT (its base URL). */
export async function listen(
  { app, oauth }: SlackApp,
  { config, logger, slack }: Pick<SlackAppDeps, 'config' | 'logger' | 'slack'>,
): Promise<{ url?: string; httpServer?: Server }> {
  if (config.slack.appToken) {
    await app.start().catch((error: unknown) => {
      throw socketModeStartFailure(error, slack.transport);
    });
    logger.info({ mode: 'socket', oauth }, 'espo-slack is running in Socket Mode');
    return {};
  }
  const server: Server = await app.start({ port: config.slack.port, host: config.slack.host });
  // Idle keep-alive connections outlive a load balancer's idle timeout (AWS: 60 s), so the
  // balancer never sends a request into a socket this server is just closing (a 502).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const address = server.address() as AddressInfo;
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  logger.info(
    { mode: 'http', port: address.port, oauth },
    `espo-slack is listening on ${url}/slack/events${oauth ? ` (install: ${url}/slack/install)` : ''}`,
  );
  return { url, httpServer: server };
}

/** Whether `error`, or an error it wraps (`original`, as Bolt and @slack/oauth wrap, or `cause`), is a `kind`. */
function causedBy(error: unknown, kind: new (...args: never[]) => Error): boolean {
  for (let seen: unknown = error, depth = 0; seen && depth < 5; depth++) {
    if (seen instanceof kind) return true;
    const wrapper = seen as { original?: unknown; cause?: unknown };
    seen = wrapper.original ?? wrapper.cause;
  }
  return false;
}
