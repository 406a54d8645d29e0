import type { SubscriptionSpec } from '../commands/parse.js';
import type { Tenant, WritePlan } from '../ports.js';
import type { Reply } from '../replies.js';
import type {
  AlertDelivery,
  AlertMessage,
  AlertRequester,
  AlertRule,
  AlertStatus,
  PollCursor,
  Subscription,
  WebhookEvent,
  WebhookRegistration,
} from './types.js';

/** Persistence for alerts, shared by every instance. Implemented in src/store. */
export interface AlertStore {
  addSubscription(subscription: Subscription): Promise<void>;
  /** Removes a subscription; returns it, or undefined when it was already gone. */
  removeSubscription(id: string): Promise<Subscription | undefined>;
  subscription(id: string): Promise<Subscription | undefined>;
  subscriptionsOf(tenantKey: string): Promise<Subscription[]>;
  /** A channel's subscriptions, and the person's own DM ones, in a team. */
  subscriptionsIn(teamId: string, channelId: string, userId: string): Promise<Subscription[]>;
  webhooks(tenantKey: string): Promise<WebhookRegistration[]>;
  /** Records a registration; false when the tenant already has one for that event (another instance won). */
  addWebhook(webhook: WebhookRegistration): Promise<boolean>;
  removeWebhook(tenantKey: string, webhookId: string): Promise<void>;
  delivery(tenantKey: string): Promise<AlertDelivery | undefined>;
  deliveryByToken(token: string): Promise<AlertDelivery | undefined>;
  /** The delivery state of every tenant of a Slack team (the team, and team:user in user scope). */
  deliveriesOfTeam(teamId: string): Promise<AlertDelivery[]>;
  /**
   * Stores `initial` unless the tenant already has a delivery state, and returns the stored one:
   * of two instances setting up a tenant at once, both get the one token its webhook URLs carry.
   */
  ensureDelivery(initial: AlertDelivery): Promise<AlertDelivery>;
  saveDelivery(delivery: AlertDelivery): Promise<void>;
  /** Tenants in polling mode that have at least one subscription. */
  pollingTenants(): Promise<AlertDelivery[]>;
  /** Takes the tenant's polling lease until `until` when it is free at `now`; at most one caller wins. */
  takeLease(tenantKey: string, now: Date, until: Date): Promise<boolean>;
  releaseLease(tenantKey: string): Promise<void>;
  saveCursor(tenantKey: string, cursor: Record<string, PollCursor>): Promise<void>;
  /** Records alert keys; returns the ones never seen before (a redelivery or another instance had the rest). */
  firstSightings(keys: string[], now: Date): Promise<Set<string>>;
  pruneSeen(olderThan: Date): Promise<number>;
  /** What was last seen of a record through `scope` (a webhook, or polling), if it is kept. */
  recordState(tenantKey: string, scope: string, recordId: string): Promise<string | undefined>;
  /**
   * Sets it to `next` if it is still `expected` (undefined: none kept); false when another instance changed it first.
   */
  swapRecordState(
    tenantKey: string,
    scope: string,
    recordId: string,
    expected: string | undefined,
    next: string,
    now: Date,
  ): Promise<boolean>;
  /** Forgets the record states of scopes starting with `scopePrefix` last seen before `olderThan`. */
  pruneRecordStates(scopePrefix: string, olderThan: Date): Promise<number>;
}

/** Where alerts go: Slack, through a per-channel queue. `gone`: the channel no longer exists. */
export interface AlertSink {
  post(teamId: string, channelId: string, message: AlertMessage): Promise<'posted' | 'gone' | 'failed'>;
}

/**
 * The CRM's webhooks, as alerts use them. An event is the CRM's own name for it (EspoCRM's
 * `Opportunity.fieldUpdate.stage`), kept as it is in the store and read only through this port.
 * Implemented in src/crm/espo.
 */
export interface RecordWebhooks {
  /** The events a rule needs; the bot keeps one webhook per event per tenant. */
  eventsFor(rule: Pick<AlertRule, 'entity' | 'event' | 'field'>): string[];
  /** What an event says happens; undefined for a name the CRM does not send. */
  readEvent(event: string): WebhookEvent | undefined;
  /**
   * Registers a webhook that sends the event's batches to the tenant's receiver (under the bot's
   * public URL, with its token): the webhook's id and the key that signs its batches.
   */
  register(
    tenant: Tenant,
    event: string,
    receiver: { publicUrl: string; token: string },
  ): Promise<{ id: string; secretKey: string }>;
  /** Deletes a webhook in the CRM; one already gone counts as deleted. */
  remove(tenant: Tenant, webhookId: string): Promise<void>;
}

/** What the CRM keeps of a record's past, for the old values an update alert shows. Implemented in src/crm/espo. */
export interface RecordHistory {
  /**
   * Whether an attribute is the CRM's own bookkeeping (EspoCRM's `modifiedAt`, `versionNumber`...), not a change a
   * person made.
   */
  isSystemAttribute(attribute: string): boolean;
  /**
   * The values the attributes in `values` (a change just made to the record) had before it, those
   * the record's history tells; throws when the history cannot be read.
   */
  valuesBefore(
    tenant: Tenant,
    record: { entity: string; id: string; statusField?: string },
    values: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

/** What CommandService asks of alerts. */
export interface AlertCommands {
  planSubscribe(context: AlertRequester, tenant: Tenant, spec: SubscriptionSpec): Promise<WritePlan>;
  planUnsubscribe(context: AlertRequester, id: string): Promise<WritePlan>;
  perform(tenant: Tenant, plan: Extract<WritePlan, { kind: 'subscribe' | 'unsubscribe' }>): Promise<Reply>;
  list(context: AlertRequester, tenant: Tenant): Promise<Reply>;
  statusOf(tenant: Tenant): Promise<AlertStatus | undefined>;
}
