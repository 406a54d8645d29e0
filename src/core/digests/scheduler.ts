import { toAppError } from '../errors.js';
import type { Clock, Logger } from '../ports.js';
import type { DeliveryResult, DigestDelivery, DigestStore } from './ports.js';
import type { DigestService } from './service.js';
import { nextRunAfter, pipelineDue } from './time.js';
import type { DigestJob } from './types.js';

export interface DigestSchedulerDeps {
  store: DigestStore;
  digests: Pick<DigestService, 'build'>;
  delivery: DigestDelivery;
  clock: Clock;
  logger: Logger;
  /** How long a claimed digest is this instance's alone (reading EspoCRM and posting fit well inside). */
  leaseMs?: number;
  /** How long a failed attempt waits before the next. */
  retryMs?: number;
  /** Attempts at one occurrence before it is given up (and the digest waits for its next one). */
  maxAttempts?: number;
  /** Digests one tick sends at most; the rest wait for the next tick. */
  maxPerTick?: number;
}

export interface TickReport {
  sent: string[];
  retried: string[];
  skipped: string[];
  removed: string[];
}

const DAY_MS = 86_400_000;

/**
 * Sends digests when they are due. Every instance runs `tick` (app.ts: every 30 s); the store's
 * atomic lease makes each occurrence go out once across all of them. A sent digest moves to its
 * next occurrence after the moment it was sent, so one missed while the bot was down is sent once,
 * late, and not once per missed day.
 */
export class DigestScheduler {
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(private readonly deps: DigestSchedulerDeps) {}

  /** Whether a tick is running (the interval skips a beat rather than pile ticks up). */
  get busy(): boolean {
    return this.pending > 0;
  }

  private stopping = false;

  /** Resolves once no tick is running. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  /** Shutting down: no new claims (the digest being sent finishes), then idle. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  /** Sends every digest due at `now`. Ticks of one instance run one after another. */
  tick(now: Date = this.deps.clock.now()): Promise<TickReport> {
    this.pending += 1;
    const run = this.queue
      .then(() => this.run(now))
      .finally(() => {
        this.pending -= 1;
      });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(now: Date): Promise<TickReport> {
    const report: TickReport = { sent: [], retried: [], skipped: [], removed: [] };
    const { store, leaseMs = 5 * 60_000, maxPerTick = 50 } = this.deps;
    for (let count = 0; count < maxPerTick && !this.stopping; count += 1) {
      // A lease counts from this claim, not from the tick's start: a long tick must not hand
      // another instance a digest whose lease it took minutes ago (it would be sent twice).
      const claimedAt = Math.max(now.getTime(), this.deps.clock.now().getTime());
      const job = await store.claimDue(now, new Date(claimedAt + leaseMs));
      if (!job) break;
      await this.process(job, now, report);
    }
    return report;
  }

  private async process(job: DigestJob, now: Date, report: TickReport): Promise<void> {
    const { store, delivery, logger, retryMs = 60_000, maxAttempts = 3 } = this.deps;
    const lease = job.leaseUntil ?? now;
    const log = {
      digest: job.id,
      team: job.teamId,
      channel: job.channelId,
      personal: job.personal,
      dueAt: job.nextRunAt.toISOString(),
      attempt: job.failures + 1,
    };
    const lastAttempt = job.failures + 1 >= maxAttempts;
    let result: DeliveryResult;
    try {
      const tenant = { key: job.tenantKey, teamId: job.teamId, userId: job.userId };
      const since = job.lastSentAt ?? new Date(now.getTime() - DAY_MS);
      const audience = { ...job, withPipeline: pipelineDue(job, now) };
      const digest = await this.deps.digests.build(tenant, audience, now, since, job.nextRunAt);
      // EspoCRM unreachable as a whole: try again soon. On the last attempt the digest goes out
      // anyway, saying what could not be read, so nobody waits for one that never comes.
      const failed = digest.sections.filter((section) => section.error);
      if (failed.length === digest.sections.length && !lastAttempt) throw failed[0]!.error;
      result = await delivery.send(job, digest);
    } catch (error) {
      const appError = toAppError(error);
      if (lastAttempt) {
        await store.finish(job.id, lease, nextRunAfter(job, now));
        report.skipped.push(job.id);
        logger.error({ ...log, err: error, code: appError.code }, 'a digest could not be sent; this one is skipped');
      } else {
        await store.retry(job.id, lease, new Date(now.getTime() + retryMs));
        report.retried.push(job.id);
        logger.warn({ ...log, err: error, code: appError.code }, 'a digest could not be sent; it will be tried again');
      }
      return;
    }
    if (result.ok) {
      // Posted: from here on a failure to record it must not lead to posting it again sooner than
      // the lease allows; if this throws, the lease still holds the digest until it runs out.
      const kept = await store.finish(job.id, lease, nextRunAfter(job, now), now);
      report.sent.push(job.id);
      logger.info(
        { ...log, lateMs: Math.max(0, now.getTime() - job.nextRunAt.getTime()), leaseLost: !kept },
        'digest sent',
      );
    } else if (result.reason === 'gone') {
      await store.delete(job.id);
      report.removed.push(job.id);
      logger.warn({ ...log, reason: result.detail }, 'a digest was deleted: its channel or workspace is gone');
    } else {
      await store.finish(job.id, lease, nextRunAfter(job, now));
      report.skipped.push(job.id);
      logger.warn({ ...log, reason: result.detail }, 'Slack refused a digest; this one is skipped');
    }
  }
}
