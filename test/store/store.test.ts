import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationTurn } from '../../src/core/conversation/ports.js';
import type { PendingWrite } from '../../src/core/writes/ports.js';
import { migrationProvider } from '../../src/store/migrations.js';
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
/** Who presses Confirm: a person of workspace T1 unless told otherwise. */
const by = (userId: string, teamId = 'T1') => ({ teamId, userId });
let sequence = 0;
function turn(
  role: ConversationTurn['role'],
  text: string,
  offsetMs: number,
  extra: Partial<ConversationTurn> = {},
): ConversationTurn {
  return { role, text, at: new Date(now.getTime() + offsetMs), ...extra };
}

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

    it('keeps the connection cache per tenant, the catalog apart, and forgets it for a new connection', async () => {
      await store.connections.put('T1', { connectionId: 'c1', state: 'READY' });
      await store.connections.putCatalog('T1', [{ key: 'list-leads', name: 'List leads' }], 5);
      await store.connections.put('T2', { connectionId: 'c2', state: 'READY' });
      expect(await store.connections.get('T1')).toEqual({ connectionId: 'c1', state: 'READY', catalogFetchedAt: 5 });
      expect(await store.connections.getCatalog('T1')).toEqual([{ key: 'list-leads', name: 'List leads' }]);
      await store.connections.put('T1', { connectionId: 'c1', state: 'READY' });
      expect(await store.connections.getCatalog('T1')).toHaveLength(1);
      await store.connections.put('T1', { connectionId: 'c1b', state: 'READY' });
      expect(await store.connections.get('T1')).toEqual({
        connectionId: 'c1b',
        state: 'READY',
        catalogFetchedAt: undefined,
      });
      expect(await store.connections.getCatalog('T1')).toBeUndefined();
      expect(await store.connections.get('T2')).toEqual({
        connectionId: 'c2',
        state: 'READY',
        catalogFetchedAt: undefined,
      });
      await store.connections.delete('T1');
      expect(await store.connections.get('T1')).toBeUndefined();
    });

    it("keeps a tenant's address and findings across its connections, and claims each connection's automatic check once", async () => {
      await store.connections.put('TP1', { connectionId: 'cp1', state: 'READY' });
      await store.profiles.setSiteUrl('TP1', 'TP1', 'https://crm.acme.test');
      const findings = { connectionId: 'cp1', checkedAt: 7, proxyPrefix: '/api/v1' as const, maxPageSize: 50 };
      await store.connections.putFindings('TP1', 'TP1', findings);
      // The cached connection carries what was learned about it, in the one query a warm request makes.
      expect(await store.connections.get('TP1')).toEqual({
        connectionId: 'cp1',
        state: 'READY',
        catalogFetchedAt: undefined,
        findings,
      });
      // The connection row goes (not READY), the profile stays; findings of another connection are not this one's.
      await store.connections.delete('TP1');
      await store.connections.put('TP1', { connectionId: 'cp2', state: 'READY' });
      expect((await store.connections.get('TP1'))?.findings).toBeUndefined();
      expect(await store.profiles.get('TP1')).toEqual({
        tenantKey: 'TP1',
        teamId: 'TP1',
        siteUrl: 'https://crm.acme.test',
        findings,
      });
      expect(await store.profiles.get('TP2')).toBeUndefined();

      const claims = await Promise.all([1, 2, 3].map(() => store.profiles.claimAutomaticCheck('TP1', 'TP1', 'cp2')));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.profiles.claimAutomaticCheck('TP1', 'TP1', 'cp2')).toBe(false);
      expect(await store.profiles.claimAutomaticCheck('TP1', 'TP1', 'cp3')).toBe(true);
      expect(await store.profiles.claimAutomaticCheck('TP3', 'TP3', 'cp9')).toBe(true);
      expect((await store.profiles.get('TP1'))?.siteUrl).toBe('https://crm.acme.test');
    });

    it('sees each Slack event id once', async () => {
      expect(await store.events.firstSighting('Ev1', now)).toBe(true);
      expect(await store.events.firstSighting('Ev1', now)).toBe(false);
      const racing = await Promise.all(Array.from({ length: 5 }, () => store.events.firstSighting('Ev2', now)));
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await store.events.prune(new Date(now.getTime() + 1))).toBe(2);
    });

    it('keeps an audit log of writes', async () => {
      await store.audit.record({
        tenantKey: 'TA',
        teamId: 'TA',
        userId: 'U1',
        action: 'create Lead',
        input: { a: 1 },
        outcome: 'done',
        at: now,
      });
      await store.audit.record({
        tenantKey: 'TA',
        teamId: 'TA',
        userId: 'U1',
        action: 'delete Lead x',
        input: null,
        outcome: 'failed',
        detail: 'not_found',
        at: new Date(now.getTime() + 1),
      });
      const entries = await store.audit.recent('TA', 10);
      expect(entries.map((entry) => [entry.action, entry.outcome])).toEqual([
        ['delete Lead x', 'failed'],
        ['create Lead', 'done'],
      ]);
      expect(entries[1]!.input).toEqual({ a: 1 });
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

    it('records token usage in the audit log, and omits it when absent', async () => {
      const usage = { promptTokens: 900, completionTokens: 40, modelCalls: 3 };
      await store.audit.record({
        tenantKey: 'TU',
        teamId: 'TU',
        userId: 'U1',
        action: 'create Lead',
        input: {},
        outcome: 'done',
        usage,
        at: now,
      });
      await store.audit.record({
        tenantKey: 'TU',
        teamId: 'TU',
        userId: 'U1',
        action: 'delete Lead',
        input: {},
        outcome: 'done',
        at: new Date(now.getTime() + 1),
      });
      const [newest, oldest] = await store.audit.recent('TU', 10);
      expect(oldest).toMatchObject({ action: 'create Lead', usage });
      expect(newest!.action).toBe('delete Lead');
      expect('usage' in newest!).toBe(false);
    });

    describe('conversations', () => {
      it('returns the turns of a thread oldest first, keeping order within one append and on equal times', async () => {
        await store.conversations.append(
          'th-order',
          'T1',
          [turn('user', 'show my deals', 0), turn('assistant', 'Here are 3 deals', 0)],
          50,
        );
        await store.conversations.append(
          'th-order',
          'T1',
          [turn('user', 'the second one', 1000), turn('assistant', 'Deal B', 2000)],
          50,
        );
        const turns = await store.conversations.recent('th-order', 'T1', new Date(0), 10);
        expect(turns.map((t) => [t.role, t.text])).toEqual([
          ['user', 'show my deals'],
          ['assistant', 'Here are 3 deals'],
          ['user', 'the second one'],
          ['assistant', 'Deal B'],
        ]);
        expect(turns.map((t) => t.at.getTime() - now.getTime())).toEqual([0, 0, 1000, 2000]);
        expect(turns[0]!.at).toBeInstanceOf(Date);
        expect('records' in turns[0]!).toBe(false);
      });

      it('limits to the newest turns, still oldest first', async () => {
        await store.conversations.append(
          'th-limit',
          'T1',
          Array.from({ length: 6 }, (_, i) => turn(i % 2 === 0 ? 'user' : 'assistant', `t${i}`, i * 1000)),
          50,
        );
        expect((await store.conversations.recent('th-limit', 'T1', new Date(0), 3)).map((t) => t.text)).toEqual([
          't3',
          't4',
          't5',
        ]);
        expect(await store.conversations.recent('th-limit', 'T1', new Date(0), 0)).toEqual([]);
      });

      it('leaves out turns before `since` (inclusive bound)', async () => {
        await store.conversations.append(
          'th-since',
          'T1',
          [turn('user', 'old', -60_000), turn('assistant', 'edge', 0), turn('user', 'new', 60_000)],
          50,
        );
        expect((await store.conversations.recent('th-since', 'T1', now, 10)).map((t) => t.text)).toEqual([
          'edge',
          'new',
        ]);
        expect(
          (await store.conversations.recent('th-since', 'T1', new Date(now.getTime() + 1), 10)).map((t) => t.text),
        ).toEqual(['new']);
      });

      it('keeps a thread to its tenant: another tenant in the same thread sees nothing', async () => {
        await store.conversations.append(
          'th-shared',
          'T1:U1',
          [turn('user', 'my pipeline', 0), turn('assistant', 'secret deal', 1)],
          50,
        );
        expect(await store.conversations.recent('th-shared', 'T1:U2', new Date(0), 10)).toEqual([]);
        await store.conversations.append('th-shared', 'T1:U2', [turn('user', 'mine', 2)], 1);
        expect((await store.conversations.recent('th-shared', 'T1:U2', new Date(0), 10)).map((t) => t.text)).toEqual([
          'mine',
        ]);
        // The other tenant's append (with keep 1) did not trim the first tenant's turns.
        expect((await store.conversations.recent('th-shared', 'T1:U1', new Date(0), 10)).map((t) => t.text)).toEqual([
          'my pipeline',
          'secret deal',
        ]);
        expect(await store.conversations.recent('th-other', 'T1:U1', new Date(0), 10)).toEqual([]);
      });

      it('trims a thread to the newest `keep` turns on append', async () => {
        await store.conversations.append(
          'th-keep',
          'T1',
          [turn('user', 'a', 0), turn('assistant', 'b', 1), turn('user', 'c', 2)],
          4,
        );
        await store.conversations.append('th-keep', 'T1', [turn('assistant', 'd', 3), turn('user', 'e', 4)], 4);
        expect((await store.conversations.recent('th-keep', 'T1', new Date(0), 100)).map((t) => t.text)).toEqual([
          'b',
          'c',
          'd',
          'e',
        ]);
        // Equal times: the later-inserted turns are the newer ones.
        await store.conversations.append(
          'th-keep',
          'T1',
          [turn('assistant', 'f', 10), turn('user', 'g', 10), turn('assistant', 'h', 10)],
          2,
        );
        expect((await store.conversations.recent('th-keep', 'T1', new Date(0), 100)).map((t) => t.text)).toEqual([
          'g',
          'h',
        ]);
        // Trimmed rows are gone, not just hidden.
        const rows = await store.db
          .selectFrom('conversation_turns')
          .select('text')
          .where('thread_key', '=', 'th-keep')
          .execute();
        expect(rows.map((row) => row.text).sort()).toEqual(['g', 'h']);
      });

      it('round-trips the records a turn showed', async () => {
        const records = [
          { entity: 'Opportunity', id: 'opp-1', name: 'Acme renewal' },
          { entity: 'Lead', id: 'lead-9' },
        ];
        await store.conversations.append(
          'th-records',
          'T1',
          [
            turn('user', 'show deals', 0),
            turn('assistant', 'Two records', 1, { records }),
            turn('assistant', 'none', 2, { records: [] }),
          ],
          50,
        );
        const turns = await store.conversations.recent('th-records', 'T1', new Date(0), 10);
        expect(turns[0]!.records).toBeUndefined();
        expect(turns[1]!.records).toEqual(records);
        expect('name' in turns[1]!.records![1]!).toBe(false);
        expect('records' in turns[2]!).toBe(false);
      });

      it('prunes turns older than a time and says how many', async () => {
        const base = -10 * 86_400_000;
        await store.conversations.append(
          'th-prune-a',
          'TP',
          [turn('user', 'ancient', base), turn('assistant', 'ancient reply', base + 1)],
          50,
        );
        await store.conversations.append(
          'th-prune-b',
          'TP',
          [turn('user', 'also old', base + 2), turn('user', 'fresh', 0)],
          50,
        );
        const before = await store.db
          .selectFrom('conversation_turns')
          .select('id')
          .where('at', '<', now.getTime() + base + 3)
          .execute();
        expect(before).toHaveLength(3);
        expect(await store.conversations.prune(new Date(now.getTime() + base + 3))).toBe(3);
        expect(await store.conversations.recent('th-prune-a', 'TP', new Date(0), 10)).toEqual([]);
        expect((await store.conversations.recent('th-prune-b', 'TP', new Date(0), 10)).map((t) => t.text)).toEqual([
          'fresh',
        ]);
        expect(await store.conversations.prune(new Date(now.getTime() + base + 3))).toBe(0);
      });
    });

    describe('Slack installations', () => {
      it('saves, replaces, finds and deletes an installation by its key', async () => {
        expect(await store.installations.find('TI1')).toBeUndefined();
        await store.installations.save('TI1', JSON.stringify({ team: { id: 'TI1' }, bot: { token: 'xoxb-1' } }));
        expect(JSON.parse((await store.installations.find('TI1'))!)).toEqual({
          team: { id: 'TI1' },
          bot: { token: 'xoxb-1' },
        });
        const [first] = await store.db
          .selectFrom('slack_installations')
          .select(['installed_at', 'updated_at'])
          .where('install_key', '=', 'TI1')
          .execute();
        // A reinstall (new scopes, a new token) replaces it and keeps when it was first installed.
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.installations.save('TI1', JSON.stringify({ team: { id: 'TI1' }, bot: { token: 'xoxb-2' } }));
        expect(JSON.parse((await store.installations.find('TI1'))!).bot.token).toBe('xoxb-2');
        const [second] = await store.db
          .selectFrom('slack_installations')
          .select(['installed_at', 'updated_at'])
          .where('install_key', '=', 'TI1')
          .execute();
        expect(second!.installed_at).toBe(first!.installed_at);
        expect(second!.updated_at).toBeGreaterThan(first!.updated_at);
        // Org-wide installs live under the enterprise id, beside workspace installs.
        await store.installations.save('EI1', '{"isEnterpriseInstall":true}');
        expect(await store.installations.delete('TI1')).toBe(true);
        expect(await store.installations.delete('TI1')).toBe(false);
        expect(await store.installations.find('TI1')).toBeUndefined();
        expect(await store.installations.find('EI1')).toBe('{"isEnterpriseInstall":true}');
      });

      it("forgets a workspace: its installation, every tenant's cached connection and threads, nobody else's", async () => {
        await store.installations.save('TF1', '{}');
        await store.installations.save('TF10', '{}');
        for (const tenant of ['TF1', 'TF1:U1', 'TF1:U_2', 'TF10', 'TF10:U1', 'tf1:U1', 'XTF1:U1']) {
          await store.connections.put(tenant, { connectionId: `conn-${tenant}`, state: 'READY' });
          await store.profiles.setSiteUrl(tenant, tenant.split(':')[0]!, `https://${tenant.replace(':', '-')}.example`);
          await store.conversations.append(
            `th-forget-${tenant}`,
            tenant,
            [turn('user', 'hi', 0), turn('assistant', 'hello', 1)],
            10,
          );
        }
        for (const [id, team] of [
          ['sub-tf1', 'TF1'],
          ['sub-tf10', 'TF10'],
        ] as const) {
          await store.db
            .insertInto('alert_subscriptions')
            .values({
              id,
              tenant_key: team,
              team_id: team,
              channel_id: 'C1',
              user_id: 'U1',
              dm: 0,
              entity: 'Lead',
              event: 'created',
              field: null,
              filters: '[]',
              created_at: 0,
            })
            .execute();
          await store.db
            .insertInto('digests')
            .values({
              id: `dg-${id}`,
              tenant_key: team,
              team_id: team,
              channel_id: 'C1',
              user_id: 'U1',
              personal: 0,
              crm_user_id: null,
              time: '09:00',
              days: 'daily',
              time_zone: 'UTC',
              next_run_at: 0,
              lease_until: null,
              last_sent_at: null,
              failures: 0,
              created_at: 0,
            })
            .execute();
        }
        // Each tenant's receiver token and webhook secrets, in workspace and in user scope.
        for (const tenant of ['TF1', 'TF1:U1', 'TF10']) {
          const team = tenant.split(':')[0]!;
          await store.alerts.ensureDelivery({
            tenantKey: tenant,
            teamId: team,
            userId: 'U1',
            mode: 'webhook',
            token: `token-forget-${tenant}`,
            updatedAt: new Date(0),
          });
          await store.alerts.addWebhook({
            tenantKey: tenant,
            event: 'Lead.create',
            webhookId: `wh-${tenant}`,
            secretKey: 'secret',
            createdAt: new Date(0),
          });
        }
        expect(await store.installations.forgetWorkspace('TF1')).toEqual({
          installation: true,
          connections: 3,
          turns: 6,
          subscriptions: 1,
          webhooks: 2,
          receiverTokens: 2,
          digests: 1,
          profiles: 3,
        });
        expect(await store.profiles.get('TF1:U1')).toBeUndefined();
        expect(await store.profiles.get('TF10:U1')).toMatchObject({ siteUrl: 'https://TF10-U1.example' });
        expect(
          await store.db.selectFrom('alert_subscriptions').select('id').where('id', 'like', 'sub-tf%').execute(),
        ).toEqual([{ id: 'sub-tf10' }]);
        for (const gone of ['TF1', 'TF1:U1']) {
          expect(await store.alerts.deliveryByToken(`token-forget-${gone}`)).toBeUndefined();
          expect(await store.alerts.webhooks(gone)).toEqual([]);
        }
        expect(await store.alerts.deliveryByToken('token-forget-TF10')).toMatchObject({ tenantKey: 'TF10' });
        expect(await store.alerts.webhooks('TF10')).toHaveLength(1);
        for (const gone of ['TF1', 'TF1:U1', 'TF1:U_2']) {
          expect(await store.connections.get(gone)).toBeUndefined();
          expect(await store.conversations.recent(`th-forget-${gone}`, gone, new Date(0), 10)).toEqual([]);
        }
        // A team whose id starts the same, another case, another prefix: untouched.
        for (const kept of ['TF10', 'TF10:U1', 'tf1:U1', 'XTF1:U1']) {
          expect(await store.connections.get(kept)).toMatchObject({ connectionId: `conn-${kept}` });
          expect(await store.conversations.recent(`th-forget-${kept}`, kept, new Date(0), 10)).toHaveLength(2);
        }
        expect(await store.installations.find('TF10')).toBe('{}');
        // Again: nothing left, nothing fails.
        expect(await store.installations.forgetWorkspace('TF1')).toEqual({
          installation: false,
          connections: 0,
          turns: 0,
          subscriptions: 0,
          webhooks: 0,
          receiverTokens: 0,
          digests: 0,
          profiles: 0,
        });
      });
    });

    it('answers a readiness ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

describe('migrations', () => {
  it("on PostgreSQL, migrate the connection's own schema while another schema of the database has the same tables", async () => {
    // Another deployment (or another app using Kysely) in the same database: its migration tables
    // must not be taken for this schema's.
    const other = await freshPostgresSchema();
    const own = await freshPostgresSchema();
    try {
      await (await openStore(other.url)).close();
      const store = await openStore(own.url);
      await store.audit.record({
        tenantKey: 'T',
        teamId: 'T',
        userId: 'U',
        action: 'x',
        input: {},
        outcome: 'done',
        at: now,
      });
      expect(await store.audit.recent('T', 5)).toHaveLength(1);
      await store.close();
    } finally {
      await own.drop();
      await other.drop();
    }
  });

  it('run once and are idempotent across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-store-'));
    const url = `sqlite:${join(dir, 'bot.db')}`;
    const first = await openStore(url);
    await first.audit.record({
      tenantKey: 'T',
      teamId: 'T',
      userId: 'U',
      action: 'x',
      input: {},
      outcome: 'done',
      at: now,
    });
    await first.close();
    const second = await openStore(url);
    expect(await second.audit.recent('T', 5)).toHaveLength(1);
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on PostgreSQL, keep to their own schema when another schema of the database has migrated too', async () => {
    const other = await freshPostgresSchema();
    const ours = await freshPostgresSchema();
    try {
      await (await openStore(other.url)).close();
      const store = await openStore(ours.url);
      await store.audit.record({
        tenantKey: 'T',
        teamId: 'T',
        userId: 'U',
        action: 'x',
        input: {},
        outcome: 'done',
        at: now,
      });
      expect(await store.audit.recent('T', 5)).toHaveLength(1);
      await store.close();
      // A restart finds its own migrations done.
      await (await openStore(ours.url)).close();
    } finally {
      await other.drop();
      await ours.drop();
    }
  });

  it('upgrade a database made by 001 in place: its rows stay readable, without usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-store-'));
    const file = join(dir, 'bot.db');
    const only001: MigrationProvider = {
      async getMigrations() {
        const all = await migrationProvider.getMigrations();
        return { '001_initial': all['001_initial']! };
      },
    };
    const old = new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(file) }),
    });
    expect((await new Migrator({ db: old, provider: only001 }).migrateToLatest()).error).toBeUndefined();
    const write = pending();
    await old
      .insertInto('pending_writes')
      .values({
        id: write.id,
        tenant_key: 'T',
        team_id: 'T',
        user_id: 'U1',
        channel_id: null,
        plan: JSON.stringify(write.plan),
        state: 'pending',
        created_at: write.createdAt.getTime(),
        expires_at: write.expiresAt.getTime(),
        finished_at: null,
      })
      .execute();
    await old
      .insertInto('audit_log')
      .values({
        id: 'a1',
        tenant_key: 'T',
        team_id: 'T',
        user_id: 'U1',
        action: 'old',
        input: '{}',
        outcome: 'done',
        detail: null,
        at: now.getTime(),
      })
      .execute();
    await old.destroy();

    const store = await openStore(`sqlite:${file}`);
    const claimed = await store.confirmations.claim(write.id, by('U1', 'T'), now);
    if (!claimed.ok) throw new Error('claim failed');
    expect(claimed.write.plan).toEqual(write.plan);
    expect('usage' in claimed.write).toBe(false);
    const [entry] = await store.audit.recent('T', 5);
    expect(entry).toMatchObject({ action: 'old', outcome: 'done' });
    expect('usage' in entry!).toBe(false);
    await store.conversations.append('th', 'T', [turn('user', 'hi', 0)], 10);
    expect((await store.conversations.recent('th', 'T', new Date(0), 10)).map((t) => t.text)).toEqual(['hi']);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
