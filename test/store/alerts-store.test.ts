import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '../../src/core/alerts/types.js';
import { openStore, type Store } from '../../src/store/store.js';
import { freshPostgresSchema } from '../support/databases.js';

/** The alerts tables (migration 004_alerts), on both databases the bot supports. */
const backends: { name: string; open(): Promise<{ store: Store; cleanup(): Promise<void> }> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'espo-alerts-'));
      const store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
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
const subscription = (over: Partial<Subscription>): Subscription => ({
  id: 'a1b2c3d4',
  tenantKey: 'T1',
  teamId: 'T1',
  userId: 'U1',
  channelId: 'C1',
  dm: false,
  entity: 'Opportunity',
  event: 'updated',
  field: 'stage',
  filters: [{ field: 'stage', op: 'equals', value: 'Closed Won' }],
  createdAt: now,
  ...over,
});

for (const backend of backends) {
  describe(`alert store on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('keeps subscriptions per tenant, lists a channel with the person’s DM ones, removes once', async () => {
      await store.alerts.addSubscription(subscription({}));
      await store.alerts.addSubscription(
        subscription({
          id: 'dm000001',
          dm: true,
          channelId: 'C2',
          event: 'assigned',
          field: undefined,
          entity: 'Task',
        }),
      );
      await store.alerts.addSubscription(subscription({ id: 'other001', tenantKey: 'T2', teamId: 'T2' }));
      expect(await store.alerts.subscription('a1b2c3d4')).toEqual(subscription({}));
      expect((await store.alerts.subscriptionsOf('T1')).map((s) => s.id).sort()).toEqual(['a1b2c3d4', 'dm000001']);
      expect((await store.alerts.subscriptionsIn('T1', 'C1', 'U1')).map((s) => s.id)).toEqual(['a1b2c3d4', 'dm000001']);
      expect((await store.alerts.subscriptionsIn('T1', 'C1', 'U9')).map((s) => s.id)).toEqual(['a1b2c3d4']);
      const [first, second] = await Promise.all([
        store.alerts.removeSubscription('dm000001'),
        store.alerts.removeSubscription('dm000001'),
      ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
    });

    it('keeps webhooks and the delivery state, found by its token', async () => {
      expect(
        await store.alerts.addWebhook({
          tenantKey: 'T1',
          event: 'Opportunity.fieldUpdate.stage',
          webhookId: 'wh1',
          secretKey: 's3cret',
          createdAt: now,
        }),
      ).toBe(true);
      // One per event per tenant: a second registration for the same event (another instance's) is refused.
      expect(
        await store.alerts.addWebhook({
          tenantKey: 'T1',
          event: 'Opportunity.fieldUpdate.stage',
          webhookId: 'wh2',
          secretKey: 'other',
          createdAt: now,
        }),
      ).toBe(false);
      expect(await store.alerts.webhooks('T1')).toEqual([
        {
          tenantKey: 'T1',
          event: 'Opportunity.fieldUpdate.stage',
          webhookId: 'wh1',
          secretKey: 's3cret',
          createdAt: now,
        },
      ]);
      await store.alerts.saveDelivery({
        tenantKey: 'T1',
        teamId: 'T1',
        userId: 'U1',
        mode: 'webhook',
        token: 'tok-0123456789abcdef',
        updatedAt: now,
      });
      await store.alerts.saveDelivery({
        tenantKey: 'T1',
        teamId: 'T1',
        userId: 'U1',
        mode: 'polling',
        reason: 'refused',
        token: 'ignored-on-update',
        updatedAt: now,
      });
      expect(await store.alerts.deliveryByToken('tok-0123456789abcdef')).toMatchObject({
        tenantKey: 'T1',
        mode: 'polling',
        reason: 'refused',
      });
      expect(await store.alerts.deliveryByToken('ignored-on-update')).toBeUndefined();
      expect((await store.alerts.pollingTenants()).map((d) => d.tenantKey)).toEqual(['T1']);
      await store.alerts.removeWebhook('T1', 'wh1');
      expect(await store.alerts.webhooks('T1')).toEqual([]);
    });

    it('creates a tenant’s delivery state once: instances racing with their own tokens all get the stored one', async () => {
      const initial = (token: string) => ({
        tenantKey: 'T1:U7',
        teamId: 'T1',
        userId: 'U7',
        mode: 'webhook' as const,
        token,
        updatedAt: now,
      });
      const tokens = ['race-token-aaaaaaaaaaaa', 'race-token-bbbbbbbbbbbb', 'race-token-cccccccccccc'];
      const created = await Promise.all(tokens.map((token) => store.alerts.ensureDelivery(initial(token))));
      const stored = (await store.alerts.delivery('T1:U7'))!.token;
      expect(tokens).toContain(stored);
      expect(created.map((d) => d.token)).toEqual([stored, stored, stored]);
      for (const token of tokens.filter((t) => t !== stored))
        expect(await store.alerts.deliveryByToken(token)).toBeUndefined();
      // Later, the existing state is kept, whatever token the caller brings.
      expect(
        await store.alerts.ensureDelivery({ ...initial('race-token-dddddddddddd'), mode: 'polling' }),
      ).toMatchObject({ token: stored, mode: 'webhook' });
    });

    it('gives a tenant’s polling lease to one caller at a time', async () => {
      const until = new Date(now.getTime() + 60_000);
      const wins = await Promise.all([1, 2, 3].map(() => store.alerts.takeLease('T1', now, until)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await store.alerts.takeLease('T1', new Date(now.getTime() + 1000), until)).toBe(false);
      expect(
        await store.alerts.takeLease('T1', new Date(until.getTime() + 1), new Date(until.getTime() + 60_000)),
      ).toBe(true);
      await store.alerts.releaseLease('T1');
      expect(await store.alerts.takeLease('T1', now, until)).toBe(true);
      await store.alerts.saveCursor('T1', { Case: { at: '2026-11-25 12:00:00', ids: ['c1'] } });
      expect((await store.alerts.delivery('T1'))?.pollCursor).toEqual({
        Case: { at: '2026-11-25 12:00:00', ids: ['c1'] },
      });
    });

    it('sees an alert key once, across concurrent callers, and prunes old ones', async () => {
      const [a, b] = await Promise.all([
        store.alerts.firstSightings(['k1', 'k2'], now),
        store.alerts.firstSightings(['k2', 'k3'], now),
      ]);
      expect([...a, ...b].sort()).toEqual(['k1', 'k2', 'k3']);
      expect(await store.alerts.firstSightings(['k1', 'k4'], now)).toEqual(new Set(['k4']));
      expect(await store.alerts.pruneSeen(new Date(now.getTime() + 1))).toBe(4);
    });

    it('keeps what was last seen of a record per scope, set by one of two concurrent callers, pruned by scope and age', async () => {
      const swap = (expected: string | undefined, next: string, at = now) =>
        store.alerts.swapRecordState('T1', 'webhook:wh1', 'r1', expected, next, at);
      expect(await store.alerts.recordState('T1', 'webhook:wh1', 'r1')).toBeUndefined();
      const first = await Promise.all([swap(undefined, '["a"]'), swap(undefined, '["a"]')]);
      expect(first.sort()).toEqual([false, true]);
      const second = await Promise.all([swap('["a"]', '["b"]'), swap('["a"]', '["c"]')]);
      expect(second.filter(Boolean)).toHaveLength(1);
      expect(['["b"]', '["c"]']).toContain(await store.alerts.recordState('T1', 'webhook:wh1', 'r1'));
      expect(await swap('["a"]', '["d"]')).toBe(false);
      // Scopes and tenants are apart; pruning goes by scope prefix and age.
      await store.alerts.swapRecordState('T1', 'poll:Opportunity', 'r1', undefined, '{}', now);
      await store.alerts.swapRecordState(
        'T2',
        'webhook:wh1',
        'r1',
        undefined,
        '["z"]',
        new Date(now.getTime() + 60_000),
      );
      expect(await store.alerts.recordState('T2', 'webhook:wh1', 'r1')).toBe('["z"]');
      expect(await store.alerts.pruneRecordStates('webhook:', new Date(now.getTime() + 1))).toBe(1);
      expect(await store.alerts.recordState('T1', 'poll:Opportunity', 'r1')).toBe('{}');
      expect(await store.alerts.recordState('T2', 'webhook:wh1', 'r1')).toBe('["z"]');
    });
  });
}
