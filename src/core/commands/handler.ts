import type { AlertCommands } from '../alerts/ports.js';
import type { DigestService } from '../digests/service.js';
import type { DoctorService } from '../doctor/doctor.js';
import type { PersonDirectory } from '../people.js';
import type { ReportService } from '../reports/service.js';
import type { ReportQuery } from '../reports/types.js';
import type { SiteDirectory } from '../doctor/sites.js';
import { AppError, available } from '../errors.js';
import type { Clock, CrmGateway, EntityDirectory, ListQuery, RequestContext } from '../ports.js';
import type { Reply } from '../replies.js';
import { ASK_AN_ADMIN, type Tenancy } from '../tenancy.js';
import type { WriteService } from '../writes/service.js';
import { parseCommand, type Command } from './parse.js';

export interface CommandHandlerDeps {
  crm: CrmGateway;
  entities: EntityDirectory;
  clock: Clock;
  tenancy: Tenancy;
  writes: WriteService;
  /** Daily digests (`/espo digest`); without it those commands say digests are not available. */
  digests?: DigestService;
  /** Alert subscriptions (issue 6); without it `/espo subscribe` says alerts are unavailable. */
  alerts?: AlertCommands;
  /** Each tenant's EspoCRM address: `/espo connect <url>` sets it, status shows it. */
  sites?: SiteDirectory;
  /** `/espo doctor`; without it the command says it is unavailable. */
  doctor?: DoctorService;
  /** Totals and breakdowns (`count`, `sum`, `report`, `pipeline`); without it they say reports are unavailable. */
  reports?: ReportService;
  /** EspoCRM users by Slack email: `pipeline mine` is the requester's own deals. */
  people?: PersonDirectory;
}

/** The slash command: its text parsed, then each subcommand read at once or proposed as a write. */
export class CommandHandler {
  constructor(private readonly deps: CommandHandlerDeps) {}

  async handle(context: RequestContext, text: string): Promise<Reply> {
    const command = parseCommand(text, {
      entities: this.deps.entities,
      now: this.deps.clock.now(),
      timeZone: context.timeZone ?? 'UTC',
    });
    try {
      return await this.execute(context, command);
    } catch (error) {
      throw this.deps.tenancy.guardConnectLink(context, error);
    }
  }

  /** Runs a list query again: Next/Previous and "Share in channel" come back through here. */
  async list(context: RequestContext, query: ListQuery): Promise<Reply> {
    const entity = this.deps.entities.resolve(query.entity);
    const page = await this.deps.crm.list(this.deps.tenancy.tenantFor(context), query);
    return { kind: 'records', entity, query, page };
  }

  async show(context: RequestContext, entityName: string, id: string): Promise<Reply> {
    const entity = this.deps.entities.resolve(entityName);
    const record = await this.deps.crm.get(this.deps.tenancy.tenantFor(context), entity.name, id);
    return { kind: 'record', entity, record };
  }

  private async execute(context: RequestContext, command: Command): Promise<Reply> {
    const { crm, tenancy, writes } = this.deps;
    const tenant = tenancy.tenantFor(context);
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
          tenancy.requireConnectionOwner(context, 'set the EspoCRM address');
          const sites = available(this.deps.sites, 'Setting the EspoCRM address is not available here.');
          await sites.state(tenant.key, tenant.teamId, command.siteUrl);
        }
        const status = await crm.connect(tenant);
        if (status.state === 'action_required') {
          if (!tenancy.managesConnection(context)) return { kind: 'notice', tone: 'warning', text: ASK_AN_ADMIN };
          return { kind: 'connect', url: status.url, description: status.description };
        }
        return {
          kind: 'status',
          status,
          scope: tenancy.scope,
          site: await this.deps.sites?.siteOf(tenant.key),
        };
      }
      case 'status':
        return {
          kind: 'status',
          status: await crm.status(tenant),
          scope: tenancy.scope,
          alerts: await this.deps.alerts?.statusOf(tenant),
          site: await this.deps.sites?.siteOf(tenant.key),
        };
      case 'doctor':
        tenancy.requireConnectionOwner(context, 'check it');
        return available(this.deps.doctor, 'The connection check is not available here.').examine(tenant);
      case 'disconnect': {
        tenancy.requireConnectionOwner(context, 'disconnect it');
        const status = await crm.status(tenant);
        if (status.state === 'none')
          return { kind: 'notice', tone: 'info', text: 'There is no EspoCRM connection to end.' };
        return writes.propose(context, { kind: 'disconnect' });
      }
      case 'list':
      case 'find':
        return {
          kind: 'records',
          entity: command.entity,
          query: command.query,
          page: await crm.list(tenant, command.query),
        };
      case 'report':
        return { kind: 'report', report: await this.reports().run(tenant, command.query) };
      case 'pipeline': {
        const now = this.deps.clock.now();
        const ownerId = command.mine ? await this.crmUserOf(context) : undefined;
        const { query, title } = await this.reports().pipelineQuery(tenant, {
          ...(command.period ? { period: command.period } : {}),
          ...(ownerId ? { ownerId } : {}),
          now,
          timeZone: context.timeZone ?? 'UTC',
        });
        return { kind: 'report', report: await this.reports().run(tenant, query, { title }) };
      }
      case 'show':
        return {
          kind: 'record',
          entity: command.entity,
          record: await crm.get(tenant, command.entity.name, command.id),
        };
      case 'create':
        return writes.propose(
          context,
          { kind: 'create', entity: command.entity.name, fields: command.fields },
          command.entity,
        );
      case 'update':
        return writes.proposeUpdate(context, command.entity, command.id, command.fields);
      case 'delete': {
        const current = await crm.get(tenant, command.entity.name, command.id);
        return writes.propose(
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
          : await writes.assign(context, { kind: 'run', key: action.key, name: action.name, input: command.input });
        const input = write?.plan.kind === 'run' ? write.plan.input : command.input;
        const complaint = crm.checkActionInput(action, input);
        if (complaint) {
          throw new AppError('validation', `That input does not fit \`${action.key}\`: ${complaint}`);
        }
        if (write) return writes.store(context, write.plan, undefined, undefined, write.assignee);
        return { kind: 'data', title: action.name, data: await crm.runAction(tenant, action.key, command.input) };
      }
      case 'api':
        if (command.request.method !== 'GET')
          return writes.propose(context, { kind: 'proxy', request: command.request });
        return { kind: 'data', title: `GET ${command.request.path}`, data: await crm.proxy(tenant, command.request) };
      case 'subscribe':
        return writes.propose(context, await this.alerts().planSubscribe(context, tenant, command.subscription));
      case 'subscriptions':
        return this.alerts().list(context, tenant);
      case 'unsubscribe':
        return writes.propose(context, await this.alerts().planUnsubscribe(context, command.id));
      case 'digest':
      case 'digest_now':
      case 'digests':
        return available(this.deps.digests, 'Digests are not available here.').handle(
          context,
          tenant,
          command,
          (plan) => writes.propose(context, plan),
        );
    }
  }

  /** Runs a report again: "Share in channel" comes back through here, with the heading it had. */
  async report(context: RequestContext, query: ReportQuery, title?: string): Promise<Reply> {
    const tenant = this.deps.tenancy.tenantFor(context);
    return { kind: 'report', report: await this.reports().run(tenant, query, title ? { title } : {}) };
  }

  private reports(): ReportService {
    return available(this.deps.reports, 'Reports are not available here.');
  }

  /** The requester's EspoCRM user, found by their Slack email, for "mine". */
  private async crmUserOf(context: RequestContext): Promise<string> {
    const people = available(this.deps.people, 'Reports of your own records are not available here.');
    const tenant = this.deps.tenancy.tenantFor(context);
    const found = await people.find(tenant, context.email, this.deps.clock.now());
    if (found.kind === 'no_email')
      throw new AppError(
        'bad_input',
        '`mine` needs your email from Slack to find your EspoCRM user, and Slack did not give it.',
      );
    if (found.kind === 'no_match')
      throw new AppError(
        'not_found',
        `No EspoCRM user has your Slack email (${found.email}), so \`mine\` cannot tell which deals are yours.`,
      );
    return found.id;
  }

  private alerts(): AlertCommands {
    return available(this.deps.alerts, 'Alerts are not available here.');
  }
}
