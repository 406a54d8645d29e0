import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Tenant } from '../ports.js';
import { primeCursors } from './cursors.js';
import { tenantOf, type AlertServiceDeps } from './deps.js';
import type { AlertDelivery, WebhookRegistration } from './types.js';

/** The start of the reason a tenant polls after a registration failed for a passing reason. */
export const TRANSIENT_REFUSAL = 'registering a webhook failed';

/**
 * How a tenant's alerts arrive: the CRM webhooks its subscriptions need, registered and removed
 * through RecordWebhooks, or, when the CRM cannot reach the bot or refuses webhooks, polling.
 */
export class WebhookSetup {
  /** One reconcile at a time per tenant in this process (two Confirms at once would register twice). */
  private readonly reconciling = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: AlertServiceDeps) {}

  /**
   * Makes the tenant's EspoCRM webhooks match its subscriptions: registers the missing ones (one
   * per event), removes those no subscription needs, and falls back to polling, visibly, when
   * EspoCRM cannot reach the bot (no PUBLIC_URL) or refuses webhooks (the API user lacks the
   * Webhooks permission).
   */
  async reconcile(tenant: Tenant): Promise<AlertDelivery> {
    const previous = this.reconciling.get(tenant.key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.reconcileNow(tenant));
    this.reconciling.set(tenant.key, run);
    try {
      return await run;
    } finally {
      if (this.reconciling.get(tenant.key) === run) this.reconciling.delete(tenant.key);
    }
  }

  private async reconcileNow(tenant: Tenant): Promise<AlertDelivery> {
    const { store, logger, webhooks } = this.deps;
    const now = this.deps.clock.now();
    const subscriptions = await store.subscriptionsOf(tenant.key);
    let delivery =
      (await store.delivery(tenant.key)) ??
      (await store.ensureDelivery({
        tenantKey: tenant.key,
        teamId: tenant.teamId,
        userId: tenant.userId,
        mode: 'webhook',
        token: randomBytes(24).toString('base64url'),
        updatedAt: now,
      }));
    const needed = new Set(subscriptions.flatMap((s) => webhooks.eventsFor(s)));
    const registered = await store.webhooks(tenant.key);
    const { publicUrl } = this.deps;
    let refusal: string | undefined = publicUrl
      ? undefined
      : 'PUBLIC_URL is not set, so EspoCRM has no address to send webhooks to';
    if (publicUrl) {
      const receiver = { publicUrl, token: delivery.token };
      for (const event of needed) {
        if (registered.some((w) => w.event === event)) continue;
        try {
          const { id, secretKey } = await webhooks.register(tenant, event, receiver);
          const webhook = { tenantKey: tenant.key, event, webhookId: id, secretKey, createdAt: now };
          if (await store.addWebhook(webhook)) {
            registered.push(webhook);
          } else {
            // Another instance registered this event meanwhile: this one would deliver everything twice.
            await webhooks.remove(tenant, id).catch(() => undefined);
          }
        } catch (error) {
          const code = error instanceof AppError ? error.code : 'internal';
          refusal =
            code === 'forbidden' || code === 'not_found'
              ? 'EspoCRM refused to create a webhook (the API user needs the Webhooks permission in its role)'
              : `${TRANSIENT_REFUSAL} (${code})`;
          logger.warn(
            { err: error, tenant: tenant.key, event },
            'EspoCRM webhook registration failed; the tenant polls instead',
          );
          break;
        }
      }
    }
    // Webhooks nobody needs (or, when polling, none at all: they would alert twice) are removed.
    for (const webhook of registered) {
      if (!refusal && needed.has(webhook.event)) continue;
      await this.deleteWebhook(tenant, webhook);
    }
    delivery = { ...delivery, mode: refusal ? 'polling' : 'webhook', reason: refusal, updatedAt: now };
    // A cursor kept through webhook mode would replay everything since then on a later fallback.
    if (delivery.mode === 'polling')
      delivery.pollCursor = await primeCursors(this.deps.crm, tenant, subscriptions, delivery.pollCursor ?? {});
    else delete delivery.pollCursor;
    await store.saveDelivery(delivery);
    return delivery;
  }

  /**
   * Deletes a webhook in EspoCRM (already gone counts), then its registration; false when EspoCRM could not be told.
   */
  private async deleteWebhook(tenant: Tenant, webhook: WebhookRegistration): Promise<boolean> {
    try {
      await this.deps.webhooks.remove(tenant, webhook.webhookId);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, tenant: tenant.key, webhook: webhook.webhookId },
        'could not delete an EspoCRM webhook; it stays registered',
      );
      return false;
    }
    await this.deps.store.removeWebhook(tenant.key, webhook.webhookId);
    return true;
  }

  /**
   * The app is leaving a Slack team: its tenants' webhooks are deleted in EspoCRM while their
   * connections still work (the caller forgets the team's state after this). One that cannot be
   * deleted now is answered 410 at its next batch, once the receiver token is forgotten, and
   * EspoCRM then deletes it itself.
   */
  async forgetTeam(teamId: string): Promise<{ deleted: number; left: number }> {
    const result = { deleted: 0, left: 0 };
    for (const delivery of await this.deps.store.deliveriesOfTeam(teamId)) {
      const tenant = tenantOf(delivery);
      for (const webhook of await this.deps.store.webhooks(tenant.key)) {
        if (await this.deleteWebhook(tenant, webhook)) result.deleted++;
        else result.left++;
      }
    }
    return result;
  }
}
