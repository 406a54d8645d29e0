import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend, turn } from './fixtures.js';

describeOnEachBackend('store', (opened) => {
  let store: Store;
  beforeAll(() => {
    store = opened();
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
});
