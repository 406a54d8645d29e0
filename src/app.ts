import { webApi } from '@slack/bolt';
import { singleWorkspaceToken, type Config } from './config/config.js';
import type { AppLogger } from './observability/logger.js';
import { AlertService } from './core/alerts/service.js';
import { ConversationService } from './core/conversation/conversation.js';
import { FormService } from './core/writes/forms.js';
import { MessageLogService } from './core/writes/message-log.js';
import { HomeService } from './core/home/home.js';
import { CommandService } from './core/service.js';
import { DigestScheduler } from './core/digests/scheduler.js';
import { DigestService } from './core/digests/service.js';
import { DoctorService } from './core/doctor/doctor.js';
import { SiteDirectory } from './core/doctor/sites.js';
import { PersonDirectory } from './core/people.js';
import { ReportService } from './core/reports/service.js';
import type { Clock } from './core/ports.js';
import { UnfurlService } from './core/unfurl/unfurl.js';
import { EspoEntityDirectory } from './crm/espo/entities.js';
import { InstanceVocabularies } from './crm/espo/instance-vocabulary.js';
import { UnderstandingService } from './core/understanding/service.js';
import { MembraneGateway } from './crm/membrane/gateway.js';
import { EspoWebhooks } from './crm/espo/alert-webhooks.js';
import { EspoRecordHistory } from './crm/espo/record-history.js';
import { SlackAlertSink } from './slack/alert-sink.js';
import { directNotice } from './slack/direct-notice.js';
import { OpenAiPlanner } from './llm/planner.js';
import { BotToken } from './slack/bot-token.js';
import { registerListeners } from './slack/listeners/index.js';
import { UserProfiles } from './slack/user-profiles.js';
import { installedBotToken, SlackDigestDelivery } from './slack/digest-delivery.js';
import { WorkLimiter } from './slack/work-limiter.js';
import { ChartUploads } from './slack/charts.js';
import { openStore, type Store } from './store/store.js';
import { Metrics } from './observability/metrics.js';
import { inRequestScope, newRequestId } from './observability/request-scope.js';
import { httpRoutes } from './app/http-routes.js';
import { stopGracefully } from './app/shutdown.js';
import { listen, slackApp, slackClientSetup } from './app/slack-app.js';
import { startTimers } from './app/timers.js';

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
  /**
   * SLACK_BOT_TOKEN as the start-up checks found it (single-workspace mode); otherwise it is checked here, in the
   * background.
   */
  botToken?: BotToken;
}

/**
 * Wires config → store → CRM gateway → core → Slack, and starts listening. Composition only: the
 * HTTP routes, the Bolt app, the timers and the graceful stop are built in src/app/.
 */
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
  });
  // Each tenant's EspoCRM address, for record links and link previews; ESPOCRM_URL is the default.
  const sites = new SiteDirectory({ profiles: store.profiles, defaultUrl: config.espocrm.siteUrl, logger });
  const entities = new EspoEntityDirectory();
  const clock: Clock = options.clock ?? { now: () => new Date() };
  // EspoCRM users by Slack email, for "my", personal digests and the assignee of new records.
  const people = new PersonDirectory(gateway, logger);
  // Each tenant's own stages and statuses, read from its EspoCRM: plain language, reports and digests share them.
  const vocabularies = new InstanceVocabularies(gateway, logger);
  const reports = new ReportService({
    scan: gateway.scan,
    entities,
    vocabularyFor: (tenant) => vocabularies.vocabularyFor(tenant),
    clock,
  });
  const digests = new DigestService({
    crm: gateway,
    store: store.digests,
    clock,
    logger,
    people,
    reports,
    vocabularyFor: (tenant) => vocabularies.vocabularyFor(tenant),
  });
  const socketMode = Boolean(config.slack.appToken);
  // One workspace: the bot's token authorizes every request, and every Web API answer is watched for Slack refusing it.
  const singleToken = singleWorkspaceToken(config);
  const botToken = singleToken
    ? (options.botToken ?? new BotToken({ token: singleToken, slackApiUrl: config.slack.apiUrl, logger }))
    : undefined;
  const slack = slackClientSetup(config, botToken, logger);
  const { clientOptions } = slack;
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
  // A connection found READY with nothing known about it: the doctor checks it, once.
  gateway.onConnectionReady((tenant, connectionId) => doctor.afterReady(tenant, connectionId));
  const alerts = new AlertService({
    crm: gateway,
    entities,
    people,
    webhooks: new EspoWebhooks(gateway),
    history: new EspoRecordHistory(gateway),
    store: store.alerts,
    sink: alertSink,
    clock,
    logger,
    publicUrl: socketMode ? undefined : config.alerts.publicUrl,
    pollSeconds: config.alerts.pollSeconds,
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
    reports,
  });
  const conversation = new ConversationService({
    commands: service,
    crm: gateway,
    entities,
    people,
    planner: config.openai && new OpenAiPlanner({ ...config.openai, observer: metrics, logger }),
    understanding: new UnderstandingService({
      crm: gateway,
      entities,
      vocabulary: vocabularies,
      people,
      reports,
    }),
    conversations: store.conversations,
    clock,
    logger,
    memory: config.conversation,
  });
  if (!config.openai)
    logger.info({}, 'OPENAI_API_KEY is not set: plain language answers commands only (the fast path)');

  let stopping = false;
  const slackParts = slackApp({
    config,
    logger,
    store,
    botToken,
    slack,
    routes: httpRoutes({ store, metrics, alerts, limiter, botToken, logger, isStopping: () => stopping }),
  });
  const { app } = slackParts;
  // Report charts already in Slack, shown again for the same answer (a cached repeat, a Share, a digest retry).
  const chartUploads = new ChartUploads();
  registerListeners(app, {
    chartUploads,
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

  // Digests have their own Web API client: few retries and no waiting out rate limits, so a post ends inside the lease.
  const scheduler = new DigestScheduler({
    store: store.digests,
    digests,
    delivery: new SlackDigestDelivery({
      client: new webApi.WebClient(undefined, {
        ...clientOptions,
        logger: slack.boltLogger,
        timeout: 15_000,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 1, factor: 1, minTimeout: 1000, maxTimeout: 1000 },
      }),
      tokenFor: botTokenOf,
      siteUrlOf: (tenantKey) => sites.urlOf(tenantKey),
      onPosted: (outcome) => metrics.posted('digest', outcome),
      chartUploads,
      logger,
    }),
    clock,
    logger,
  });
  const timers = startTimers({ config, store, alerts, scheduler, limiter, logger });

  botToken?.start();
  const { url, httpServer } = await listen(slackParts, { config, logger, slack });

  return {
    url,
    store,
    service,
    conversation,
    alerts,
    pollOnce: timers.pollOnce,
    scheduler,
    doctor,
    metrics,
    async stop() {
      if (stopping) return;
      stopping = true;
      await stopGracefully({
        timers,
        app,
        httpReceiver: slackParts.httpReceiver,
        httpServer,
        botToken,
        scheduler,
        doctor,
        limiter,
        alertSink,
        store,
        logger,
        graceMs: config.shutdownGraceMs,
      });
    },
  };
}
