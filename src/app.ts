import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, type Logger as BoltLogger, LogLevel, webApi } from '@slack/bolt';
import { singleWorkspaceToken, type Config } from './config/config.js';
import type { AppLogger } from './observability/logger.js';
import { AlertService } from './core/alerts.js';
import { ConversationService } from './core/conversation/conversation.js';
import { FormService } from './core/writes/forms.js';
import { MessageLogService } from './core/writes/message-log.js';
import { HomeService } from './core/home/home.js';
import { CommandService } from './core/service.js';
import { DigestScheduler } from './core/digest-scheduler.js';
import { DigestService } from './core/digests.js';
import { DoctorService } from './core/doctor/doctor.js';
import { SiteDirectory } from './core/doctor/sites.js';
import { PersonDirectory } from './core/people.js';
import type { Clock } from './core/ports.js';
import { UnfurlService } from './core/unfurl/unfurl.js';
import { EspoEntityDirectory } from './crm/espo/entities.js';
import { MembraneGateway } from './crm/gateway.js';
import { webhookRoute } from './crm/espo/webhooks.js';
import { SlackAlertSink } from './slack/alert-sink.js';
import { directNotice } from './slack/direct-notice.js';
import { OpenAiPlanner } from './llm/planner.js';
import { BOT_SCOPES, installationStore, NoInstallationError } from './slack/installation-store.js';
import { ScreenedApp } from './slack/payload-screen.js';
import { BotToken } from './slack/bot-token.js';
import { socketModeStartFailure } from './slack/credentials.js';
import { leanFetch } from './slack/lean-fetch.js';
import { ScreenedHTTPReceiver } from './slack/receiver.js';
import { registerListeners } from './slack/listeners/index.js';
import { dropDuplicateEvents } from './slack/middleware/drop-duplicate-events.js';
import { UserProfiles } from './slack/user-profiles.js';
import { installedBotToken, SlackDigestDelivery } from './slack/digest-delivery.js';
import { WorkLimiter } from './slack/work-limiter.js';
import { openStore, type Store } from './store/store.js';
import { Metrics } from './observability/metrics.js';
import { inRequestScope, newRequestId } from './observability/request-scope.js';

export interface RunningApp {
  /** Base URL in HTTP mode, e.g. http://127.0.0.1:3000 (requests go to /slack/events). */
  url?: string;
  store: Store;
  service: CommandService;
  conversation: ConversationService;
  alerts: AlertService;
  /** One polling round over the tenants whose alerts poll (what the ALERT_POLL_SECONDS interval runs). */
  pollOnce(now?: Date): Promise<{ tenants: number; changes: number; alerts: number }>;
  /** Sends due digests; the app ticks it every 30 s, and `tick(at)` runs it at a given moment. */
  scheduler: DigestScheduler;
  /** `/espo doctor`, and its automatic check of each new connection (`idle()` waits for those under way). */
  doctor: DoctorService;
  metrics: Metrics;
  /**
   * Graceful stop (SIGTERM): readiness fails and no new request is taken, work already
   * acknowledged finishes (up to SHUTDOWN_GRACE_SECONDS), then the database is closed.
   */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: AppLogger;
  /** The app's clock (default: the system's); what "now" is for confirmations, digests and their schedule. */
  clock?: Clock;
  /** The store, when the start-up checks opened it already; otherwise DATABASE_URL's is opened here. */
  store?: Store;
  /** SLACK_BOT_TOKEN as the start-up checks found it (single-workspace mode); otherwise it is checked here, in the background. */
  botToken?: BotToken;
}

/** apps.connections.open, Socket Mode's first call, until Slack answers: backing off to every 30 s. */
const SOCKET_MODE_RETRIES = { forever: true, factor: 2, minTimeout: 1000, maxTimeout: 30_000, randomize: true };

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

/** Wires config → store → CRM gateway → core → Slack, and starts listening. */
export async function startApp(config: Config, options: StartOptions): Promise<RunningApp> {
  const { logger } = options;
  const store = options.store ?? (await openStore(config.databaseUrl, { poolSize: config.databasePoolSize, logger }));
  const limiter = new WorkLimiter(config.slack.maxConcurrentWork);
  const metrics = new Metrics({ workQueue: () => ({ queued: limiter.queued, active: limiter.running }) });
  const gateway = new MembraneGateway({
    apiUri: config.membrane.apiUri,
    credentials: config.membrane.credentials,
    appUrl: config.espocrm.appUrl,
    timeoutMs: config.membrane.timeoutMs,
    cache: store.connections,
    observer: metrics,
    logger,
    // A connection found READY with nothing known about it: the doctor checks it, once.
    onReady: (tenant, connectionId) => doctor.afterReady(tenant, connectionId),
  });
  // Each tenant's EspoCRM address, for record links and link previews; ESPOCRM_URL is the default.
  const sites = new SiteDirectory({ profiles: store.profiles, defaultUrl: config.espocrm.siteUrl, logger });
  const entities = new EspoEntityDirectory();
  const clock: Clock = options.clock ?? { now: () => new Date() };
  // EspoCRM users by Slack email, for "my", personal digests and the assignee of new records.
  const people = new PersonDirectory(gateway, logger);
  const digests = new DigestService({ crm: gateway, store: store.digests, clock, logger, people });
  const socketMode = Boolean(config.slack.appToken);
  // One workspace: the bot's token authorizes every request, and every Web API answer is watched for Slack refusing it.
  const singleToken = singleWorkspaceToken(config);
  const botToken = singleToken
    ? (options.botToken ?? new BotToken({ token: singleToken, slackApiUrl: config.slack.apiUrl, logger }))
    : undefined;
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
  // Alerts post with their own client, so a channel's queue never waits behind a reply's retries.
  const alertClient = new webApi.WebClient(undefined, clientOptions);
  // A team's bot token: the one workspace's, or (OAuth) its stored installation's.
  const botTokenOf = async (teamId: string) =>
    config.slack.oauth ? installedBotToken(store.installations, teamId) : config.slack.botToken;
  if (socketMode && config.alerts.publicUrl)
    logger.warn({}, 'PUBLIC_URL is ignored in Socket Mode (no HTTP server receives EspoCRM webhooks): alerts poll');
  const alertSink = new SlackAlertSink(alertClient, botTokenOf, logger, {
    siteUrlOf: (tenantKey) => sites.urlOf(tenantKey),
    onPosted: (outcome) => metrics.posted('alert', outcome),
  });
  const doctor = new DoctorService({
    crm: gateway,
    profiles: store.profiles,
    sites,
    tell: directNotice(alertClient, botTokenOf),
    schedule: (work) => limiter.run(() => inRequestScope(newRequestId(), work)),
    logger,
  });
  const alerts = new AlertService({
    crm: gateway,
    entities,
    store: store.alerts,
    sink: alertSink,
    clock,
    logger,
    publicUrl: socketMode ? undefined : config.alerts.publicUrl,
    pollSeconds: config.alerts.pollSeconds,
    people,
  });
  const service = new CommandService({
    crm: gateway,
    entities,
    confirmations: store.confirmations,
    audit: store.audit,
    clock,
    logger,
    connectionScope: config.connectionScope,
    confirmationTtlMs: config.confirmationTtlMs,
    people,
    digests,
    alerts,
    sites,
    doctor,
  });
  const conversation = new ConversationService({
    commands: service,
    crm: gateway,
    entities,
    people,
    planner: config.openai && new OpenAiPlanner({ ...config.openai, observer: metrics, logger }),
    conversations: store.conversations,
    clock,
    logger,
    memory: config.conversation,
  });
  if (!config.openai)
    logger.info({}, 'OPENAI_API_KEY is not set: plain language answers commands only (the fast path)');

  const health = {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    },
  };
  let stopping = false;
  const ready = {
    path: '/readyz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      // Shutting down: the load balancer should send new work elsewhere.
      if (stopping) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('shutting down');
      // Slack refused the bot's token, or has not been reached to check it: nothing could be answered.
      const slackProblem = botToken?.readinessProblem();
      if (slackProblem) return void res.writeHead(503, { 'content-type': 'text/plain' }).end(slackProblem);
      store.ping().then(
        () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ready'),
        () => res.writeHead(503, { 'content-type': 'text/plain' }).end('database unreachable'),
      );
    },
  };

  const metricsRoute = {
    path: '/metrics',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      metrics.exposition().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (error: unknown) => {
          logger.error({ err: error }, 'metrics could not be collected');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable');
        },
      );
    },
  };

  const appLogger = boltLogger(logger);
  // EspoCRM's webhooks: answered at once, worked on behind the same limiter as Slack's requests.
  const webhooks = webhookRoute({
    alerts,
    schedule: (work) =>
      void limiter.run(work).catch((error: unknown) => logger.error({ err: error }, 'an EspoCRM webhook batch failed')),
    logger,
    onBatch: (outcome) => metrics.webhookBatch(outcome),
  });
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
          customRoutes: [health, ready, metricsRoute, webhooks],
          logger: appLogger,
          processBeforeResponse: false,
          ...oauth,
        },
        logger,
      );
  // Bolt's App, with what it cannot read turned away where each request enters it (payload-screen.ts).
  const app = new ScreenedApp(
    {
      // One workspace: its token with the ids auth.test gave (not Bolt's `token`, whose auth.test runs
      // unawaited in the constructor). OAuth: every request is authorized from the store.
      ...(botToken ? { authorize: botToken.authorize } : {}),
      signingSecret: config.slack.signingSecret,
      logger: appLogger,
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
  registerListeners(app, {
    service,
    conversation,
    logger,
    metrics,
    profiles: new UserProfiles(),
    limiter,
    alerts,
    sites,
    installations: store.installations,
    botToken,
    forms: new FormService({ crm: gateway, entities, commands: service, clock }),
    messageLog: new MessageLogService({ crm: gateway, entities, commands: service, clock }),
    home: new HomeService({
      crm: gateway,
      people,
      clock,
      connectionScope: config.connectionScope,
      tenantFor: (context) => service.tenantFor(context),
    }),
    digests,
    unfurls: new UnfurlService({ crm: gateway, entities, tenantFor: (context) => service.tenantFor(context), sites }),
  });
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

  // Hourly housekeeping. Slack retries within minutes, so a day of event ids is plenty; a pending
  // write a week past its expiry can no longer be confirmed and the audit log has its outcome.
  const pruneEvents = setInterval(() => {
    const day = 24 * 60 * 60_000;
    Promise.all([
      store.events.prune(new Date(Date.now() - day)),
      store.confirmations.prune(new Date(Date.now() - 7 * day)),
      store.conversations.prune(new Date(Date.now() - config.conversation.maxAgeMs)),
    ]).catch((error: unknown) => logger.warn({ err: error }, 'housekeeping failed'));
  }, 60 * 60_000);
  pruneEvents.unref();

  // Alerts of tenants EspoCRM cannot send webhooks to: polled through the proxy, behind the limiter.
  const pollOnce = (now?: Date) => limiter.run(() => inRequestScope(newRequestId(), () => alerts.pollOnce(now)));
  // One round at a time: a round slower than the interval must not pile up in the limiter.
  let polling: Promise<unknown> | undefined;
  const poller = setInterval(() => {
    if (!polling) {
      polling = pollOnce()
        .catch((error: unknown) => logger.warn({ err: error }, 'alert polling failed'))
        .finally(() => (polling = undefined));
    }
    // EspoCRM retries a batch within about 40 minutes (4 attempts, 10 minutes apart): what the
    // last batch for a record was, and the polled keys, are not needed after two hours. What
    // polling saw of a record's watched fields is kept while the record keeps changing.
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 60 * 60_000);
    store.alerts.pruneSeen(hoursAgo(2)).catch(() => undefined);
    store.alerts.pruneRecordStates('webhook:', hoursAgo(2)).catch(() => undefined);
    store.alerts.pruneRecordStates('poll:', hoursAgo(90 * 24)).catch(() => undefined);
  }, config.alerts.pollSeconds * 1000);
  poller.unref();

  // Digests: every instance ticks; the store's lease sends each due digest once across all of them.
  // Its own Web API client: few retries and no waiting out rate limits, so a post ends inside the lease.
  const scheduler = new DigestScheduler({
    store: store.digests,
    digests,
    delivery: new SlackDigestDelivery({
      client: new webApi.WebClient(undefined, {
        ...clientOptions,
        logger: appLogger,
        timeout: 15_000,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 1, factor: 1, minTimeout: 1000, maxTimeout: 1000 },
      }),
      tokenFor: botTokenOf,
      siteUrlOf: (tenantKey) => sites.urlOf(tenantKey),
      onPosted: (outcome) => metrics.posted('digest', outcome),
    }),
    clock,
    logger,
  });
  const digestTicks = setInterval(() => {
    if (scheduler.busy) return;
    inRequestScope(newRequestId(), () => scheduler.tick()).catch((error: unknown) =>
      logger.error({ err: error }, 'digest scheduler tick failed'),
    );
  }, config.digestTickSeconds * 1000);
  digestTicks.unref();

  let url: string | undefined;
  let httpServer: Server | undefined;
  botToken?.start();
  if (socketMode) {
    await app.start().catch((error: unknown) => {
      throw socketModeStartFailure(error, transport);
    });
    logger.info({ mode: 'socket', oauth: Boolean(oauth) }, 'espo-slack is running in Socket Mode');
  } else {
    const server: Server = await app.start({ port: config.slack.port, host: config.slack.host });
    httpServer = server;
    // Idle keep-alive connections outlive a load balancer's idle timeout (AWS: 60 s), so the
    // balancer never sends a request into a socket this server is just closing (a 502).
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    const address = server.address() as AddressInfo;
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    logger.info(
      { mode: 'http', port: address.port, oauth: Boolean(oauth) },
      `espo-slack is listening on ${url}/slack/events${oauth ? ` (install: ${url}/slack/install)` : ''}`,
    );
  }

  return {
    url,
    store,
    service,
    conversation,
    alerts,
    pollOnce,
    scheduler,
    doctor,
    metrics,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(pruneEvents);
      clearInterval(poller);
      clearInterval(digestTicks);
      botToken?.stop();
      const started = Date.now();
      // No new connections (Socket Mode: the socket closes); idle keep-alive ones close now, busy
      // ones after their response. `app.stop()` settles when the last one has ended.
      httpReceiver?.closeConnectionsAfterResponses();
      const listenerStopped = app.stop();
      httpServer?.closeIdleConnections();
      // Within the grace period: the requests still arriving are answered, then the work they and
      // the earlier ones queued is done, then the alerts of batches already answered 200 are
      // posted (EspoCRM will not send them again).
      // The grace timer keeps the process alive while it waits: a process whose last sockets are
      // paused or gone would otherwise end mid-stop, its store never closed. Cleared once drained.
      let graceTimer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        Promise.all([scheduler.stop(), polling, listenerStopped])
          .then(() => doctor.idle())
          .then(() => limiter.idle())
          .then(() => alertSink.idle())
          .then(() => true),
        new Promise<false>((resolve) => (graceTimer = setTimeout(() => resolve(false), config.shutdownGraceMs))),
      ]);
      clearTimeout(graceTimer);
      if (!drained) {
        logger.warn(
          { running: limiter.running, queued: limiter.queued },
          'shutdown grace period over: unfinished requests are abandoned',
        );
        httpServer?.closeAllConnections();
      }
      await listenerStopped;
      alertSink.close();
      await store.close();
      logger.info({ ms: Date.now() - started, drained }, 'stopped');
    },
  };
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
