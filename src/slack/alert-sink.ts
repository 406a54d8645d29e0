import type { webApi } from '@slack/bolt';
import type { AlertSink } from '../core/alerts/ports.js';
import type { AlertMessage } from '../core/alerts/types.js';
import type { Logger } from '../core/ports.js';
import { currentRequestId, inRequestScope, newRequestId } from '../observability/request-scope.js';
import { renderAlertMessage } from './render/alert.js';

type WebClient = webApi.WebClient;

export interface SlackAlertSinkOptions {
  /** The tenant's EspoCRM address, for record links. */
  siteUrlOf?: (tenantKey: string) => Promise<string | undefined>;
  /** Slack allows about one message per second per channel. */
  intervalMs?: number;
  /** Messages waiting for one channel at most; beyond it new alerts are dropped (and logged). */
  maxQueue?: number;
  /** Counts each post by its outcome (the metrics). */
  onPosted?: (outcome: 'ok' | 'error') => void;
}

interface Waiting {
  message: AlertMessage;
  done: (result: 'posted' | 'gone' | 'failed') => void;
  /** The request (webhook batch, poll round) the alert came from: its post is logged under it. */
  requestId: string;
}

/** Slack's answers that mean the channel is not coming back: the subscription ends. */
const GONE = new Set(['channel_not_found', 'is_archived', 'channel_is_archived']);

/**
 * Posts alerts with chat.postMessage through one queue per channel, at most one message per
 * `intervalMs` per channel (Slack's limit is about one a second), so a burst waits its turn
 * instead of being rate-limited. Channels are independent: one busy channel delays no other.
 */
export class SlackAlertSink implements AlertSink {
  private readonly queues = new Map<string, { waiting: Waiting[]; lastAt: number }>();
  private closed = false;
  /** Channels being drained right now; `idle()` waits for them. */
  private readonly draining = new Set<Promise<void>>();
  private readonly intervalMs: number;
  private readonly maxQueue: number;

  constructor(
    private readonly client: WebClient,
    /** The bot token of a team: the one workspace's, or an installation's (OAuth). */
    private readonly tokenFor: (teamId: string) => Promise<string | undefined>,
    private readonly logger: Logger,
    private readonly options: SlackAlertSinkOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxQueue = options.maxQueue ?? 200;
  }

  post(teamId: string, channelId: string, message: AlertMessage): Promise<'posted' | 'gone' | 'failed'> {
    const key = `${teamId}:${channelId}`;
    let queue = this.queues.get(key);
    const start = !queue;
    if (!queue) {
      queue = { waiting: [], lastAt: 0 };
      this.queues.set(key, queue);
    }
    if (this.closed) return Promise.resolve('failed');
    if (queue.waiting.length >= this.maxQueue) {
      this.logger.warn(
        { team: teamId, channel: channelId, queued: queue.waiting.length },
        'too many alerts waiting for one channel: this one is dropped',
      );
      return Promise.resolve('failed');
    }
    const requestId = currentRequestId() ?? newRequestId();
    const result = new Promise<'posted' | 'gone' | 'failed'>((done) =>
      queue.waiting.push({ message, done, requestId }),
    );
    if (start) {
      const drained: Promise<void> = this.drain(key, teamId, channelId).finally(() => this.draining.delete(drained));
      this.draining.add(drained);
    }
    return result;
  }

  /** Resolves once every queued alert has been posted (or given up): shutdown waits for it. */
  async idle(): Promise<void> {
    while (this.draining.size) await Promise.all(this.draining);
  }

  /** Shutting down: alerts still waiting are dropped (logged), and nothing more is sent. */
  close(): void {
    this.closed = true;
    const dropped = this.queued;
    for (const queue of this.queues.values()) for (const left of queue.waiting.splice(0)) left.done('failed');
    if (dropped) this.logger.warn({ dropped }, 'alerts still waiting at shutdown were not posted');
  }

  /** How many alerts wait across all channels (for logs and the benchmark). */
  get queued(): number {
    let total = 0;
    for (const queue of this.queues.values()) total += queue.waiting.length;
    return total;
  }

  private async drain(key: string, teamId: string, channelId: string): Promise<void> {
    const queue = this.queues.get(key)!;
    // The queue outlives its last message by one interval, so an alert that comes right after a
    // burst still waits its turn; a channel idle longer than that delays nothing and is forgotten.
    for (;;) {
      const wait = queue.lastAt + this.intervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
      const next = queue.waiting.shift();
      if (!next) break;
      // The drain runs in the scope of the request that started it; each post belongs to its own.
      const result = await inRequestScope(next.requestId, () => this.send(teamId, channelId, next.message));
      queue.lastAt = Date.now();
      next.done(result);
      if (result === 'gone') {
        for (const left of queue.waiting.splice(0)) left.done('gone');
      }
    }
    this.queues.delete(key);
  }

  private async send(teamId: string, channelId: string, message: AlertMessage): Promise<'posted' | 'gone' | 'failed'> {
    try {
      const token = await this.tokenFor(teamId);
      if (!token) {
        this.logger.warn({ team: teamId }, 'no bot token for the team (uninstalled?): an alert was not posted');
        return 'failed';
      }
      const { text, blocks } = renderAlertMessage(
        message,
        await this.options.siteUrlOf?.(message.subscription.tenantKey),
      );
      await this.client.chat.postMessage({
        token,
        channel: channelId,
        text,
        blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      this.options.onPosted?.('ok');
      return 'posted';
    } catch (error) {
      this.options.onPosted?.('error');
      const code = (error as { data?: { error?: string }; code?: string; statusCode?: number }).data?.error;
      const status = (error as { statusCode?: number }).statusCode;
      if ((code && GONE.has(code)) || status === 410) return 'gone';
      this.logger.warn(
        { err: error, team: teamId, channel: channelId, code },
        code === 'not_in_channel'
          ? 'the bot is not in the channel: invite it to post alerts there'
          : 'an alert could not be posted',
      );
      return 'failed';
    }
  }
}
