import { describe, expect, it } from 'vitest';
import { WorkLimiter } from '../../src/slack/work-limiter.js';

describe('WorkLimiter', () => {
  it('runs at most `limit` at once, the rest in arrival order, and survives failures', async () => {
    const limiter = new WorkLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (id: number, fail = false) =>
      limiter.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(id);
        running--;
        if (fail) throw new Error(`task ${id} failed`);
        return id;
      });
    const results = await Promise.allSettled([task(1), task(2, true), task(3), task(4), task(5)]);
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(limiter.queued).toBe(0);
  });

  it('hands a freed slot to the longest waiter, not to a newcomer', async () => {
    const limiter = new WorkLimiter(1);
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = limiter.run(() =>
      new Promise<void>((resolve) => (releaseFirst = resolve)).then(() => void order.push('first')),
    );
    const waiter = limiter.run(async () => void order.push('waiter'));
    releaseFirst();
    await first;
    const newcomer = limiter.run(async () => void order.push('newcomer'));
    await Promise.all([waiter, newcomer]);
    expect(order).toEqual(['first', 'waiter', 'newcomer']);
  });

  it('tells when everything queued and running has finished (shutdown waits for it)', async () => {
    const limiter = new WorkLimiter(1);
    await limiter.idle();
    const finished: string[] = [];
    let release!: () => void;
    void limiter.run(() => new Promise<void>((resolve) => (release = resolve)).then(() => void finished.push('first')));
    void limiter.run(async () => void finished.push('queued'));
    expect(limiter.running).toBe(1);
    expect(limiter.queued).toBe(1);
    let idle = false;
    const drained = limiter.idle().then(() => (idle = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(idle).toBe(false);
    release();
    await drained;
    expect(finished).toEqual(['first', 'queued']);
    expect(limiter.running).toBe(0);
  });
});
