import { randomUUID } from 'node:crypto';
import { AppError, available, type ErrorDetails } from '../errors.js';
import type { PersonDirectory, PersonLookup } from '../people.js';
import type {
  Assignee,
  Clock,
  CrmGateway,
  CrmRecord,
  EntityDirectory,
  EntityInfo,
  Logger,
  RequestContext,
  Tenant,
  TokenUsage,
  WritePlan,
} from '../ports.js';
import type { Reply } from '../replies.js';
import { commandText } from '../text.js';
import { assigneeMissing, assignNewRecord, newRecordOf } from './assignment.js';
import { describePlan } from './describe.js';
import type { AuditLog, ConfirmationStore, PendingWrite, PlanPerformer } from './ports.js';

export interface WriteServiceDeps {
  crm: CrmGateway;
  entities: EntityDirectory;
  confirmations: ConfirmationStore;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  confirmationTtlMs: number;
  /** EspoCRM users by Slack email: new records are assigned to the person who asks for them. */
  people: PersonDirectory;
  /** Whose connection a request uses (Tenancy.tenantFor). */
  tenantFor(context: RequestContext): Tenant;
  /** Carry out confirmed alert subscriptions; without them such a write says alerts are unavailable. */
  alerts?: PlanPerformer<'subscribe' | 'unsubscribe'>;
  /** Carry out confirmed digest schedules; without them such a write says digests are unavailable. */
  digests?: PlanPerformer<'digest_schedule' | 'digest_cancel'>;
}

/**
 * Every write, whichever surface asked for it: stored as a PendingWrite that only its requester
 * can confirm, once, in time; then run, and audited. A record it creates is assigned first.
 */
export class WriteService {
  constructor(private readonly deps: WriteServiceDeps) {}

  /**
   * A change to one record (`update`, or a button such as an alert's "Mark done"): the record is
   * read first, so the preview shows old → new and a wrong id fails before anyone confirms.
   */
  async proposeUpdate(
    context: RequestContext,
    entity: EntityInfo,
    id: string,
    fields: Record<string, unknown>,
  ): Promise<Reply> {
    const current = await this.deps.crm.get(this.deps.tenantFor(context), entity.name, id);
    const before = Object.fromEntries(Object.keys(fields).map((field) => [field, current.fields[field] ?? null]));
    return this.propose(context, { kind: 'update', entity: entity.name, id, fields, before }, entity);
  }

  /**
   * Stores a write for its requester's Confirm and answers with its preview. A record it creates
   * is assigned first (see `assign`).
   */
  async propose(context: RequestContext, plan: WritePlan, entity?: EntityInfo, usage?: TokenUsage): Promise<Reply> {
    let write: { plan: WritePlan; assignee?: Assignee };
    try {
      write = await this.assign(context, plan);
    } catch (error) {
      // The model's tokens were spent all the same; the request's log line counts them.
      throw error instanceof AppError && usage && !error.usage
        ? new AppError(error.code, error.userMessage, { cause: error.cause, details: error.details, usage })
        : error;
    }
    return this.store(context, write.plan, entity, usage, write.assignee);
  }

  /** Stores a write, as it is, for its requester's Confirm, and answers with its preview. */
  async store(
    context: RequestContext,
    plan: WritePlan,
    entity?: EntityInfo,
    usage?: TokenUsage,
    assignee?: Assignee,
  ): Promise<Reply> {
    const write = this.writeFor(context, plan, usage);
    await this.deps.confirmations.save(write);
    return {
      kind: 'confirm',
      pendingId: write.id,
      plan,
      entity,
      expiresAt: write.expiresAt,
      ...(assignee ? { assignee } : {}),
    };
  }

  /**
   * The write with the record it creates assigned: to whom the person named, else to the person
   * (their EspoCRM user, by Slack email). Refused, politely and before anything is sent, when the
   * record must have an assignee and there is none. Other writes are left as they are.
   */
  async assign(context: RequestContext, plan: WritePlan): Promise<{ plan: WritePlan; assignee?: Assignee }> {
    const created = newRecordOf(plan, this.deps.entities);
    if (!created?.entity.assignedUser) return { plan };
    const given = created.fields.assignedUserId;
    if (given === undefined) {
      const assignee = await this.requesterAsAssignee(context, created.entity);
      return assignee ? { plan: assignNewRecord(plan, this.deps.entities, assignee.id), assignee } : { plan };
    }
    if (given !== null && given !== '') return { plan, assignee: await this.assigneeNamed(context, String(given)) };
    if (created.entity.assignedUser.required) throw assigneeMissing(created.entity, { kind: 'cleared' });
    return { plan };
  }

  /**
   * The person asking, as the assignee of a new record of `entity`; undefined when the entity has
   * no assignee, or an optional one and the person has no EspoCRM user the bot can find. A required
   * one that cannot be found is an AppError saying what to do.
   */
  async requesterAsAssignee(context: RequestContext, entity: EntityInfo): Promise<Assignee | undefined> {
    if (!entity.assignedUser) return undefined;
    let found: PersonLookup;
    try {
      found = await this.deps.people.find(this.deps.tenantFor(context), context.email, this.deps.clock.now());
    } catch (error) {
      if (entity.assignedUser.required) throw error;
      this.deps.logger.warn(
        { err: error, entity: entity.name },
        'could not look up the EspoCRM user of a Slack user: the new record is not assigned',
      );
      return undefined;
    }
    if (found.kind === 'found') return { id: found.id, isRequester: true };
    if (entity.assignedUser.required) throw assigneeMissing(entity, found);
    return undefined;
  }

  /**
   * Whom an assignee id the person gave stands for: them, or a user read by id (a wrong id is caught before Confirm).
   */
  private async assigneeNamed(context: RequestContext, id: string): Promise<Assignee> {
    const tenant = this.deps.tenantFor(context);
    if ((await this.deps.people.crmUserOf(tenant, context.email, this.deps.clock.now())) === id)
      return { id, isRequester: true };
    try {
      const user = await this.deps.crm.get(tenant, 'User', id);
      return { id, isRequester: false, ...(user.name ? { name: user.name } : {}) };
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') {
        throw new AppError(
          'validation',
          `No EspoCRM user has the id \`${id}\`, so nothing was sent. ${commandText('find user <name>')} shows users and their ids.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  private writeFor(context: RequestContext, plan: WritePlan, usage?: TokenUsage): PendingWrite {
    const now = this.deps.clock.now();
    return {
      id: randomUUID(),
      tenantKey: this.deps.tenantFor(context).key,
      teamId: context.teamId,
      userId: context.userId,
      channelId: context.channelId,
      plan,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.deps.confirmationTtlMs),
      ...(usage ? { usage } : {}),
    };
  }

  /** The requester pressed Confirm: claim the write (once, across instances), run it, audit it. */
  async confirm(context: RequestContext, pendingId: string): Promise<Reply> {
    const claim = await this.deps.confirmations.claim(pendingId, context, this.deps.clock.now());
    if (!claim.ok) throw claimError(claim.reason);
    return this.run(claim.write, true);
  }

  /**
   * A write the person confirmed by submitting a form (a modal) that showed exactly what it sends:
   * the submission is the Confirm, so it runs at once, audited like any other write.
   */
  async submit(context: RequestContext, plan: WritePlan): Promise<Reply> {
    return this.run(this.writeFor(context, (await this.assign(context, plan)).plan), false);
  }

  /** Runs a confirmed write and audits it; `stored`: it has a pending-write row to settle. */
  private async run(write: PendingWrite, stored: boolean): Promise<Reply> {
    const tenant: Tenant = { key: write.tenantKey, teamId: write.teamId, userId: write.userId };
    const settle = (outcome: 'done' | 'failed' | 'unknown', detail?: string) =>
      stored ? this.settle(write, outcome, detail) : this.writeAudit(write, outcome, detail);
    let reply: Reply;
    try {
      reply = await this.perform(tenant, write.plan);
    } catch (error) {
      const unknown = error instanceof AppError && (error.code === 'timeout' || error.code === 'outcome_unknown');
      await settle(unknown ? 'unknown' : 'failed', error instanceof AppError ? error.code : 'internal');
      if (unknown) {
        const check = whereToCheck(write.plan, this.deps.entities.creationField());
        throw new AppError(
          'outcome_unknown',
          'EspoCRM did not answer in time, so I cannot tell whether this went through. ' +
            `${check ? 'Check below' : 'Please check in EspoCRM'} before trying again, so nothing is written twice.`,
          { cause: error, details: check ? { check } : {} },
        );
      }
      throw error;
    }
    // Outside the try: the write happened, so a failure to record that must not be reported as a
    // failed write (that invites doing it twice). The claim already keeps it from running again.
    await settle('done').catch((error: unknown) =>
      this.deps.logger.error({ err: error, pendingId: write.id }, 'could not record a finished write'),
    );
    return reply;
  }

  async cancel(context: RequestContext, pendingId: string): Promise<Reply> {
    const result = await this.deps.confirmations.cancel(pendingId, context, this.deps.clock.now());
    if (!result.ok) throw claimError(result.reason);
    await this.writeAudit(result.write, 'cancelled');
    return { kind: 'notice', tone: 'info', text: 'Cancelled. Nothing was written.' };
  }

  private async perform(tenant: Tenant, plan: WritePlan): Promise<Reply> {
    const { crm, entities } = this.deps;
    switch (plan.kind) {
      case 'create': {
        const entity = entities.resolve(plan.entity);
        const record: CrmRecord = await crm.create(tenant, plan.entity, plan.fields);
        return { kind: 'done', plan, entity, record };
      }
      case 'update': {
        const entity = entities.resolve(plan.entity);
        return { kind: 'done', plan, entity, record: await crm.update(tenant, plan.entity, plan.id, plan.fields) };
      }
      case 'delete':
        await crm.remove(tenant, plan.entity, plan.id);
        return { kind: 'done', plan, entity: entities.resolve(plan.entity) };
      case 'run':
        return { kind: 'done', plan, output: await crm.runAction(tenant, plan.key, plan.input) };
      case 'proxy':
        return { kind: 'done', plan, output: await crm.proxy(tenant, plan.request) };
      case 'digest_schedule':
      case 'digest_cancel':
        return available(this.deps.digests, 'Digests are not available here.').perform(tenant, plan);
      case 'disconnect':
        await crm.disconnect(tenant);
        return { kind: 'done', plan };
      case 'subscribe':
      case 'unsubscribe':
        return available(this.deps.alerts, 'Alerts are not available here.').perform(tenant, plan);
    }
  }

  private async settle(write: PendingWrite, outcome: 'done' | 'failed' | 'unknown', detail?: string): Promise<void> {
    await this.deps.confirmations.finish(write.id, outcome);
    await this.writeAudit(write, outcome, detail);
  }

  private async writeAudit(write: PendingWrite, outcome: 'done' | 'failed' | 'unknown' | 'cancelled', detail?: string) {
    const entry = {
      tenantKey: write.tenantKey,
      teamId: write.teamId,
      userId: write.userId,
      action: describePlan(write.plan),
      input: write.plan,
      outcome,
      detail,
      usage: write.usage,
      at: this.deps.clock.now(),
    };
    try {
      await this.deps.audit.record(entry);
    } catch (error) {
      // The write itself already happened; losing its audit line must not turn success into an error reply.
      this.deps.logger.error({ err: error, audit: entry }, 'audit write failed');
    }
  }
}

/**
 * Where a person can see whether a write of unknown outcome happened: the record an update or
 * delete named, or the newest records of the entity a create made (by its name, when it had one).
 */
function whereToCheck(plan: WritePlan, creationField: string): ErrorDetails['check'] {
  switch (plan.kind) {
    case 'update':
    case 'delete':
      return { entity: plan.entity, id: plan.id };
    case 'create': {
      const { name, firstName, lastName } = plan.fields;
      const text = [name, [firstName, lastName].filter((part) => typeof part === 'string' && part).join(' ')].find(
        (part) => typeof part === 'string' && part.trim(),
      );
      return {
        query: {
          entity: plan.entity,
          filters: [],
          sort: { field: creationField, order: 'desc' },
          limit: 5,
          offset: 0,
          ...(typeof text === 'string' ? { text: text.slice(0, 200) } : {}),
        },
      };
    }
    default:
      return undefined;
  }
}

function claimError(reason: 'missing' | 'expired' | 'not_yours' | 'used'): AppError {
  switch (reason) {
    case 'missing':
      return new AppError('confirmation_missing', 'I cannot find that request any more. Please run the command again.');
    case 'expired':
      return new AppError(
        'confirmation_expired',
        'That request expired before it was confirmed, so nothing was written. Please run the command again.',
      );
    case 'not_yours':
      return new AppError(
        'confirmation_not_yours',
        'Only the person who asked for this change can confirm or cancel it.',
      );
    case 'used':
      return new AppError(
        'confirmation_used',
        'That request was already confirmed or cancelled, so nothing more was done.',
      );
  }
}
