import { beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend, by, now, pending } from './fixtures.js';

describeOnEachBackend('confirmations', (opened) => {
  let store: Store;
  beforeAll(() => {
    store = opened();
  });

  it('claims a pending write once, for its requester, before it expires', async () => {
    const write = pending();
    await store.confirmations.save(write);
    // The same user id in another workspace is another tenant: the write does not exist for it.
    expect(await store.confirmations.claim(write.id, by('U1', 'T2'), now)).toEqual({ ok: false, reason: 'missing' });
    expect(await store.confirmations.cancel(write.id, by('U1', 'T2'), now)).toEqual({ ok: false, reason: 'missing' });
    expect(await store.confirmations.claim(write.id, by('U2'), now)).toEqual({ ok: false, reason: 'not_yours' });
    const first = await store.confirmations.claim(write.id, by('U1'), now);
    expect(first).toMatchObject({ ok: true, write: { id: write.id, plan: write.plan, channelId: 'C1' } });
    expect(await store.confirmations.claim(write.id, by('U1'), now)).toEqual({ ok: false, reason: 'used' });
    await store.confirmations.finish(write.id, 'done');
    expect(await store.confirmations.claim(write.id, by('U1'), now)).toEqual({ ok: false, reason: 'used' });
  });

  it('lets exactly one of many simultaneous claims win', async () => {
    const write = pending();
    await store.confirmations.save(write);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => store.confirmations.claim(write.id, by('U1'), now)),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
  });

  it('refuses expired and unknown writes, and cancels once', async () => {
    const expired = pending({ expiresAt: new Date(now.getTime() - 1) });
    await store.confirmations.save(expired);
    expect(await store.confirmations.claim(expired.id, by('U1'), now)).toEqual({ ok: false, reason: 'expired' });
    expect(await store.confirmations.claim('nope', by('U1'), now)).toEqual({ ok: false, reason: 'missing' });
    const write = pending();
    await store.confirmations.save(write);
    expect((await store.confirmations.cancel(write.id, by('U1'), now)).ok).toBe(true);
    expect(await store.confirmations.claim(write.id, by('U1'), now)).toEqual({ ok: false, reason: 'used' });
  });

  it('prunes pending writes long past their expiry', async () => {
    const old = pending({ expiresAt: new Date(now.getTime() - 8 * 86_400_000) });
    const recent = pending();
    await store.confirmations.save(old);
    await store.confirmations.save(recent);
    expect(await store.confirmations.prune(new Date(now.getTime() - 7 * 86_400_000))).toBeGreaterThanOrEqual(1);
    expect(await store.confirmations.claim(old.id, by('U1'), now)).toEqual({ ok: false, reason: 'missing' });
    expect((await store.confirmations.claim(recent.id, by('U1'), now)).ok).toBe(true);
  });

  it('carries token usage on a pending write through claim and cancel, and omits it when absent', async () => {
    const usage = { promptTokens: 1234, completionTokens: 56, modelCalls: 2 };
    const withUsage = pending({ usage });
    await store.confirmations.save(withUsage);
    const claimed = await store.confirmations.claim(withUsage.id, by('U1'), now);
    expect(claimed.ok).toBe(true);
    if (!claimed.ok) throw new Error('claim failed');
    expect(claimed.write.usage).toEqual(usage);
    expect(claimed.write.createdAt).toEqual(withUsage.createdAt);

    const cancelledWithUsage = pending({ usage: { promptTokens: 7, completionTokens: 8, modelCalls: 1 } });
    await store.confirmations.save(cancelledWithUsage);
    const cancelled = await store.confirmations.cancel(cancelledWithUsage.id, by('U1'), now);
    if (!cancelled.ok) throw new Error('cancel failed');
    expect(cancelled.write.usage).toEqual({ promptTokens: 7, completionTokens: 8, modelCalls: 1 });

    const withoutUsage = pending();
    await store.confirmations.save(withoutUsage);
    const plain = await store.confirmations.claim(withoutUsage.id, by('U1'), now);
    if (!plain.ok) throw new Error('claim failed');
    expect('usage' in plain.write).toBe(false);
  });
});
