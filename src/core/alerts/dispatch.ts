import { AppError } from '../errors.js';
import type { CrmRecord, Tenant } from '../ports.js';
import { tenantOf, type AlertServiceDeps } from './deps.js';
import { changesOf } from './history.js';
import { eventMatches, filtersHold } from './match.js';
import type { Alert, AlertEvent, AlertMessage, CrmChange, Subscription } from './types.js';
import { stringOr } from './values.js';
import type { WebhookSetup } from './webhook-setup.js';

/**
 * From changes to messages, whichever way the changes came (a webhook batch or a polling round):
 * each matched against the tenant's subscriptions, made an alert, and handed to the sink.
 */
export class AlertDispatch {
  private readonly summaryAfter: number;

  constructor(
    private readonly deps: AlertServiceDeps,
    private readonly setup: Pick<WebhookSetup, 'reconcile'>,
  ) {
    this.summaryAfter = deps.summaryAfter ?? 3;
  }

  /**
   * Matches changes against the tenant's subscriptions and hands the alerts to the sink, one
   * message each, or one summary for a subscription with a burst. Posting is queued (per channel),
   * not awaited here; a channel Slack says is gone ends its subscription.
   */
  async process(tenant: Tenant, changes: CrmChange[]): Promise<{ changes: number; alerts: number }> {
    const { store, logger } = this.deps;
    if (!changes.length) return { changes: 0, alerts: 0 };
    const subscriptions = await store.subscriptionsOf(tenant.key);
    const bySubscription = new Map<string, { subscription: Subscription; alerts: Alert[] }>();
    let count = 0;
    for (const change of changes) {
      try {
        const matched = await this.match(tenant, change, subscriptions);
        for (const [subscription, alert] of matched) {
          const entry = bySubscription.get(subscription.id) ?? { subscription, alerts: [] };
          entry.alerts.push(alert);
          bySubscription.set(subscription.id, entry);
          count++;
        }
      } catch (error) {
        logger.warn(
          { err: error, tenant: tenant.key, entity: change.entity, record: change.recordId },
          'an EspoCRM change could not be turned into an alert',
        );
      }
    }
    for (const { subscription, alerts } of bySubscription.values()) {
      const messages: AlertMessage[] =
        alerts.length > this.summaryAfter
          ? [{ kind: 'summary', subscription, alerts }]
          : alerts.map((alert) => ({ kind: 'alert', subscription, alert }));
      for (const message of messages) this.send(subscription, message);
    }
    return { changes: changes.length, alerts: count };
  }

  private send(subscription: Subscription, message: AlertMessage): void {
    const channel = subscription.dm ? subscription.userId : subscription.channelId;
    this.deps.sink
      .post(subscription.teamId, channel, message)
      .then(async (result) => {
        if (result !== 'gone') return;
        this.deps.logger.info(
          { subscription: subscription.id, team: subscription.teamId, channel },
          'the channel is gone: its alert subscription ends',
        );
        if (await this.deps.store.removeSubscription(subscription.id))
          await this.setup.reconcile(tenantOf(subscription));
      })
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, subscription: subscription.id }, 'could not post an alert'),
      );
  }

  /** The subscriptions a change concerns, each with its alert; reads the record only when it must. */
  private async match(
    tenant: Tenant,
    change: CrmChange,
    subscriptions: Subscription[],
  ): Promise<[Subscription, Alert][]> {
    const candidates = subscriptions.filter(
      (s) => eventMatches(s, change) && filtersHold(s.filters, change.attributes) !== false,
    );
    if (!candidates.length) return [];
    let record: CrmRecord = { id: change.recordId, fields: { ...change.attributes } };
    // Create payloads carry every attribute; an update carries only what changed, so the card's key
    // fields (and any condition on a field that did not change) need the record itself.
    if (change.kind === 'updated' && change.source === 'webhook') {
      try {
        const current = await this.deps.crm.get(tenant, change.entity, change.recordId);
        record = { ...current, fields: { ...current.fields, ...change.attributes } };
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') return [];
        throw error;
      }
    }
    const matched = candidates.filter((s) => filtersHold(s.filters, record.fields) === true);
    if (!matched.length) return [];
    const entity = this.deps.entities.resolve(change.entity);
    const changes = change.kind === 'updated' ? await changesOf(this.deps, tenant, change, record, entity) : [];
    const actor = stringOr(
      change.kind === 'created'
        ? record.fields.createdByName
        : change.kind === 'updated'
          ? record.fields.modifiedByName
          : undefined,
    );
    return matched.map((subscription) => {
      const kind: AlertEvent = subscription.event === 'assigned' ? 'assigned' : change.kind;
      // A field subscription shows that field's change; polling knows only the current value.
      const shown = subscription.field
        ? changes.filter((c) => c.field === subscription.field || c.field.startsWith(subscription.field!))
        : changes;
      const shownAttribute =
        subscription.field && entity.fieldType(subscription.field) === 'link'
          ? `${subscription.field}Name`
          : subscription.field;
      const fieldNow =
        shownAttribute && !shown.length ? [{ field: shownAttribute, after: record.fields[shownAttribute] }] : [];
      return [
        subscription,
        {
          entity,
          kind,
          record: { ...record, name: record.name ?? stringOr(record.fields.name) },
          changes: [...shown, ...fieldNow],
          ...(actor ? { actor } : {}),
          source: change.source,
        },
      ];
    });
  }
}
