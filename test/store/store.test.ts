import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingWrite } from '../../src/core/ports.js';
import { openStore, type Store } from '../../src/store/store.js';
import { freshPostgresSchema } from '../support/databases.js';

/** The same behaviour, checked on both databases the bot supports. */
const backends: { name: string; open(): Promise<{ store: Store; cleanup(): Promise<void> }> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'espo-store-'));
      const store = await openStore(`sqlite:${join(dir, 'nested', 'bot.db')}`);
      return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await freshPostgresSchema();
      const store = await openStore(schema.url);
      return { store, cleanup: () => schema.drop() };
    },
  },
];

const now = new Date('2026-11-25T12:00:00Z');
let sequence = 0;
function pending(overrides: Partial<PendingWrite> = {}): PendingWrite {
  return {
    id: `pw-${++sequence}`,
    tenantKey: 'T1',
    teamId: 'T1',
    userId: 'U1',
    channelId: 'C1',
    plan: { kind: 'create', entity: 'Lead', fields: { lastName: 'Doe' } },
    createdAt: now,
    expiresAt: new Date(now.getTime() + 15 * 60_000),
    ...overrides,
  };
}

for (const backend of backends) {
  describe(`store on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it(`reports its dialect`, () => {
      expect(store.dialect).toBe(backend.name);
    });

    it('claims a pending write once, for its requester, before it expires', async () => {
      const write = pending();
      await store.confirmations.save(write);
      expect(await store.confirmations.claim(write.id, 'U2', now)).toEqual({ ok: false, reason: 'not_yours' });
      const first = await store.confirmations.claim(write.id, 'U1', now);
      expect(first).toMatchObject({ ok: true, write: { id: write.id, plan: write.plan, channelId: 'C1' } });
      expect(await store.confirmations.claim(write.id, 'U1', now)).toEqual({ ok: false, reason: 'used' });
      await store.confirmations.finish(write.id, 'done');
      expect(await store.confirmations.claim(write.id, 'U1', now)).toEqual({ ok: false, reason: 'used' });
    });

    it('lets exactly one of many simultaneous claims win', async () => {
      const write = pending();
      await store.confirmations.save(write);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.confirmations.claim(write.id, 'U1', now)));
      expect(results.filter((result) => result.ok)).toHaveLength(1);
    });

    it('refuses expired and unknown writes, and cancels once', async () => {
      const expired = pending({ expiresAt: new Date(now.getTime() - 1) });
      await store.confirmations.save(expired);
      expect(await store.confirmations.claim(expired.id, 'U1', now)).toEqual({ ok: false, reason: 'expired' });
      expect(await store.confirmations.claim('nope', 'U1', now)).toEqual({ ok: false, reason: 'missing' });
      const write = pending();
      await store.confirmations.save(write);
      expect((await store.confirmations.cancel(write.id, 'U1', now)).ok).toBe(true);
      expect(await store.confirmations.claim(write.id, 'U1', now)).toEqual({ ok: false, reason: 'used' });
    });

    it('prunes pending writes long past their expiry', async () => {
      const old = pending({ expiresAt: new Date(now.getTime() - 8 * 86_400_000) });
      const recent = pending();
      await store.confirmations.save(old);
      await store.confirmations.save(recent);
      expect(await store.confirmations.prune(new Date(now.getTime() - 7 * 86_400_000))).toBeGreaterThanOrEqual(1);
      expect(await store.confirmations.claim(old.id, 'U1', now)).toEqual({ ok: false, reason: 'missing' });
      expect((await store.confirmations.claim(recent.id, 'U1', now)).ok).toBe(true);
    });

    it('keeps the connection cache per tenant, the catalog apart, and forgets it for a new connection', async () => {
      await store.connections.put('T1', { connectionId: 'c1', state: 'READY' });
      await store.connections.putCatalog('T1', [{ key: 'list-leads', name: 'List leads' }], 5);
      await store.connections.put('T2', { connectionId: 'c2', state: 'READY' });
      expect(await store.connections.get('T1')).toEqual({ connectionId: 'c1', state: 'READY', catalogFetchedAt: 5 });
      expect(await store.connections.getCatalog('T1')).toEqual([{ key: 'list-leads', name: 'List leads' }]);
      await store.connections.put('T1', { connectionId: 'c1', state: 'READY' });
      expect(await store.connections.getCatalog('T1')).toHaveLength(1);
      await store.connections.put('T1', { connectionId: 'c1b', state: 'READY' });
      expect(await store.connections.get('T1')).toEqual({ connectionId: 'c1b', state: 'READY', catalogFetchedAt: undefined });
      expect(await store.connections.getCatalog('T1')).toBeUndefined();
      expect(await store.connections.get('T2')).toEqual({ connectionId: 'c2', state: 'READY', catalogFetchedAt: undefined });
      await store.connections.delete('T1');
      expect(await store.connections.get('T1')).toBeUndefined();
    });

    it('sees each Slack event id once', async () => {
      expect(await store.events.firstSighting('Ev1', now)).toBe(true);
      expect(await store.events.firstSighting('Ev1', now)).toBe(false);
      const racing = await Promise.all(Array.from({ length: 5 }, () => store.events.firstSighting('Ev2', now)));
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await store.events.prune(new Date(now.getTime() + 1))).toBe(2);
    });

    it('keeps an audit log of writes', async () => {
      await store.audit.record({ tenantKey: 'TA', teamId: 'TA', userId: 'U1', action: 'create Lead', input: { a: 1 }, outcome: 'done', at: now });
      await store.audit.record({ tenantKey: 'TA', teamId: 'TA', userId: 'U1', action: 'delete Lead x', input: null, outcome: 'failed', detail: 'not_found', at: new Date(now.getTime() + 1) });
      const entries = await store.audit.recent('TA', 10);
      expect(entries.map((entry) => [entry.action, entry.outcome])).toEqual([
        ['delete Lead x', 'failed'],
        ['create Lead', 'done'],
      ]);
      expect(entries[1]!.input).toEqual({ a: 1 });
    });

    it('answers a readiness ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

describe('migrations', () => {
  it('run once and are idempotent across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-store-'));
    const url = `sqlite:${join(dir, 'bot.db')}`;
    const first = await openStore(url);
    await first.audit.record({ tenantKey: 'T', teamId: 'T', userId: 'U', action: 'x', input: {}, outcome: 'done', at: now });
    await first.close();
    const second = await openStore(url);
    expect(await second.audit.recent('T', 5)).toHaveLength(1);
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
