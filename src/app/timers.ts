import type { Config } from '../config/config.js';
import type { DigestScheduler } from '../core/digests/scheduler.js';
import type { AppLogger } from '../observability/logger.js';
import { inRequestScope, newRequestId } from '../observability/request-scope.js';
import type { WorkLimiter } from '../slack/work-limiter.js';
import type { Store } from '../store/store.js';

export interface TimerDeps {
  config: Pick<Config, 'alerts' | 'conversation' | 'digestTickSeconds'>;
  store: Pick<Store, 'events' | 'confirmations' | 'conversations' | 'alerts'>;
  alerts: { pollOnce(now?: Date): Promise<PollRound> };
  scheduler: DigestScheduler;
  limiter: WorkLimiter;
  logger: AppLogger;
}

export interface PollRound {
  tenants: number;
  changes: number;
  alerts: number;
}

export interface Timers {
  /** One alert polling round, behind the limiter (what the ALERT_POLL_SECONDS timer runs). */
  pollOnce(now?: Date): Promise<PollRound>;
  /** Stops the timers; what settles when the polling round under way (if any) has ended. */
  stop(): Promise<unknown>;
}

const HOUR_MS = 60 * 60_000;

/** The app's three timers: hourly housekeeping, alert polling, digest ticks. None keeps the process alive. */
export function startTimers(deps: TimerDeps): Timers {
  const housekeeping = startHousekeeping(deps);
  const polling = startPolling(deps);
  const digestTicks = startDigestTicks(deps);
  return {
    pollOnce: polling.pollOnce,
    stop() {
      clearInterval(housekeeping);
      clearInterval(digestTicks);
      return polling.stop();
    },
  };
}

/**
 * Hourly housekeeping. Slack retries within minutes, so a day of event ids is plenty; a pending
 * write a week past its expiry can no longer be confirmed and the audit log has its outcome.
 */
function startHousekeeping({ store, config, logger }: TimerDeps): NodeJS.Timeout {
  const timer = setInterval(() => {
    const day = 24 * HOUR_MS;
    Promise.all([
      store.events.prune(new Date(Date.now() - day)),
      store.confirmations.prune(new Date(Date.now() - 7 * day)),
      store.conversations.prune(new Date(Date.now() - config.conversation.maxAgeMs)),
    ]).catch((error: unknown) => logger.warn({ err: error }, 'housekeeping failed'));
  }, HOUR_MS);
  timer.unref();
  return timer;
}

/** Alerts of tenants EspoCRM cannot send webhooks to: polled through the proxy, behind the limiter. */
function startPolling({ store, config, alerts, limiter, logger }: TimerDeps) {
  const pollOnce = (now?: Date) => limiter.run(() => inRequestScope(newRequestId(), () => alerts.pollOnce(now)));
  // One round at a time: a round slower than the interval must not pile up in the limiter.
  let polling: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (!polling) {
      polling = pollOnce()
        .catch((error: unknown) => logger.warn({ err: error }, 'alert polling failed'))
        .finally(() => (polling = undefined));
    }
    // EspoCRM retries a batch within about 40 minutes (4 attempts, 10 minutes apart): what the
    // last batch for a record was, and the polled keys, are not needed after two hours. What
    // polling saw of a record's watched fields is kept while the record keeps changing.
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * HOUR_MS);
    store.alerts.pruneSeen(hoursAgo(2)).catch(() => undefined);
    store.alerts.pruneRecordStates('webhook:', hoursAgo(2)).catch(() => undefined);
    store.alerts.pruneRecordStates('poll:', hoursAgo(90 * 24)).catch(() => undefined);
  }, config.alerts.pollSeconds * 1000);
  timer.unref();
  return {
    pollOnce,
    stop(): Promise<unknown> {
      clearInterval(timer);
      return Promise.resolve(polling);
    },
  };
}

/** Digests: every instance ticks; the store's lease sends each due digest once across all of them. */
function startDigestTicks({ scheduler, config, logger }: TimerDeps): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (scheduler.busy) return;
    inRequestScope(newRequestId(), () => scheduler.tick()).catch((error: unknown) =>
      logger.error({ err: error }, 'digest scheduler tick failed'),
    );
  }, config.digestTickSeconds * 1000);
  timer.unref();
  return timer;
}
