import type { AlertCommands } from './alerts/ports.js';
import { CommandHandler } from './commands/handler.js';
import type { DigestService } from './digests/service.js';
import type { DoctorService } from './doctor/doctor.js';
import type { SiteDirectory } from './doctor/sites.js';
import type { PersonDirectory } from './people.js';
import type { ReportService } from './reports/service.js';
import type { ReportQuery } from './reports/types.js';
import type {
  Assignee,
  Clock,
  CrmGateway,
  EntityDirectory,
  EntityInfo,
  ListQuery,
  Logger,
  RequestContext,
  Tenant,
  TokenUsage,
  WritePlan,
} from './ports.js';
import type { Reply } from './replies.js';
import { Tenancy } from './tenancy.js';
import type { AuditLog, ConfirmationStore } from './writes/ports.js';
import { WriteService } from './writes/service.js';

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
  /** Totals and breakdowns (`count`, `sum`, `report`, `pipeline`). */
  reports?: ReportService;
}

/**
 * The request pipeline as the Slack layer sees it: the slash command (commands/handler.ts), and
 * every write's propose, Confirm and Cancel (writes/service.ts), for the tenant a request acts
 * for (tenancy.ts). Reads run at once; every write becomes a stored PendingWrite that only its
 * requester can confirm, once, in time.
 */
export class CommandService {
  private readonly tenancy: Tenancy;
  private readonly writes: WriteService;
  private readonly commands: CommandHandler;

  constructor(private readonly deps: CommandServiceDeps) {
    this.tenancy = new Tenancy(deps.connectionScope);
    const tenantFor = (context: RequestContext) => this.tenancy.tenantFor(context);
    this.writes = new WriteService({ ...deps, tenantFor });
    this.commands = new CommandHandler({ ...deps, tenancy: this.tenancy, writes: this.writes });
  }

  tenantFor(context: RequestContext): Tenant {
    return this.tenancy.tenantFor(context);
  }

  /** A connect link in an error only for whoever manages the connection (see Tenancy). */
  guardConnectLink(context: RequestContext, error: unknown): unknown {
    return this.tenancy.guardConnectLink(context, error);
  }

  /** The slash command's text. */
  handle(context: RequestContext, text: string): Promise<Reply> {
    return this.commands.handle(context, text);
  }

  /** Runs a list query again: Next/Previous and "Share in channel" come back through here. */
  list(context: RequestContext, query: ListQuery): Promise<Reply> {
    return this.commands.list(context, query);
  }

  show(context: RequestContext, entityName: string, id: string): Promise<Reply> {
    return this.commands.show(context, entityName, id);
  }

  /** Runs a report again (its "Share in channel"). */
  report(context: RequestContext, query: ReportQuery, title?: string): Promise<Reply> {
    return this.commands.report(context, query, title);
  }

  /**
   * A change to one record, proposed from a button (an alert's "Mark done" or "Assign to me"):
   * read first, previewed as old → new, written only on the requester's Confirm.
   */
  proposeUpdate(
    context: RequestContext,
    entityName: string,
    id: string,
    fields: Record<string, unknown>,
  ): Promise<Reply> {
    return this.writes.proposeUpdate(context, this.deps.entities.resolve(entityName), id, fields);
  }

  /** Stores a write for its requester's Confirm and answers with its preview. */
  propose(context: RequestContext, plan: WritePlan, entity?: EntityInfo, usage?: TokenUsage): Promise<Reply> {
    return this.writes.propose(context, plan, entity, usage);
  }

  /** The person asking, as the assignee of a new record of `entity` (see WriteService). */
  requesterAsAssignee(context: RequestContext, entity: EntityInfo): Promise<Assignee | undefined> {
    return this.writes.requesterAsAssignee(context, entity);
  }

  /** The requester pressed Confirm: claim the write (once, across instances), run it, audit it. */
  confirm(context: RequestContext, pendingId: string): Promise<Reply> {
    return this.writes.confirm(context, pendingId);
  }

  /** A write confirmed by submitting a form that showed exactly what it sends: it runs at once. */
  submit(context: RequestContext, plan: WritePlan): Promise<Reply> {
    return this.writes.submit(context, plan);
  }

  cancel(context: RequestContext, pendingId: string): Promise<Reply> {
    return this.writes.cancel(context, pendingId);
  }
}
