import type { RespondArguments, RespondFn, webApi } from '@slack/bolt';
import { toAppError } from '../core/errors.js';
import { withRetries, type Transient } from '../core/retry.js';
import type { Metrics } from '../observability/metrics.js';
import type { Reply } from '../core/replies.js';
import type { Report } from '../core/reports/types.js';
import type { ConversationService } from '../core/conversation/conversation.js';
import type { FormService } from '../core/writes/forms.js';
import type { MessageLogService } from '../core/writes/message-log.js';
import type { UnfurlService } from '../core/unfurl/unfurl.js';
import type { RequestContext } from '../core/ports.js';
import type { WorkspaceInstallations } from '../core/workspaces/ports.js';
import type { HomeService } from '../core/home/home.js';
import type { AlertService } from '../core/alerts/service.js';
import type { DigestService } from '../core/digests/service.js';
import type { SiteDirectory } from '../core/doctor/sites.js';
import type { CommandService } from '../core/service.js';
import type { AppLogger } from '../observability/logger.js';
import { renderError } from './render/error.js';
import type { RenderOptions } from './render/record.js';
import { renderReply } from './render/reply.js';
import type { UserProfiles } from './user-profiles.js';
import type { WorkLimiter } from './work-limiter.js';
import type { BotToken } from './bot-token.js';
import { chartBlock, type ChartUploads } from './charts.js';

/** What every listener needs; built once in app.ts. */
export interface ListenerDeps {
  service: CommandService;
  conversation: ConversationService;
  /** The App Home tab's data: connection, the person's tasks and meetings. */
  home: HomeService;
  /** Record forms (modals) generated from schemas. */
  forms: FormService;
  /** "Log to EspoCRM" on a message. */
  messageLog: MessageLogService;
  /** Previews of links to records in the team's EspoCRM. */
  unfurls: UnfurlService;
  /** Daily digests: the Stop button. */
  digests: DigestService;
  /** Slack installations, and what a workspace leaves behind when it uninstalls. */
  installations: WorkspaceInstallations;
  logger: AppLogger;
  metrics: Metrics;
  profiles: UserProfiles;
  /** Report charts already uploaded, shown again for the same answer; without it each reply uploads its own. */
  chartUploads?: ChartUploads;
  /** Bounds how many requests are worked on at once, after their acks. */
  limiter: WorkLimiter;
  /** Each tenant's EspoCRM address, for record links. */
  sites: Pick<SiteDirectory, 'urlOf'>;
  /** Alerts: "Assign to me" finds the clicker's EspoCRM user through it. */
  alerts?: AlertService;
  /** One workspace: SLACK_BOT_TOKEN, told when Slack says it was revoked or the app uninstalled. */
  botToken?: Pick<BotToken, 'revokedBySlack'>;
}

export interface Delivery {
  /** Replace the message the button was on (paging, confirm) or post a new one. */
  replaceOriginal?: boolean;
  /** `in_channel` makes the reply visible to everyone (Share in channel). */
  responseType?: 'ephemeral' | 'in_channel';
  render?: RenderOptions;
  /**
   * A conversation in a thread or DM: errors are part of it and go where replies go. Only a
   * connect link is always private, whatever the surface.
   */
  conversation?: boolean;
  /** The request's Web API client: a report (or a digest's pipeline) with a breakdown gets a chart, uploaded with it. */
  client?: webApi.WebClient;
}

/** What a listener says about its request; `log` gains fields while the work runs (route, tokens). */
export interface RequestInfo {
  kind: string;
  context: RequestContext;
  detail?: string;
  log?: Record<string, unknown>;
}

/**
 * The one place errors are caught: run the core work, log one structured line, render the reply
 * or the error, and send it through the response_url. A failure to reach Slack itself is logged,
 * never thrown back into Bolt (the request was already acknowledged).
 */
export async function answer(
  deps: ListenerDeps,
  request: RequestInfo,
  respond: RespondFn,
  work: () => Promise<Reply>,
  delivery: Delivery = {},
): Promise<void> {
  // The listener has acked. The work joins the limiter at once (shutdown waits for what is in it),
  // then lets requests already waiting be acked too before it takes the event loop.
  return deps.limiter.run(async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return handle(deps, request, respond, work, delivery);
  });
}

async function handle(
  deps: ListenerDeps,
  request: RequestInfo,
  respond: RespondFn,
  work: () => Promise<Reply>,
  delivery: Delivery,
): Promise<void> {
  const started = performance.now();
  let payload: RespondArguments;
  // The reply without its chart, sent instead when Slack refuses the one with it.
  let numbersOnly: RespondArguments | undefined;
  let outcome = 'ok';
  let code: string | undefined;
  let isPrivate = false;
  try {
    const reply = await work();
    outcome = reply.kind;
    isPrivate = reply.kind === 'connect';
    const siteUrl = await deps.sites.urlOf(deps.service.tenantFor(request.context).key);
    payload = { ...renderReply(reply, { siteUrl, ...delivery.render }) };
    const charted = chartedReport(reply);
    if (charted && delivery.client) {
      const log = { logger: deps.logger, fields: { kind: request.kind, team: request.context.teamId } };
      const reuse = deps.chartUploads && { uploads: deps.chartUploads, team: request.context.teamId };
      const chart = await chartBlock(delivery.client, charted, { ...log, ...(reuse ? { reuse } : {}) });
      if (chart) {
        numbersOnly = payload;
        payload = { ...renderReply(reply, { siteUrl, ...delivery.render, chart }) };
      }
    }
  } catch (error) {
    // Every reply passes here: a shared connection's connect link reaches workspace admins only,
    // whichever listener ran (clicks and forms carry no admin flag, so they fail closed).
    const appError = toAppError(deps.service.guardConnectLink(request.context, error));
    outcome = 'error';
    code = appError.code;
    if (appError.usage) {
      const { promptTokens, completionTokens, modelCalls } = appError.usage;
      request.log = { ...request.log, promptTokens, completionTokens, modelCalls };
    }
    const log = appError.code === 'internal' ? deps.logger.error.bind(deps.logger) : deps.logger.warn.bind(deps.logger);
    log(
      {
        err: appError.cause ?? appError,
        code: appError.code,
        kind: request.kind,
        team: request.context.teamId,
        user: request.context.userId,
      },
      appError.userMessage,
    );
    payload = { ...renderError(appError) };
    isPrivate = Boolean(appError.details.connectUrl) || !delivery.conversation;
    // A new message: a failed click must not wipe the preview they acted on.
    delivery = { ...delivery, replaceOriginal: false };
  }
  for (const each of [payload, numbersOnly]) {
    if (!each) continue;
    each.response_type = isPrivate ? 'ephemeral' : (delivery.responseType ?? 'ephemeral');
    each.replace_original = delivery.replaceOriginal ?? false;
  }
  deps.logger.info(
    {
      kind: request.kind,
      detail: request.detail,
      team: request.context.teamId,
      user: request.context.userId,
      outcome,
      code,
      ms: Math.round(performance.now() - started),
      ...request.log,
    },
    'request handled',
  );
  deps.metrics.request(request.kind, outcome, code, (performance.now() - started) / 1000);
  const deliver = (body: RespondArguments) =>
    withRetries(
      DELIVERY_RETRIES,
      {
        transient: slackTransient,
        onRetry: (error, { attempt, delayMs, reason }) =>
          deps.logger.warn(
            { err: error, kind: request.kind, team: request.context.teamId, attempt, delayMs, reason },
            'Slack did not take the reply; trying again',
          ),
      },
      () => respond(body),
    );
  try {
    try {
      await deliver(payload);
    } catch (error) {
      // Slack answered and refused the message with the chart (`invalid_blocks`: a file it will not
      // show): the numbers go without it. An outage would refuse them too, so it is not tried twice.
      if (!numbersOnly || slackTransient(error)) throw error;
      deps.logger.warn(
        { err: error, kind: request.kind, team: request.context.teamId, reason: refusalOf(error) },
        'Slack refused the reply with its chart; sending the numbers only',
      );
      await deliver(numbersOnly);
    }
  } catch (error) {
    deps.logger.error(
      { err: error, kind: request.kind, team: request.context.teamId },
      'could not deliver the reply to Slack',
    );
  }
}

/** The report a reply shows a chart of: a report's own, or a digest's pipeline (`/espo digest now pipeline`). */
function chartedReport(reply: Reply): Report | undefined {
  if (reply.kind === 'report') return reply.report;
  if (reply.kind === 'digest') return reply.digest.pipeline?.report;
  return undefined;
}

/**
 * A reply Slack turned away in a passing way is sent again, a few times within seconds: the person
 * is waiting for it. (The Web API client already waits out a 429 with Retry-After by itself.)
 */
const DELIVERY_RETRIES = { attempts: 3, baseDelayMs: 500, maxDelayMs: 2000, deadlineMs: 10_000, minAttemptMs: 500 };

/** Slack's word for a refusal: the Web API's error code, else the response_url's HTTP status. */
function refusalOf(error: unknown): string {
  const failure = error as { data?: { error?: unknown }; statusCode?: unknown } | undefined;
  if (typeof failure?.data?.error === 'string') return failure.data.error;
  return typeof failure?.statusCode === 'number' ? `http_${failure.statusCode}` : 'refused';
}

function slackTransient(error: unknown): Transient | undefined {
  const failure = error as { code?: unknown; statusCode?: unknown } | undefined;
  const status = typeof failure?.statusCode === 'number' ? failure.statusCode : undefined;
  // respond() (a response_url) and the Web API's HTTP errors carry Slack's status.
  if (status === 429) return { reason: 'rate_limited', afterMs: 1000 };
  if (status !== undefined && status >= 500) return { reason: `http_${status}` };
  // A dropped connection on a response_url post (the Web API client retries its own).
  const code = typeof failure?.code === 'string' ? failure.code : '';
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET'].includes(code)
    ? { reason: code }
    : undefined;
}
