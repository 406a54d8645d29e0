import { randomBytes } from 'node:crypto';
import type { SubscriptionSpec } from '../commands/parse.js';
import { AppError } from '../errors.js';
import type { SubscriptionPlan, Tenant, WritePlan } from '../ports.js';
import type { Reply } from '../replies.js';
import { commandText } from '../text.js';
import { tenantOf, type AlertServiceDeps } from './deps.js';
import { describeRule, fieldOfAttribute } from './match.js';
import type { AlertCommands } from './ports.js';
import type { AlertRequester, AlertStatus, Subscription } from './types.js';
import type { WebhookSetup } from './webhook-setup.js';

/**
 * `/espo subscribe`, `/espo unsubscribe` and `/espo subscriptions`: planning a subscription (a
 * write, confirmed like any other), saving or removing it once confirmed, with the webhooks it
 * needs, and listing a channel's.
 */
export class SubscriptionCommands implements AlertCommands {
  constructor(
    private readonly deps: AlertServiceDeps,
    private readonly setup: Pick<WebhookSetup, 'reconcile'>,
  ) {}

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
      const found = await this.deps.people.find(tenant, context.email, this.deps.clock.now());
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
    await this.setup
      .reconcile(tenantOf(removed))
      .catch((error: unknown) =>
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
    const delivery = await this.setup.reconcile(tenant);
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
    const found = await this.deps.people.find(tenant, email, this.deps.clock.now());
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
}
