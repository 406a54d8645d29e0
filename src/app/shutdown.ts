import type { Server } from 'node:http';
import type { AppLogger } from '../observability/logger.js';
import type { WorkLimiter } from '../slack/work-limiter.js';
import type { Timers } from './timers.js';

/** What a graceful stop ends, in the order it ends them. */
export interface StopParts {
  timers: Timers;
  /** The Bolt app: stopping it stops taking requests (Socket Mode: the socket closes). */
  app: { stop(): Promise<unknown> };
  /** HTTP mode: the receiver and its server. */
  httpReceiver?: { closeConnectionsAfterResponses(): void };
  httpServer?: Server;
  botToken?: { stop(): void };
  scheduler: { stop(): Promise<void> };
  doctor: { idle(): Promise<void> };
  limiter: WorkLimiter;
  alertSink: { idle(): Promise<void>; close(): void };
  store: { close(): Promise<void> };
  logger: AppLogger;
  /** SHUTDOWN_GRACE_SECONDS, in ms. */
  graceMs: number;
}

/**
 * Graceful stop (SIGTERM): no new request is taken, work already acknowledged finishes (up to the
 * grace period), then the database is closed.
 */
export async function stopGracefully(parts: StopParts): Promise<void> {
  const { timers, app, httpReceiver, httpServer, botToken, scheduler, doctor, limiter, alertSink, store, logger } =
    parts;
  const pollingDone = timers.stop();
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
    Promise.all([scheduler.stop(), pollingDone, listenerStopped])
      .then(() => doctor.idle())
      .then(() => limiter.idle())
      .then(() => alertSink.idle())
      .then(() => true),
    new Promise<false>((resolve) => (graceTimer = setTimeout(() => resolve(false), parts.graceMs))),
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
}
