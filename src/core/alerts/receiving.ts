import { type AlertServiceDeps, tenantOf } from './deps.js';
import type { AlertDispatch } from './dispatch.js';
import type { AlertDelivery, CrmChange, WebhookRegistration } from './types.js';
import { digest, stableJson } from './values.js';

/**
 * Webhook batches, once the receiver (src/crm/espo/webhooks.ts) has verified them: whose they are,
 * what they say happened, and which of it was not delivered before.
 */
export class WebhookReceiving {
  constructor(
    private readonly deps: AlertServiceDeps,
    private readonly dispatch: Pick<AlertDispatch, 'process'>,
  ) {}

  /** The tenant and its webhooks behind a receiver token; undefined for a token nobody was given. */
  async receiverOf(token: string): Promise<{ delivery: AlertDelivery; webhooks: WebhookRegistration[] } | undefined> {
    if (!/^[\w-]{16,64}$/.test(token)) return undefined;
    const delivery = await this.deps.store.deliveryByToken(token);
    if (!delivery) return undefined;
    return { delivery, webhooks: await this.deps.store.webhooks(delivery.tenantKey) };
  }

  /** A verified batch from one of the tenant's webhooks: EspoCRM's JSON array of records. */
  async receive(
    delivery: AlertDelivery,
    webhook: WebhookRegistration,
    items: unknown[],
  ): Promise<{ changes: number; alerts: number }> {
    const event = this.deps.webhooks.readEvent(webhook.event);
    if (!event || delivery.mode !== 'webhook') return { changes: 0, alerts: 0 };
    const byRecord = new Map<string, { change: CrmChange; digest: string }[]>();
    for (const item of items) {
      if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
      const attributes = item as Record<string, unknown>;
      const id = attributes.id;
      if (typeof id !== 'string' && typeof id !== 'number') continue;
      const change: CrmChange = {
        entity: event.entity,
        kind: event.kind,
        ...(event.field ? { field: event.field } : {}),
        recordId: String(id),
        attributes,
        source: 'webhook',
      };
      const run = byRecord.get(change.recordId) ?? [];
      run.push({ change, digest: digest(stableJson(attributes)) });
      byRecord.set(change.recordId, run);
    }
    const tenant = tenantOf(delivery);
    const fresh: CrmChange[] = [];
    for (const [recordId, run] of byRecord) {
      // EspoCRM's ids are at most 36 characters; a longer one (no real record) is kept by its digest.
      const key = recordId.length <= 64 ? recordId : digest(recordId);
      const repeated = await this.redelivered(
        tenant.key,
        `webhook:${webhook.webhookId}`,
        key,
        run.map((entry) => entry.digest),
      );
      fresh.push(...run.slice(repeated).map((entry) => entry.change));
    }
    const result = await this.dispatch.process(tenant, fresh);
    return { changes: [...byRecord.values()].reduce((sum, run) => sum + run.length, 0), alerts: result.alerts };
  }

  /**
   * How many leading items of a batch's run for one record are a redelivery. EspoCRM queues an
   * item only when a value changed (Webhook\Manager), sends a webhook's items in queue order, and
   * resends a failed batch's items as they were, ahead of newer ones (Webhook\Queue); the payload
   * itself has no delivery id or time (update payloads leave out modifiedAt). So the items of a
   * record that repeat the last batch's items for it are that batch again; the same content after
   * something else (a deal won, reopened and won again) is a new change. A batch retried after a
   * later one for the same record already arrived is the one case this cannot tell apart.
   */
  private async redelivered(tenantKey: string, scope: string, recordId: string, run: string[]): Promise<number> {
    const next = JSON.stringify(run);
    for (let attempt = 0; attempt < 5; attempt++) {
      const kept = await this.deps.store.recordState(tenantKey, scope, recordId);
      const last = kept === undefined ? [] : (JSON.parse(kept) as string[]);
      const repeated = last.length <= run.length && last.every((item, index) => item === run[index]) ? last.length : 0;
      if (repeated === run.length) return repeated;
      // Of two instances given the same batch, one stores it; the other reads it back as repeated.
      if (await this.deps.store.swapRecordState(tenantKey, scope, recordId, kept, next, this.deps.clock.now()))
        return repeated;
    }
    return 0;
  }
}
