import type { Tenant } from '../ports.js';
import { POLL_PAGE, primeCursors } from './cursors.js';
import { type AlertServiceDeps, tenantOf } from './deps.js';
import type { AlertDispatch } from './dispatch.js';
import { attributesOfField, polledKind, watchedFields } from './match.js';
import type { AlertDelivery, CrmChange } from './types.js';
import { digest, stableJson, stringOr } from './values.js';
import { TRANSIENT_REFUSAL, type WebhookSetup } from './webhook-setup.js';

const MAX_POLL_PAGES = 10;
const WEBHOOK_RETRY_MS = 10 * 60_000;

/** Alerts for tenants the CRM cannot send webhooks to: their records read, round after round, through the CRM. */
export class AlertPolling {
  constructor(
    private readonly deps: AlertServiceDeps,
    private readonly setup: Pick<WebhookSetup, 'reconcile'>,
    private readonly dispatch: Pick<AlertDispatch, 'process'>,
  ) {}

  /**
   * One round over every tenant in polling mode: records modified since each entity's cursor, read
   * through the CRM in pages of at most 200, matched and de-duplicated like webhook batches. A
   * lease in the store keeps two instances from polling one tenant at once. The interval calls this.
   */
  async pollOnce(now: Date = this.deps.clock.now()): Promise<{ tenants: number; changes: number; alerts: number }> {
    const result = { tenants: 0, changes: 0, alerts: 0 };
    const leaseMs = Math.max(30_000, this.deps.pollSeconds * 1000);
    for (const delivery of await this.deps.store.pollingTenants()) {
      if (!(await this.deps.store.takeLease(delivery.tenantKey, now, new Date(now.getTime() + leaseMs)))) continue;
      result.tenants++;
      try {
        // A registration that failed for a passing reason (a timeout, a 5xx) is tried again every
        // ten minutes, so one bad moment does not leave a tenant polling for good.
        if (
          delivery.reason?.startsWith(TRANSIENT_REFUSAL) &&
          now.getTime() - delivery.updatedAt.getTime() >= WEBHOOK_RETRY_MS
        ) {
          if ((await this.setup.reconcile(tenantOf(delivery))).mode === 'webhook') continue;
        }
        const polled = await this.pollTenant(delivery);
        result.changes += polled.changes;
        result.alerts += polled.alerts;
      } catch (error) {
        this.deps.logger.warn(
          { err: error, tenant: delivery.tenantKey },
          'polling EspoCRM for alerts failed; the next round tries again',
        );
      } finally {
        await this.deps.store.releaseLease(delivery.tenantKey).catch(() => undefined);
      }
    }
    return result;
  }

  private async pollTenant(delivery: AlertDelivery): Promise<{ changes: number; alerts: number }> {
    const tenant = tenantOf(delivery);
    const subscriptions = await this.deps.store.subscriptionsOf(tenant.key);
    const cursors = await primeCursors(this.deps.crm, tenant, subscriptions, delivery.pollCursor ?? {});
    const changes: { change: CrmChange; key: string }[] = [];
    for (const entity of new Set(subscriptions.filter((s) => s.event !== 'deleted').map((s) => s.entity))) {
      // Keyset paging from the advancing cursor, not offsets over a set that changes while it is
      // read: a record modified meanwhile only moves later (and is seen again as a new change).
      let next = cursors[entity]!;
      let offset = 0;
      for (let page = 0; page < MAX_POLL_PAGES; page++) {
        const result = await this.deps.crm.list(tenant, {
          entity,
          filters: [{ field: 'modifiedAt', op: 'greaterThanOrEquals', value: next.at }],
          sort: { field: 'modifiedAt', order: 'asc' },
          limit: POLL_PAGE,
          offset,
        });
        let fresh = 0;
        for (const record of result.records) {
          const modifiedAt = stringOr(record.fields.modifiedAt);
          if (!modifiedAt || modifiedAt < next.at || (modifiedAt === next.at && next.ids.includes(record.id))) continue;
          fresh++;
          const change: CrmChange = {
            entity,
            kind: polledKind(record, cursors[entity]!),
            recordId: record.id,
            attributes: { ...record.fields, id: record.id },
            source: 'polling',
          };
          changes.push({ change, key: digest(`${tenant.key}|poll:${entity}|${record.id}|${modifiedAt}`) });
          next =
            modifiedAt > next.at
              ? { at: modifiedAt, ids: [record.id] }
              : { at: next.at, ids: [...next.ids, record.id] };
        }
        if (!result.hasMore || !result.records.length) break;
        // A full page of one second already seen: step past it rather than read it again.
        offset = fresh === 0 ? offset + result.records.length : 0;
      }
      cursors[entity] = next;
    }
    const seen = await this.deps.store.firstSightings(
      changes.map((c) => c.key),
      this.deps.clock.now(),
    );
    const fresh: CrmChange[] = [];
    for (const { change, key } of changes) {
      if (!seen.has(key)) continue;
      const watched = watchedFields(subscriptions, change.entity);
      fresh.push(
        watched.length ? { ...change, changed: await this.changedSinceLastPoll(tenant, change, watched) } : change,
      );
    }
    const result = await this.dispatch.process(tenant, fresh);
    await this.deps.store.saveCursor(tenant.key, cursors);
    return { changes: changes.length, alerts: result.alerts };
  }

  /**
   * Which watched fields of a polled record differ from what the last poll saw of it, remembered
   * per record: a later edit of a won deal does not announce its stage again. A record the bot has
   * not seen since subscribing counts as changed (its last value is unknown).
   */
  private async changedSinceLastPoll(tenant: Tenant, change: CrmChange, watched: string[]): Promise<string[]> {
    const entity = this.deps.entities.resolve(change.entity);
    const now = Object.fromEntries(
      watched.map((field) => [
        field,
        stableJson(attributesOfField(field, entity.fieldType(field)).map((name) => change.attributes[name] ?? null)),
      ]),
    );
    const scope = `poll:${change.entity}`;
    const kept = await this.deps.store.recordState(tenant.key, scope, change.recordId);
    const last = kept === undefined ? {} : (JSON.parse(kept) as Record<string, string>);
    // One instance polls a tenant at a time (the lease), so the write cannot lose to another.
    await this.deps.store.swapRecordState(
      tenant.key,
      scope,
      change.recordId,
      kept,
      JSON.stringify({ ...last, ...now }),
      this.deps.clock.now(),
    );
    return watched.filter((field) => last[field] !== now[field]);
  }
}
