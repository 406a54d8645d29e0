import { createHash, randomBytes } from 'node:crypto';
import {
  attributesOfField,
  describeRule,
  eventMatches,
  fieldOfAttribute,
  filtersHold,
  parseWebhookEvent,
  polledKind,
  watchedFields,
  webhookEventsFor,
  type AlertEvent,
  type AlertRule,
  type CrmChange,
} from './alert-match.js';
import type { SubscriptionSpec } from './commands/parse.js';
import { AppError } from './errors.js';
import type { PersonDirectory } from './people.js';
import type {
  Clock,
  CrmGateway,
  CrmRecord,
  EntityDirectory,
  EntityInfo,
  Logger,
  SubscriptionPlan,
  Tenant,
  WritePlan,
} from './ports.js';
import { valuesBefore, type StreamNote } from './record-stream.js';
import type { Reply } from './replies.js';
import { commandText } from './text.js';

/**
 * Alerts (issue 6): `/espo subscribe` saves a subscription for a channel (or a person's DM), the
 * bot registers the EspoCRM webhooks it needs through the Membrane proxy, and EspoCRM's batches
 * (or, where EspoCRM cannot reach the bot, polling through the proxy) become cards in Slack.
 * Everything here speaks through ports: the store, the CRM gateway and the Slack sink.
 */

/** A saved subscription. Alerts go to `channelId`, or with `dm` to the subscriber (`userId`). */
export interface Subscription extends AlertRule {
  id: string;
  tenantKey: string;
  teamId: string;
  userId: string;
  channelId: string;
  dm: boolean;
  createdAt: Date;
}

/** An EspoCRM webhook the bot registered for a tenant: one per event. */
export interface WebhookRegistration {
  tenantKey: string;
  event: string;
  webhookId: string;
  secretKey: string;
  createdAt: Date;
}

/** How a tenant's alerts arrive, and the opaque token in its receiver URL. */
export interface AlertDelivery {
  tenantKey: string;
  teamId: string;
  userId: string;
  mode: 'webhook' | 'polling';
  /** Why a tenant polls, in words (no PUBLIC_URL, webhooks refused...). */
  reason?: string;
  token: string;
  /** Polling: per entity, the newest `modifiedAt` seen and the ids already handled at that second. */
  pollCursor?: Record<string, PollCursor>;
  updatedAt: Date;
}

export interface PollCursor {
  at: string;
  ids: string[];
}

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
  /** Sets it to `next` if it is still `expected` (undefined: none kept); false when another instance changed it first. */
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

export interface AlertChange {
  field: string;
  after: unknown;
  /** Present when the old value is known (EspoCRM's stream recorded it). */
  before?: { value: unknown };
}

/** One alert, ready to render: what happened to which record, and who did it. */
export interface Alert {
  entity: EntityInfo;
  kind: AlertEvent;
  record: CrmRecord;
  changes: AlertChange[];
  actor?: string;
  source: 'webhook' | 'polling';
}

export type AlertMessage =
  | { kind: 'alert'; subscription: Subscription; alert: Alert }
  /** A burst for one subscription: one message listing them. */
  | { kind: 'summary'; subscription: Subscription; alerts: Alert[] };

/** Where alerts go: Slack, through a per-channel queue. `gone`: the channel no longer exists. */
export interface AlertSink {
  post(teamId: string, channelId: string, message: AlertMessage): Promise<'posted' | 'gone' | 'failed'>;
}

/** Who asks, as the alerts service needs it (a subset of RequestContext). */
export interface AlertRequester {
  teamId: string;
  userId: string;
  channelId?: string;
  email?: string;
  isGuest?: boolean;
}

export interface AlertStatus {
  mode: 'webhook' | 'polling';
  reason?: string;
  pollSeconds: number;
  subscriptions: number;
}

export interface SubscriptionView {
  id: string;
  description: string;
  dm: boolean;
  createdBy: string;
}

/** What CommandService asks of alerts. */
export interface AlertCommands {
  planSubscribe(context: AlertRequester, tenant: Tenant, spec: SubscriptionSpec): Promise<WritePlan>;
  planUnsubscribe(context: AlertRequester, id: string): Promise<WritePlan>;
  perform(tenant: Tenant, plan: Extract<WritePlan, { kind: 'subscribe' | 'unsubscribe' }>): Promise<Reply>;
  list(context: AlertRequester, tenant: Tenant): Promise<Reply>;
  statusOf(tenant: Tenant): Promise<AlertStatus | undefined>;
}

export interface AlertServiceDeps {
  crm: CrmGateway;
  entities: EntityDirectory;
  store: AlertStore;
  sink: AlertSink;
  clock: Clock;
  logger: Logger;
  /** The bot's public base URL (PUBLIC_URL); without it EspoCRM cannot reach the bot, so tenants poll. */
  publicUrl?: string;
  pollSeconds: number;
  /** More alerts than this for one subscription in one batch become one summary message. */
  summaryAfter?: number;
  /** EspoCRM users by Slack email (`to=me`, "Assign to me"): the app's one cache, shared with commands and Home. */
  people: PersonDirectory;
}

/** Payload attributes that are bookkeeping, not changes a person made. */
const NOT_CHANGES = new Set([
  'id',
  'modifiedAt',
  'modifiedById',
  'modifiedByName',
  'versionNumber',
  'streamUpdatedAt',
  'isFollowed',
  'followersIds',
  'followersNames',
]);
const MAX_POLL_PAGES = 10;
/** Notes read from a record's stream for an alert's old values; an older one shows the new value only. */
const STREAM_PAGE = 20;
/** EspoCRM's recordListMaxSizeLimit default: a page is at most 200 records. */
const POLL_PAGE = 200;
export const WEBHOOK_PATH = '/espocrm/webhooks';

const TRANSIENT_REFUSAL = 'registering a webhook failed';
const WEBHOOK_RETRY_MS = 10 * 60_000;

export class AlertService implements AlertCommands {
  private readonly people: PersonDirectory;
  private readonly summaryAfter: number;
  /** One reconcile at a time per tenant in this process (two Confirms at once would register twice). */
  private readonly reconciling = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: AlertServiceDeps) {
    this.people = deps.people;
    this.summaryAfter = deps.summaryAfter ?? 3;
  }

  // ---- commands ------------------------------------------------------------------------------

  async planSubscribe(context: AlertRequester, tenant: Tenant, spec: SubscriptionSpec): Promise<WritePlan> {
    if (context.isGuest)
      throw new AppError('forbidden', 'Only members of this workspace can subscribe to alerts; guests cannot.');
    if (!context.channelId)
      throw new AppError('bad_input', `Run ${commandText('subscribe')} in the channel the alerts should go to.`);
    if (spec.event === 'deleted' && spec.filters.length) {
      throw new AppError(
        'bad_input',
        'EspoCRM tells only the id of a deleted record, so `deleted` alerts cannot have conditions.',
      );
    }
    await this.requireConnection(tenant);
    const entity = spec.entity;
    const field = spec.field && fieldOfAttribute(spec.field, (name) => entity.fieldType(name) === 'link');
    const filters = [...spec.filters];
    if (spec.toMe) {
      const found = await this.people.find(tenant, context.email, this.deps.clock.now());
      if (found.kind === 'no_email')
        throw new AppError(
          'bad_input',
          '`to=me` needs your email from Slack to find your EspoCRM user, and Slack did not give it.',
        );
      if (found.kind === 'no_match')
        throw new AppError(
          'not_found',
          `No EspoCRM user has your Slack email (${found.email}), so \`to=me\` cannot tell which records are yours.`,
        );
      filters.push({ field: 'assignedUserId', op: 'equals', value: found.id });
    }
    const rule = { entity: entity.name, event: spec.event, ...(field ? { field } : {}), filters };
    const subscription: SubscriptionPlan = {
      ...rule,
      channelId: context.channelId,
      dm: spec.toMe,
      description: describeRule({ ...rule, dm: spec.toMe }),
    };
    return { kind: 'subscribe', subscription };
  }

  async planUnsubscribe(context: AlertRequester, id: string): Promise<WritePlan> {
    if (context.isGuest)
      throw new AppError('forbidden', 'Only members of this workspace can change alert subscriptions.');
    const subscription = await this.deps.store.subscription(id);
    // Another team's (or another person's DM) subscription is "not found": its id says nothing.
    if (
      !subscription ||
      subscription.teamId !== context.teamId ||
      (subscription.dm && subscription.userId !== context.userId)
    ) {
      throw new AppError(
        'not_found',
        `There is no subscription \`${id}\` here. ${commandText('subscriptions')} lists this channel's.`,
      );
    }
    // Ids are shown on cards: knowing one is no reason to stop another channel's alerts.
    if (!subscription.dm && subscription.channelId !== context.channelId && subscription.userId !== context.userId) {
      throw new AppError(
        'forbidden',
        `Subscription \`${id}\` sends alerts to another channel, so it can be removed only from that channel or by the person who created it.`,
      );
    }
    return { kind: 'unsubscribe', id, description: describeRule(subscription) };
  }

  async perform(tenant: Tenant, plan: Extract<WritePlan, { kind: 'subscribe' | 'unsubscribe' }>): Promise<Reply> {
    if (plan.kind === 'subscribe') return this.subscribe(tenant, plan.subscription);
    const removed = await this.deps.store.removeSubscription(plan.id);
    if (!removed) return { kind: 'notice', tone: 'info', text: `Subscription ${plan.id} was already removed.` };
    await this.reconcile(this.tenantOf(removed)).catch((error: unknown) =>
      this.deps.logger.warn(
        { err: error, tenant: removed.tenantKey },
        'could not remove webhooks no subscription needs',
      ),
    );
    return { kind: 'notice', tone: 'success', text: `Unsubscribed: no more alerts about ${describeRule(removed)}.` };
  }

  private async subscribe(tenant: Tenant, plan: SubscriptionPlan): Promise<Reply> {
    const subscription: Subscription = {
      id: randomBytes(4).toString('hex'),
      tenantKey: tenant.key,
      teamId: tenant.teamId,
      userId: tenant.userId,
      channelId: plan.channelId,
      dm: plan.dm,
      entity: plan.entity,
      event: plan.event,
      ...(plan.field ? { field: plan.field } : {}),
      filters: plan.filters,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.store.addSubscription(subscription);
    const delivery = await this.reconcile(tenant);
    return {
      kind: 'subscribed',
      id: subscription.id,
      description: plan.description,
      ...(plan.dm ? {} : { channelId: plan.channelId }),
      delivery:
        delivery.mode === 'webhook'
          ? { mode: 'webhook' }
          : {
              mode: 'polling',
              ...(delivery.reason ? { reason: delivery.reason } : {}),
              pollSeconds: this.deps.pollSeconds,
              deletions: plan.event === 'deleted',
            },
    };
  }

  async list(context: AlertRequester, tenant: Tenant): Promise<Reply> {
    const subscriptions = context.channelId
      ? await this.deps.store.subscriptionsIn(context.teamId, context.channelId, context.userId)
      : [];
    const status = await this.statusOf(tenant);
    return {
      kind: 'subscriptions',
      items: subscriptions.map((s) => ({ id: s.id, description: describeRule(s), dm: s.dm, createdBy: s.userId })),
      ...(status ? { status } : {}),
    };
  }

  async statusOf(tenant: Tenant): Promise<AlertStatus | undefined> {
    const subscriptions = await this.deps.store.subscriptionsOf(tenant.key);
    if (!subscriptions.length) return undefined;
    const delivery = await this.deps.store.delivery(tenant.key);
    return {
      mode: delivery?.mode ?? 'polling',
      ...(delivery?.reason ? { reason: delivery.reason } : {}),
      pollSeconds: this.deps.pollSeconds,
      subscriptions: subscriptions.length,
    };
  }

  /** The EspoCRM user of whoever clicked "Assign to me". */
  async crmUserOf(tenant: Tenant, email: string | undefined): Promise<string> {
    const found = await this.people.find(tenant, email, this.deps.clock.now());
    if (found.kind === 'found') return found.id;
    throw new AppError(
      'not_found',
      found.kind === 'no_email'
        ? 'Slack did not give me your email, so I cannot tell which EspoCRM user you are.'
        : `No EspoCRM user has your Slack email (${found.email}).`,
    );
  }

  private async requireConnection(tenant: Tenant): Promise<void> {
    if (await this.deps.crm.isConnected(tenant)) return;
    const status = await this.deps.crm.status(tenant);
    if (status.state !== 'ready') {
      throw new AppError(
        'connection_required',
        `Alerts need a connected EspoCRM. Run ${commandText('connect')} first.`,
      );
    }
  }

  private tenantOf(subscription: Pick<Subscription, 'tenantKey' | 'teamId' | 'userId'>): Tenant {
    return { key: subscription.tenantKey, teamId: subscription.teamId, userId: subscription.userId };
  }

  // ---- webhooks and modes --------------------------------------------------------------------

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
    const { store, logger } = this.deps;
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
    const needed = new Set(subscriptions.flatMap((s) => webhookEventsFor(s)));
    const registered = await store.webhooks(tenant.key);
    let refusal: string | undefined = this.deps.publicUrl
      ? undefined
      : 'PUBLIC_URL is not set, so EspoCRM has no address to send webhooks to';
    if (!refusal) {
      const url = `${this.deps.publicUrl}${WEBHOOK_PATH}/${delivery.token}`;
      for (const event of needed) {
        if (registered.some((w) => w.event === event)) continue;
        try {
          const answer = await this.deps.crm.proxy(tenant, { method: 'POST', path: '/Webhook', body: { event, url } });
          const { id, secretKey } = (answer ?? {}) as { id?: unknown; secretKey?: unknown };
          if (typeof id !== 'string' || typeof secretKey !== 'string')
            throw new AppError('crm_unavailable', 'EspoCRM answered the webhook request without an id and secret key.');
          const webhook = { tenantKey: tenant.key, event, webhookId: id, secretKey, createdAt: now };
          if (await store.addWebhook(webhook)) {
            registered.push(webhook);
          } else {
            // Another instance registered this event meanwhile: this one would deliver everything twice.
            await this.deps.crm
              .proxy(tenant, { method: 'DELETE', path: `/Webhook/${encodeURIComponent(id)}` })
              .catch(() => undefined);
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
      delivery.pollCursor = await this.primeCursors(tenant, subscriptions, delivery.pollCursor ?? {});
    else delete delivery.pollCursor;
    await store.saveDelivery(delivery);
    return delivery;
  }

  /** Deletes a webhook in EspoCRM (already gone counts), then its registration; false when EspoCRM could not be told. */
  private async deleteWebhook(tenant: Tenant, webhook: WebhookRegistration): Promise<boolean> {
    try {
      await this.deps.crm.proxy(tenant, {
        method: 'DELETE',
        path: `/Webhook/${encodeURIComponent(webhook.webhookId)}`,
      });
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'not_found')) {
        this.deps.logger.warn(
          { err: error, tenant: tenant.key, webhook: webhook.webhookId },
          'could not delete an EspoCRM webhook; it stays registered',
        );
        return false;
      }
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
      const tenant = this.tenantOf(delivery);
      for (const webhook of await this.deps.store.webhooks(tenant.key)) {
        if (await this.deleteWebhook(tenant, webhook)) result.deleted++;
        else result.left++;
      }
    }
    return result;
  }

  /** A polled entity starts at its newest record, so subscribing never replays history. */
  private async primeCursors(
    tenant: Tenant,
    subscriptions: Subscription[],
    cursors: Record<string, PollCursor>,
  ): Promise<Record<string, PollCursor>> {
    const next = { ...cursors };
    for (const entity of new Set(subscriptions.filter((s) => s.event !== 'deleted').map((s) => s.entity))) {
      if (next[entity]) continue;
      // The newest records (several can share the newest second, all of which count as seen).
      const page = await this.deps.crm.list(tenant, {
        entity,
        filters: [],
        sort: { field: 'modifiedAt', order: 'desc' },
        limit: POLL_PAGE,
        offset: 0,
      });
      const at = stringOr(page.records[0]?.fields.modifiedAt) ?? '1970-01-01 00:00:00';
      next[entity] = { at, ids: page.records.filter((r) => r.fields.modifiedAt === at).map((r) => r.id) };
    }
    return next;
  }

  // ---- receiving -----------------------------------------------------------------------------

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
    const event = parseWebhookEvent(webhook.event);
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
    const tenant = this.tenantOf(delivery);
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
    const result = await this.process(tenant, fresh);
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

  /**
   * Matches changes against the tenant's subscriptions and hands the alerts to the sink, one
   * message each, or one summary for a subscription with a burst. Posting is queued (per channel),
   * not awaited here; a channel Slack says is gone ends its subscription.
   */
  private async process(tenant: Tenant, changes: CrmChange[]): Promise<{ changes: number; alerts: number }> {
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
          await this.reconcile(this.tenantOf(subscription));
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
    const changes = change.kind === 'updated' ? await this.changesOf(tenant, change, record, entity) : [];
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

  /**
   * What an update changed. EspoCRM's webhook sends the new values only; the old ones are in the
   * record's stream, read when present (record-stream.ts: audited fields in was/became, the status
   * and the assignee in the notes before this change's). A link's change shows its names
   * (`assignedUserName`), which people read, rather than its ids.
   */
  private async changesOf(
    tenant: Tenant,
    change: CrmChange,
    record: CrmRecord,
    entity: EntityInfo,
  ): Promise<AlertChange[]> {
    if (change.source === 'polling') return [];
    const changed = Object.keys(change.attributes).filter((name) => !NOT_CHANGES.has(name));
    // `assignedUserName` beside `assignedUserId` is that link's name and goes with its change; a
    // `…Name` with no such id beside it (`firstName`, a lead's `accountName`) is a field of its own.
    const linkNames = new Set(changed.map(nameAttributeOf));
    const fields = changed.filter((name) => !linkNames.has(name));
    if (!fields.length) return [];
    let was: Record<string, unknown> = {};
    try {
      const stream = (await this.deps.crm.proxy(tenant, {
        method: 'GET',
        path: `/${change.entity}/${encodeURIComponent(change.recordId)}/stream?maxSize=${STREAM_PAGE}`,
      })) as { list?: StreamNote[] } | undefined;
      const changed = Object.fromEntries(fields.map((field) => [field, change.attributes[field]]));
      was = valuesBefore(Array.isArray(stream?.list) ? stream.list : [], change.recordId, changed, entity.statusField);
    } catch (error) {
      this.deps.logger.info(
        { err: error, tenant: tenant.key, entity: change.entity },
        'the record stream could not be read: alerts show new values only',
      );
    }
    const changes: AlertChange[] = fields.map((field) => {
      const name = nameAttributeOf(field);
      if (!name || !(name in record.fields))
        return { field, after: change.attributes[field], ...(field in was ? { before: { value: was[field] } } : {}) };
      // The old name is known when the stream recorded it; the old id alone says nothing to a reader.
      return {
        field: name,
        after: namesOf(record.fields[name]),
        ...(name in was ? { before: { value: namesOf(was[name]) } } : {}),
      };
    });
    // A `fieldUpdate` payload carries all of its field's attributes, changed or not (Webhook\Manager
    // processUpdateField): `amountCurrency` comes with every new `amount`. Each attribute is shown
    // only if it changed: its old value differs, or (old value unknown) it is not a currency that
    // the amount's own line already shows.
    const amounts = new Set(changes.map((c) => c.field));
    return changes.filter((c) =>
      c.before
        ? !sameValue(c.before.value, c.after)
        : !(change.field && c.field.endsWith('Currency') && amounts.has(c.field.slice(0, -'Currency'.length))),
    );
  }

  // ---- polling -------------------------------------------------------------------------------

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
          if ((await this.reconcile(this.tenantOf(delivery))).mode === 'webhook') continue;
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
    const tenant = this.tenantOf(delivery);
    const subscriptions = await this.deps.store.subscriptionsOf(tenant.key);
    const cursors = await this.primeCursors(tenant, subscriptions, delivery.pollCursor ?? {});
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
    const result = await this.process(tenant, fresh);
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

/** The attribute holding a link's name: `assignedUserId` → `assignedUserName` (`teamsIds` → `teamsNames`). */
function nameAttributeOf(attribute: string): string | undefined {
  const link = /^(\w+)Id(s?)$/.exec(attribute);
  return link ? `${link[1]}Name${link[2]}` : undefined;
}

/** A link-multiple's names come as `{id: name}`: the names, listed. */
function namesOf(value: unknown): unknown {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.values(value).join(', ') : value;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** JSON with keys sorted, so the same item always gives the same key. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
