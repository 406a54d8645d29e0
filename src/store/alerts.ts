import type { Kysely, Selectable } from 'kysely';
import type { AlertStore } from '../core/alerts/ports.js';
import type { AlertDelivery, AlertRule, PollCursor, Subscription, WebhookRegistration } from '../core/alerts/types.js';
import type { Database } from './schema.js';

type SubscriptionRow = Selectable<Database['alert_subscriptions']>;
type DeliveryRow = Selectable<Database['alert_delivery']>;

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    tenantKey: row.tenant_key,
    teamId: row.team_id,
    channelId: row.channel_id,
    userId: row.user_id,
    dm: Number(row.dm) === 1,
    entity: row.entity,
    event: row.event as AlertRule['event'],
    ...(row.field ? { field: row.field } : {}),
    filters: JSON.parse(row.filters) as AlertRule['filters'],
    createdAt: new Date(row.created_at),
  };
}

function toDelivery(row: DeliveryRow): AlertDelivery {
  return {
    tenantKey: row.tenant_key,
    teamId: row.team_id,
    userId: row.user_id,
    mode: row.mode,
    ...(row.reason ? { reason: row.reason } : {}),
    token: row.token,
    ...(row.poll_cursor ? { pollCursor: JSON.parse(row.poll_cursor) as Record<string, PollCursor> } : {}),
    updatedAt: new Date(row.updated_at),
  };
}

function deliveryRow(d: AlertDelivery): DeliveryRow {
  return {
    tenant_key: d.tenantKey,
    team_id: d.teamId,
    user_id: d.userId,
    mode: d.mode,
    reason: d.reason ?? null,
    token: d.token,
    poll_cursor: d.pollCursor ? JSON.stringify(d.pollCursor) : null,
    lease_until: 0,
    updated_at: d.updatedAt.getTime(),
  };
}

/** Alert subscriptions, registered webhooks, per-tenant delivery state and seen alert keys. */
export class SqlAlertStore implements AlertStore {
  constructor(private readonly db: Kysely<Database>) {}

  async addSubscription(s: Subscription): Promise<void> {
    await this.db
      .insertInto('alert_subscriptions')
      .values({
        id: s.id,
        tenant_key: s.tenantKey,
        team_id: s.teamId,
        channel_id: s.channelId,
        user_id: s.userId,
        dm: s.dm ? 1 : 0,
        entity: s.entity,
        event: s.event,
        field: s.field ?? null,
        filters: JSON.stringify(s.filters),
        created_at: s.createdAt.getTime(),
      })
      .execute();
  }

  async removeSubscription(id: string): Promise<Subscription | undefined> {
    const row = await this.db.selectFrom('alert_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    // The conditional DELETE decides: of two removals at once, one gets the row and one nothing.
    const result = await this.db.deleteFrom('alert_subscriptions').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1 ? toSubscription(row) : undefined;
  }

  async subscription(id: string): Promise<Subscription | undefined> {
    const row = await this.db.selectFrom('alert_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSubscription(row);
  }

  async subscriptionsOf(tenantKey: string): Promise<Subscription[]> {
    const rows = await this.db
      .selectFrom('alert_subscriptions')
      .selectAll()
      .where('tenant_key', '=', tenantKey)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toSubscription);
  }

  async subscriptionsIn(teamId: string, channelId: string, userId: string): Promise<Subscription[]> {
    const rows = await this.db
      .selectFrom('alert_subscriptions')
      .selectAll()
      .where('team_id', '=', teamId)
      .where((eb) =>
        eb.or([
          eb.and([eb('channel_id', '=', channelId), eb('dm', '=', 0)]),
          eb.and([eb('user_id', '=', userId), eb('dm', '=', 1)]),
        ]),
      )
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toSubscription);
  }

  async webhooks(tenantKey: string): Promise<WebhookRegistration[]> {
    const rows = await this.db.selectFrom('alert_webhooks').selectAll().where('tenant_key', '=', tenantKey).execute();
    return rows.map((row) => ({
      tenantKey: row.tenant_key,
      event: row.event,
      webhookId: row.webhook_id,
      secretKey: row.secret_key,
      createdAt: new Date(row.created_at),
    }));
  }

  async addWebhook(w: WebhookRegistration): Promise<boolean> {
    const result = await this.db
      .insertInto('alert_webhooks')
      .values({
        tenant_key: w.tenantKey,
        event: w.event,
        webhook_id: w.webhookId,
        secret_key: w.secretKey,
        created_at: w.createdAt.getTime(),
      })
      .onConflict((oc) => oc.columns(['tenant_key', 'event']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async removeWebhook(tenantKey: string, webhookId: string): Promise<void> {
    await this.db
      .deleteFrom('alert_webhooks')
      .where('tenant_key', '=', tenantKey)
      .where('webhook_id', '=', webhookId)
      .execute();
  }

  async delivery(tenantKey: string): Promise<AlertDelivery | undefined> {
    const row = await this.db
      .selectFrom('alert_delivery')
      .selectAll()
      .where('tenant_key', '=', tenantKey)
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  async deliveryByToken(token: string): Promise<AlertDelivery | undefined> {
    const row = await this.db.selectFrom('alert_delivery').selectAll().where('token', '=', token).executeTakeFirst();
    return row && toDelivery(row);
  }

  async deliveriesOfTeam(teamId: string): Promise<AlertDelivery[]> {
    const rows = await this.db.selectFrom('alert_delivery').selectAll().where('team_id', '=', teamId).execute();
    return rows.map(toDelivery);
  }

  async ensureDelivery(d: AlertDelivery): Promise<AlertDelivery> {
    await this.db
      .insertInto('alert_delivery')
      .values(deliveryRow(d))
      .onConflict((oc) => oc.column('tenant_key').doNothing())
      .execute();
    // Whichever insert won, the stored row (and so its token) is the one everybody uses.
    const stored = await this.delivery(d.tenantKey);
    if (!stored) throw new Error(`the alert delivery state of ${d.tenantKey} was removed as it was created`);
    return stored;
  }

  async saveDelivery(d: AlertDelivery): Promise<void> {
    const { mode, reason, poll_cursor, updated_at } = deliveryRow(d);
    await this.db
      .insertInto('alert_delivery')
      .values(deliveryRow(d))
      // The token never changes once given out: EspoCRM's webhooks carry it in their URL.
      .onConflict((oc) => oc.column('tenant_key').doUpdateSet({ mode, reason, poll_cursor, updated_at }))
      .execute();
  }

  async pollingTenants(): Promise<AlertDelivery[]> {
    const rows = await this.db
      .selectFrom('alert_delivery')
      .selectAll()
      .where('mode', '=', 'polling')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('alert_subscriptions')
            .select('id')
            .whereRef('alert_subscriptions.tenant_key', '=', 'alert_delivery.tenant_key'),
        ),
      )
      .execute();
    return rows.map(toDelivery);
  }

  async takeLease(tenantKey: string, now: Date, until: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('alert_delivery')
      .set({ lease_until: until.getTime() })
      .where('tenant_key', '=', tenantKey)
      .where('lease_until', '<', now.getTime())
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async releaseLease(tenantKey: string): Promise<void> {
    await this.db.updateTable('alert_delivery').set({ lease_until: 0 }).where('tenant_key', '=', tenantKey).execute();
  }

  async saveCursor(tenantKey: string, cursor: Record<string, PollCursor>): Promise<void> {
    await this.db
      .updateTable('alert_delivery')
      .set({ poll_cursor: JSON.stringify(cursor) })
      .where('tenant_key', '=', tenantKey)
      .execute();
  }

  async firstSightings(keys: string[], now: Date): Promise<Set<string>> {
    const fresh = new Set<string>();
    if (!keys.length) return fresh;
    await this.db.transaction().execute(async (trx) => {
      for (const key of new Set(keys)) {
        const result = await trx
          .insertInto('seen_alerts')
          .values({ alert_key: key, seen_at: now.getTime() })
          .onConflict((oc) => oc.column('alert_key').doNothing())
          .executeTakeFirst();
        if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) fresh.add(key);
      }
    });
    return fresh;
  }

  async recordState(tenantKey: string, scope: string, recordId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('alert_record_state')
      .select('state')
      .where('tenant_key', '=', tenantKey)
      .where('scope', '=', scope)
      .where('record_id', '=', recordId)
      .executeTakeFirst();
    return row?.state;
  }

  async swapRecordState(
    tenantKey: string,
    scope: string,
    recordId: string,
    expected: string | undefined,
    next: string,
    now: Date,
  ): Promise<boolean> {
    // A conditional write decides between two instances: the insert of a new key, or the update
    // of the state the caller read.
    if (expected === undefined) {
      const result = await this.db
        .insertInto('alert_record_state')
        .values({ tenant_key: tenantKey, scope, record_id: recordId, state: next, seen_at: now.getTime() })
        .onConflict((oc) => oc.columns(['tenant_key', 'scope', 'record_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const result = await this.db
      .updateTable('alert_record_state')
      .set({ state: next, seen_at: now.getTime() })
      .where('tenant_key', '=', tenantKey)
      .where('scope', '=', scope)
      .where('record_id', '=', recordId)
      .where('state', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async pruneRecordStates(scopePrefix: string, olderThan: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('alert_record_state')
      // The prefixes are the bot's own (`webhook:`, `poll:`), with no LIKE wildcards in them.
      .where('scope', 'like', `${scopePrefix}%`)
      .where('seen_at', '<', olderThan.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async pruneSeen(olderThan: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('seen_alerts')
      .where('seen_at', '<', olderThan.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
