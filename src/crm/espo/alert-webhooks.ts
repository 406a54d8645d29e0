import { ASSIGNED_FIELD } from '../../core/alerts/match.js';
import type { RecordWebhooks } from '../../core/alerts/ports.js';
import type { AlertRule, WebhookEvent } from '../../core/alerts/types.js';
import { AppError } from '../../core/errors.js';
import type { CrmGateway, Tenant } from '../../core/ports.js';
import { WEBHOOK_PATH } from './webhooks.js';

/**
 * EspoCRM's webhooks, through the Membrane proxy: `POST /Webhook` registers one (EspoCRM answers
 * with its id and the secret key that signs its batches), `DELETE /Webhook/{id}` removes it. An
 * event is EspoCRM's name for it: `Lead.create`, `Opportunity.update`,
 * `Opportunity.fieldUpdate.stage`, `Case.delete`.
 */
export class EspoWebhooks implements RecordWebhooks {
  constructor(private readonly crm: Pick<CrmGateway, 'proxy'>) {}

  eventsFor(rule: Pick<AlertRule, 'entity' | 'event' | 'field'>): string[] {
    return webhookEventsFor(rule);
  }

  readEvent(event: string): WebhookEvent | undefined {
    return parseWebhookEvent(event);
  }

  async register(
    tenant: Tenant,
    event: string,
    receiver: { publicUrl: string; token: string },
  ): Promise<{ id: string; secretKey: string }> {
    const url = `${receiver.publicUrl}${WEBHOOK_PATH}/${receiver.token}`;
    const answer = await this.crm.proxy(tenant, { method: 'POST', path: '/Webhook', body: { event, url } });
    const { id, secretKey } = (answer ?? {}) as { id?: unknown; secretKey?: unknown };
    if (typeof id !== 'string' || typeof secretKey !== 'string')
      throw new AppError('crm_unavailable', 'EspoCRM answered the webhook request without an id and secret key.');
    return { id, secretKey };
  }

  async remove(tenant: Tenant, webhookId: string): Promise<void> {
    try {
      await this.crm.proxy(tenant, { method: 'DELETE', path: `/Webhook/${encodeURIComponent(webhookId)}` });
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'not_found')) throw error;
    }
  }
}

/** The EspoCRM webhook events a rule needs; one webhook per event per tenant. */
export function webhookEventsFor(rule: Pick<AlertRule, 'entity' | 'event' | 'field'>): string[] {
  const entity = rule.entity;
  switch (rule.event) {
    case 'created':
      return [`${entity}.create`];
    case 'deleted':
      return [`${entity}.delete`];
    case 'updated':
      return [rule.field ? `${entity}.fieldUpdate.${rule.field}` : `${entity}.update`];
    case 'assigned':
      // A record can be assigned when it is created, or later: EspoCRM has a webhook for each.
      return [`${entity}.create`, `${entity}.fieldUpdate.${ASSIGNED_FIELD}`];
  }
}

/** `Opportunity.fieldUpdate.stage` → what it says; undefined for names EspoCRM does not send. */
export function parseWebhookEvent(event: string): WebhookEvent | undefined {
  const match = /^([A-Za-z][A-Za-z0-9_]*)\.(create|update|delete|fieldUpdate\.([A-Za-z][A-Za-z0-9_]*))$/.exec(event);
  if (!match) return undefined;
  const entity = match[1]!;
  if (match[3]) return { entity, kind: 'updated', field: match[3] };
  return { entity, kind: match[2] === 'create' ? 'created' : match[2] === 'update' ? 'updated' : 'deleted' };
}
