import type { SubscriptionSpec } from '../commands/parse.js';
import type { Tenant, WritePlan } from '../ports.js';
import type { Reply } from '../replies.js';
import type { AlertServiceDeps } from './deps.js';
import { AlertDispatch } from './dispatch.js';
import type { AlertCommands } from './ports.js';
import { AlertPolling } from './polling.js';
import { WebhookReceiving } from './receiving.js';
import { SubscriptionCommands } from './subscriptions.js';
import type { AlertDelivery, AlertRequester, AlertStatus, WebhookRegistration } from './types.js';
import { WebhookSetup } from './webhook-setup.js';

/**
 * Alerts (issue 6): `/espo subscribe` saves a subscription for a channel (or a person's DM), the
 * bot registers the CRM webhooks it needs, and the CRM's batches (or, where the CRM cannot reach
 * the bot, polling through the CRM gateway) become cards in Slack. Everything here speaks through
 * ports: the store, the CRM gateway, the CRM's webhooks and record history, and the Slack sink.
 * This is the one face of the parts, each in its own file: commands (subscriptions.ts), webhook
 * setup (webhook-setup.ts), receiving (receiving.ts), matching and sending (dispatch.ts, with the
 * old values from history.ts) and polling (polling.ts).
 */
export class AlertService implements AlertCommands {
  private readonly commands: SubscriptionCommands;
  private readonly setup: WebhookSetup;
  private readonly receiving: WebhookReceiving;
  private readonly polling: AlertPolling;

  constructor(deps: AlertServiceDeps) {
    this.setup = new WebhookSetup(deps);
    const dispatch = new AlertDispatch(deps, this.setup);
    this.commands = new SubscriptionCommands(deps, this.setup);
    this.receiving = new WebhookReceiving(deps, dispatch);
    this.polling = new AlertPolling(deps, this.setup, dispatch);
  }

  planSubscribe(context: AlertRequester, tenant: Tenant, spec: SubscriptionSpec): Promise<WritePlan> {
    return this.commands.planSubscribe(context, tenant, spec);
  }

  planUnsubscribe(context: AlertRequester, id: string): Promise<WritePlan> {
    return this.commands.planUnsubscribe(context, id);
  }

  perform(tenant: Tenant, plan: Extract<WritePlan, { kind: 'subscribe' | 'unsubscribe' }>): Promise<Reply> {
    return this.commands.perform(tenant, plan);
  }

  list(context: AlertRequester, tenant: Tenant): Promise<Reply> {
    return this.commands.list(context, tenant);
  }

  statusOf(tenant: Tenant): Promise<AlertStatus | undefined> {
    return this.commands.statusOf(tenant);
  }

  /** The EspoCRM user of whoever clicked "Assign to me". */
  crmUserOf(tenant: Tenant, email: string | undefined): Promise<string> {
    return this.commands.crmUserOf(tenant, email);
  }

  /** The app is leaving a Slack team: its tenants' webhooks are deleted in the CRM (WebhookSetup.forgetTeam). */
  forgetTeam(teamId: string): Promise<{ deleted: number; left: number }> {
    return this.setup.forgetTeam(teamId);
  }

  /** The tenant and its webhooks behind a receiver token; undefined for a token nobody was given. */
  receiverOf(token: string): Promise<{ delivery: AlertDelivery; webhooks: WebhookRegistration[] } | undefined> {
    return this.receiving.receiverOf(token);
  }

  /** A verified batch from one of the tenant's webhooks. */
  receive(
    delivery: AlertDelivery,
    webhook: WebhookRegistration,
    items: unknown[],
  ): Promise<{ changes: number; alerts: number }> {
    return this.receiving.receive(delivery, webhook, items);
  }

  /** One polling round over every tenant in polling mode (what the poll interval runs). */
  pollOnce(now?: Date): Promise<{ tenants: number; changes: number; alerts: number }> {
    return this.polling.pollOnce(now);
  }
}
