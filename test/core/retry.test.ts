import { describe, expect, it } from 'vitest';
import { backoffDelay, withRetries, type RetryPolicy } from '../../src/core/retry.js';

const policy: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000, deadlineMs: 5000, minAttemptMs: 250 };

/** A clock that only moves when the code under test sleeps. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => (now += ms),
    sleeps,
  };
}

describe('backoffDelay', () => {
  it('is full jitter under a cap that doubles per attempt up to the maximum', () => {
    expect(backoffDelay(0, policy, () => 0.999)).toBe(199);
    expect(backoffDelay(1, policy, () => 0.999)).toBe(399);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(1998);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});

describe('withRetries', () => {
  it('tries a passing failure again and returns the first success', async () => {
    const time = fakeTime();
    let calls = 0;
    const result = await withRetries(
      policy,
      { transient: () => ({ reason: 'http_503' }), now: time.now, sleep: time.sleep, random: () => 0.5 },
      async () => {
        if (++calls < 3) throw new Error('503');
        return 'ok';
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(time.sleeps).toEqual([100, 200]);
  });

  it('throws a final failure at once', async () => {
    let calls = 0;
    const failing = withRetries(policy, { transient: () => undefined }, async () => {
      calls++;
      throw new Error('400');
    });
    await expect(failing).rejects.toThrow('400');
    expect(calls).toBe(1);
  });

  it('stops after the last attempt', async () => {
    const time = fakeTime();
    let calls = 0;
    const failing = withRetries(
      policy,
      { transient: () => ({ reason: 'x' }), now: time.now, sleep: time.sleep },
      async () => {
        calls++;
        throw new Error(`attempt ${calls}`);
      },
    );
    await expect(failing).rejects.toThrow('attempt 3');
    expect(calls).toBe(3);
  });

  it("waits at least the server's Retry-After, and not at all when that would end past the deadline", async () => {
    const time = fakeTime();
    const seen: number[] = [];
    let calls = 0;
    await withRetries(
      policy,
      {
        transient: () => ({ reason: 'rate_limited', afterMs: 1000 }),
        now: time.now,
        sleep: time.sleep,
        random: () => 0,
      },
      async (remaining) => {
        seen.push(remaining);
        if (++calls === 1) throw new Error('429');
        return 'ok';
      },
    );
    expect(time.sleeps).toEqual([1000]);
    // Each attempt learns how much of the deadline is left (the gateway cuts its timeout to it).
    expect(seen).toEqual([5000, 4000]);

    const late = fakeTime();
    let tries = 0;
    const busy = withRetries(
      policy,
      { transient: () => ({ reason: 'rate_limited', afterMs: 7000 }), now: late.now, sleep: late.sleep },
      async () => {
        tries++;
        throw new Error('429, retry in 7 s');
      },
    );
    await expect(busy).rejects.toThrow('retry in 7 s');
    expect(tries).toBe(1);
    expect(late.sleeps).toEqual([]);
  });

  it('does not start an attempt that could not finish inside the deadline', async () => {
    const time = fakeTime();
    let calls = 0;
    const slow = withRetries(
      policy,
      { transient: () => ({ reason: 'timeout' }), now: time.now, sleep: time.sleep, random: () => 0 },
      async () => {
        calls++;
        time.advance(4800);
        throw new Error('timed out');
      },
    );
    await expect(slow).rejects.toThrow('timed out');
    expect(calls).toBe(1);
  });

  it('reports each retry with its attempt, wait and reason', async () => {
    const time = fakeTime();
    const retries: unknown[] = [];
    let calls = 0;
    await withRetries(
      policy,
      {
        transient: () => ({ reason: 'ECONNRESET' }),
        onRetry: (_error, info) => retries.push(info),
        now: time.now,
        sleep: time.sleep,
        random: () => 0.5,
      },
      async () => {
        if (++calls === 1) throw new Error('reset');
        return calls;
      },
    );
    expect(retries).toEqual([{ attempt: 1, delayMs: 100, reason: 'ECONNRESET' }]);
  });
});
