import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import { webhookRoute, type WebhookReceiverDeps } from '../crm/espo/webhooks.js';
import type { AppLogger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { BotToken } from '../slack/bot-token.js';
import type { WorkLimiter } from '../slack/work-limiter.js';
import type { Store } from '../store/store.js';

export interface HttpRouteDeps {
  store: Pick<Store, 'ping'>;
  metrics: Metrics;
  alerts: WebhookReceiverDeps['alerts'];
  limiter: WorkLimiter;
  /** SLACK_BOT_TOKEN's checker (one workspace); without it Slack is not asked about. */
  botToken?: BotToken;
  logger: AppLogger;
  /** True once the app has begun to stop. */
  isStopping(): boolean;
}

/** What the HTTP server answers besides Slack's own routes: probes, metrics and EspoCRM's webhooks. */
export function httpRoutes(deps: HttpRouteDeps): CustomRoute[] {
  return [healthRoute(), readyRoute(deps), metricsRoute(deps), espoWebhookRoute(deps)];
}

const text = (res: ServerResponse, status: number, body: string) =>
  void res.writeHead(status, { 'content-type': 'text/plain' }).end(body);

/** Alive: the process answers. */
function healthRoute(): CustomRoute {
  return { path: '/healthz', method: ['GET'], handler: (_req: IncomingMessage, res) => text(res, 200, 'ok') };
}

/** Ready for work: not stopping, Slack took the bot's token, the database answers. */
function readyRoute({ store, botToken, isStopping }: HttpRouteDeps): CustomRoute {
  return {
    path: '/readyz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res) => {
      // Shutting down: the load balancer should send new work elsewhere.
      if (isStopping()) return text(res, 503, 'shutting down');
      // Slack refused the bot's token, or has not been reached to check it: nothing could be answered.
      const slackProblem = botToken?.readinessProblem();
      if (slackProblem) return text(res, 503, slackProblem);
      store.ping().then(
        () => text(res, 200, 'ready'),
        () => text(res, 503, 'database unreachable'),
      );
    },
  };
}

function metricsRoute({ metrics, logger }: HttpRouteDeps): CustomRoute {
  return {
    path: '/metrics',
    method: ['GET'],
    handler: (_req: IncomingMessage, res) => {
      metrics.exposition().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (error: unknown) => {
          logger.error({ err: error }, 'metrics could not be collected');
          text(res, 500, 'metrics unavailable');
        },
      );
    },
  };
}

/** EspoCRM's webhooks: answered at once, worked on behind the same limiter as Slack's requests. */
function espoWebhookRoute({ alerts, limiter, metrics, logger }: HttpRouteDeps): CustomRoute {
  return webhookRoute({
    alerts,
    schedule: (work) =>
      void limiter.run(work).catch((error: unknown) => logger.error({ err: error }, 'an EspoCRM webhook batch failed')),
    logger,
    onBatch: (outcome) => metrics.webhookBatch(outcome),
  });
}
