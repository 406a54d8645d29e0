import { randomUUID } from 'node:crypto';
import type { AlertCommands } from './alerts.js';
import { assigneeMissing, assignNewRecord, newRecordOf } from './writes/assignment.js';
import { parseCommand, type Command } from './commands/parse.js';
import type { DigestService } from './digests.js';
import type { DoctorService } from './doctor/doctor.js';
import { AppError, type ErrorDetails } from './errors.js';
import type { PersonDirectory, PersonLookup } from './people.js';
import type {
  Assignee,
  Clock,
  CrmGateway,
  CrmRecord,
  EntityDirectory,
  EntityInfo,
  ListQuery,
  Logger,
  RequestContext,
  Tenant,
  TokenUsage,
  WritePlan,
} from './ports.js';
import type { AuditLog, ConfirmationStore, PendingWrite } from './writes/ports.js';
import type { Reply } from './replies.js';
import type { SiteDirectory } from './doctor/sites.js';
import { commandText } from './text.js';

export interface CommandServiceDeps {
  crm: CrmGateway;
  entities: EntityDirectory;
  confirmations: ConfirmationStore;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  connectionScope: 'workspace' | 'user';
  confirmationTtlMs: number;
  /** EspoCRM users by Slack email: new records are assigned to the person who asks for them. */
  people: PersonDirectory;
  /** Daily digests (`/espo digest`); without it those commands say digests are not available. */
  digests?: DigestService;
  /** Alert subscriptions (issue 6); without it `/espo subscribe` says alerts are unavailable. */
  alerts?: AlertCommands;
  /** Each tenant's EspoCRM address: `/espo connect <url>` sets it, status shows it. */
  sites?: SiteDirectory;
  /** `/espo doctor`; without it the command says it is unavailable. */
  doctor?: DoctorService;
}

/**
 * The request pipeline for commands: parse, plan, confirm, execute, reply. Reads run at once;
 * every write becomes a stored PendingWrite that only its requester can confirm, once, in time.
 */
export class CommandService {
  constructor(private readonly deps: CommandServiceDeps) {}

  tenantFor(context: RequestContext): Tenant {
    const key = this.deps.connectionScope === 'user' ? `${context.teamId}:${context.userId}` : context.teamId;
    return { key, teamId: context.teamId, userId: context.userId };
  }

  async handle(context: RequestContext, text: string): Promise<Reply> {
    const command = parseCommand(text, {
      entities: this.deps.entities,
      now: this.deps.clock.now(),
      timeZone: context.timeZone ?? 'UTC',
    });
    try {
      return await this.execute(context, command);
    } catch (error) {
      throw this.guardConnectLink(context, error);
    }
  }

  /**
   * Whoever opens Membrane's connect link chooses the EspoCRM instance and login behind it. When
   * the whole workspace shares that connection, only a workspace admin or owner gets the link.
   */
  guardConnectLink(context: RequestContext, error: unknown): unknown {
    if (!(error instanceof AppError) || error.code !== 'connection_required' || !error.details.connectUrl) return error;
    if (this.deps.connectionScope !== 'workspace' || context.isWorkspaceAdmin) return error;
    return new AppError('connection_required', ASK_AN_ADMIN, { cause: error });
  }

  /** Runs a list query again: Next/Previous and "Share in channel" come back through here. */
  async list(context: RequestContext, query: ListQuery): Promise<Reply> {
    const entity = this.deps.entities.resolve(query.entity);
    const page = await this.deps.crm.list(this.tenantFor(context), query);
    return { kind: 'records', entity, query, page };
  }

  async show(context: RequestContext, entityName: string, id: string): Promise<Reply> {
    const entity = this.deps.entities.resolve(entityName);
    const record = await this.deps.crm.get(this.tenantFor(context), entity.name, id);
    return { kind: 'record', entity, record };
  }

  private async execute(context: RequestContext, command: Command): Promise<Reply> {
    const { crm } = this.deps;
    const tenant = this.tenantFor(context);
    switch (command.kind) {
      case 'help':
        return { kind: 'help', topic: command.topic, entityWords: this.deps.entities.words() };
      case 'unknown':
        return {
          kind: 'help',
          unknownWord: command.word,
          suggestion: command.suggestion,
          entityWords: this.deps.entities.words(),
        };
      case 'connect': {
        if (command.siteUrl) {
          this.requireConnectionOwner(context, 'set the EspoCRM address');
          if (!this.deps.sites) throw new AppError('bad_input', 'Setting the EspoCRM address is not available here.');
          await this.deps.sites.state(tenant.key, tenant.teamId, command.siteUrl);
        }
        const status = await crm.connect(tenant);
        if (status.state === 'action_required') {
          if (this.deps.connectionScope === 'workspace' && !context.isWorkspaceAdmin)
            return { kind: 'notice', tone: 'warning', text: ASK_AN_ADMIN };
          return { kind: 'connect', url: status.url, description: status.description };
        }
        return {
          kind: 'status',
          status,
          scope: this.deps.connectionScope,
          site: await this.deps.sites?.siteOf(tenant.key),
        };
      }
      case 'status':
        return {
          kind: 'status',
          status: await crm.status(tenant),
          scope: this.deps.connectionScope,
          alerts: await this.deps.alerts?.statusOf(tenant),
          site: await this.deps.sites?.siteOf(tenant.key),
        };
      case 'doctor':
        this.requireConnectionOwner(context, 'check it');
        if (!this.deps.doctor) throw new AppError('bad_input', 'The connection check is not available here.');
        return this.deps.doctor.examine(tenant);
      case 'disconnect': {
        this.requireConnectionOwner(context, 'disconnect it');
        const status = await crm.status(tenant);
        if (status.state === 'none')
          return { kind: 'notice', tone: 'info', text: 'There is no EspoCRM connection to end.' };
        return this.propose(context, { kind: 'disconnect' });
      }
      case 'list':
      case 'find':
        return {
          kind: 'records',
          entity: command.entity,
          query: command.query,
          page: await crm.list(tenant, command.query),
        };
      case 'show':
        return {
          kind: 'record',
          entity: command.entity,
          record: await crm.get(tenant, command.entity.name, command.id),
        };
      case 'create':
        return this.propose(
          context,
          { kind: 'create', entity: command.entity.name, fields: command.fields },
          command.entity,
        );
      case 'update': {
        // Reading the record first shows "old → new" in the preview and catches a wrong id before anyone confirms.
        const current = await crm.get(tenant, command.entity.name, command.id);
        const before = Object.fromEntries(
          Object.keys(command.fields).map((field) => [field, current.fields[field] ?? null]),
        );
        return this.propose(
          context,
          { kind: 'update', entity: command.entity.name, id: command.id, fields: command.fields, before },
          command.entity,
        );
      }
      case 'delete': {
        const current = await crm.get(tenant, command.entity.name, command.id);
        return this.propose(
          context,
          { kind: 'delete', entity: command.entity.name, id: command.id, name: current.name },
          command.entity,
        );
      }
      case 'actions':
        return { kind: 'actions', intent: command.intent, actions: await crm.searchActions(tenant, command.intent, 8) };
      case 'run': {
        const action = await crm.describeAction(tenant, command.key);
        // A create is checked with the assignee it will get (the schema may require one).
        const write = action.isRead
          ? undefined
          : await this.assign(context, { kind: 'run', key: action.key, name: action.name, input: command.input });
        const input = write?.plan.kind === 'run' ? write.plan.input : command.input;
        const complaint = crm.checkActionInput(action, input);
        if (complaint) {
          throw new AppError('validation', `That input does not fit \`${action.key}\`: ${complaint}`);
        }
        if (write) return this.store(context, write.plan, undefined, undefined, write.assignee);
        return { kind: 'data', title: action.name, data: await crm.runAction(tenant, action.key, command.input) };
      }
      case 'api':
        if (command.request.method !== 'GET') return this.propose(context, { kind: 'proxy', request: command.request });
        return { kind: 'data', title: `GET ${command.request.path}`, data: await crm.proxy(tenant, command.request) };
      case 'subscribe':
        return this.propose(context, await this.alerts().planSubscribe(context, tenant, command.subscription));
      case 'subscriptions':
        return this.alerts().list(context, tenant);
      case 'unsubscribe':
        return this.propose(context, await this.alerts().planUnsubscribe(context, command.id));
      case 'digest':
      case 'digest_now':
      case 'digests':
        return this.digests().handle(context, tenant, command, (plan) => this.propose(context, plan));
    }
  }

  /** A connection the whole workspace shares is a Slack workspace admin's or owner's to manage. */
  private requireConnectionOwner(context: RequestContext, what: string): void {
    if (this.deps.connectionScope === 'workspace' && !context.isWorkspaceAdmin) {
      throw new AppError(
        'forbidden',
        `The EspoCRM connection is shared by the whole workspace, so only a Slack workspace admin or owner can ${what}.`,
      );
    }
  }

  private alerts(): AlertCommands {
    if (!this.deps.alerts) throw new AppError('bad_input', 'Alerts are not available here.');
    return this.deps.alerts;
  }

  /**
   * A change to one record, proposed from a button (an alert's "Mark done" or "Assign to me"):
   * read first, previewed as old → new, written only on the requester's Confirm.
   */
  async proposeUpdate(
    context: RequestContext,
    entityName: string,
    id: string,
    fields: Record<string, unknown>,
  ): Promise<Reply> {
    const entity = this.deps.entities.resolve(entityName);
    const current = await this.deps.crm.get(this.tenantFor(context), entity.name, id);
    const before = Object.fromEntries(Object.keys(fields).map((field) => [field, current.fields[field] ?? null]));
    return this.propose(context, { kind: 'update', entity: entity.name, id, fields, before }, entity);
  }

  private digests(): DigestService {
    if (!this.deps.digests) throw new AppError('bad_input', 'Digests are not available here.');
    return this.deps.digests;
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

  private async store(
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
  private async assign(context: RequestContext, plan: WritePlan): Promise<{ plan: WritePlan; assignee?: Assignee }> {
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
      found = await this.deps.people.find(this.tenantFor(context), context.email, this.deps.clock.now());
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

  /** Whom an assignee id the person gave stands for: them, or a user read by id (a wrong id is caught before Confirm). */
  private async assigneeNamed(context: RequestContext, id: string): Promise<Assignee> {
    const tenant = this.tenantFor(context);
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
      tenantKey: this.tenantFor(context).key,
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
        const check = whereToCheck(write.plan);
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
        return this.digests().perform(tenant, plan);
      case 'disconnect':
        await crm.disconnect(tenant);
        return { kind: 'done', plan };
      case 'subscribe':
      case 'unsubscribe':
        return this.alerts().perform(tenant, plan);
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
function whereToCheck(plan: WritePlan): ErrorDetails['check'] {
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
          sort: { field: 'createdAt', order: 'desc' },
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

export function describePlan(plan: WritePlan): string {
  switch (plan.kind) {
    case 'create':
      return `create ${plan.entity}`;
    case 'update':
      return `update ${plan.entity} ${plan.id}`;
    case 'delete':
      return `delete ${plan.entity} ${plan.id}`;
    case 'run':
      return `run ${plan.key}`;
    case 'proxy':
      return `${plan.request.method} ${plan.request.path}`;
    case 'digest_schedule':
      return `digest ${plan.digest.personal ? 'personal' : plan.digest.channelId} ${plan.digest.days} ${plan.digest.time} ${plan.digest.timeZone}`;
    case 'digest_cancel':
      return `digest stop ${plan.id}`;
    case 'disconnect':
      return 'disconnect';
    case 'subscribe':
      return `subscribe ${plan.subscription.dm ? 'DM' : plan.subscription.channelId} to ${plan.subscription.description}`;
    case 'unsubscribe':
      return `unsubscribe ${plan.id}`;
  }
}

const ASK_AN_ADMIN = `EspoCRM is not connected for this workspace yet. Ask a Slack workspace admin to run ${commandText('connect')}; the connection they set up is shared by everyone here.`;

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
