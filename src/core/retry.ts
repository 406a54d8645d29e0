/**
 * Retrying a call that may be repeated safely (a read), inside a total deadline: someone in Slack
 * is waiting, so the deadline bounds the whole thing, waits included, and a wait that would end
 * past it is not started. Waits are capped exponential backoff with full jitter (a random wait
 * between zero and the cap), so instances that failed together do not retry together; a server's
 * Retry-After is a floor under the wait.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The first backoff's cap; each later one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Total time for all attempts and waits, from the first attempt's start. */
  deadlineMs: number;
  /** An attempt is not started with less time than this left (it could not finish). */
  minAttemptMs: number;
}

/** Why a failure may be retried; `afterMs`: the server asked for at least this long a wait. */
export interface Transient {
  reason: string;
  afterMs?: number;
}

export interface RetryHooks {
  /** Undefined: the failure is final (a 4xx, a validation error), thrown at once. */
  transient(error: unknown): Transient | undefined;
  onRetry?(error: unknown, info: { attempt: number; delayMs: number; reason: string }): void;
  now?(): number;
  sleep?(ms: number): Promise<void>;
  random?(): number;
}

/** Full jitter: a random wait in [0, min(max, base · 2^attempt)). `attempt` counts from 0. */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt(remainingMs)` until it succeeds, fails for good, runs out of attempts, or the next
 * wait plus a useful attempt no longer fits before the deadline; then the last error is thrown.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  hooks: RetryHooks,
  attempt: (remainingMs: number) => Promise<T>,
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const sleep = hooks.sleep ?? sleepFor;
  const deadline = now() + policy.deadlineMs;
  for (let tried = 0; ; tried++) {
    try {
      return await attempt(deadline - now());
    } catch (error) {
      const transient = hooks.transient(error);
      if (!transient || tried + 1 >= policy.attempts) throw error;
      const delayMs = Math.max(transient.afterMs ?? 0, backoffDelay(tried, policy, hooks.random));
      if (now() + delayMs + policy.minAttemptMs > deadline) throw error;
      hooks.onRetry?.(error, { attempt: tried + 1, delayMs, reason: transient.reason });
      await sleep(delayMs);
    }
  }
}
