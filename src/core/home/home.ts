import { toAppError, type AppError } from '../errors.js';
import type { PersonDirectory } from '../people.js';
import type { Clock, CrmGateway, CrmRecord, ListQuery, RequestContext, Tenant } from '../ports.js';
import { dueOf, openTaskFilters, plannedMeetingFilters } from './work-filters.js';

/** How many of the person's open tasks and upcoming meetings the Home tab shows. */
export const HOME_TASKS = 10;
export const HOME_MEETINGS = 5;
/**
 * Tasks are read a little past what is shown: EspoCRM sorts tasks without a due date first, and
 * the Home tab shows them after the dated ones.
 */
const TASK_WINDOW = 20;

/**
 * The connection as this person may see it. A connect link is only ever here for someone who may
 * use it: in workspace scope a Slack admin or owner, in user scope the person themselves.
 */
export type HomeConnection =
  | { state: 'ready'; name?: string }
  /** `reconnect`: an existing connection that needs the person again (e.g. it was disconnected). */
  | { state: 'action_required'; description: string; connectUrl?: string; reconnect: boolean }
  | { state: 'building' }
  | { state: 'failed'; message: string }
  | { state: 'none' }
  /** The status could not be read (Membrane unreachable...). */
  | { state: 'unknown'; error: AppError };

export interface HomeList {
  records: CrmRecord[];
  /** How many match in all, when EspoCRM says; otherwise whether there are more than shown. */
  total?: number;
  hasMore: boolean;
}

/** The person's own work, or why it cannot be shown. */
export type HomeWork =
  /** EspoCRM is not (usably) connected: the Home tab shows the status instead, and asks nothing of EspoCRM. */
  | { kind: 'not_connected' }
  | { kind: 'no_email' }
  | { kind: 'no_match'; email: string }
  | { kind: 'lists'; crmUserId: string; tasks: HomeList; meetings: HomeList }
  | { kind: 'error'; error: AppError };

export interface HomeData {
  scope: 'workspace' | 'user';
  /** Whether this person manages the connection (and so may be given its connect link). */
  managesConnection: boolean;
  connection: HomeConnection;
  work: HomeWork;
  /** When the data was read: what "overdue" and "upcoming" were judged against. */
  now: Date;
}

export interface HomeServiceDeps {
  crm: CrmGateway;
  people: PersonDirectory;
  clock: Clock;
  connectionScope: 'workspace' | 'user';
  /** The tenant a request acts for (CommandService.tenantFor), so Home reads the same connection as /espo. */
  tenantFor(context: RequestContext): Tenant;
}

/**
 * What a person's App Home shows: the connection, their open tasks and their upcoming meetings.
 * It never ensures or starts a connection (Slack sends app_home_opened often): one status check,
 * then, when READY, the person's EspoCRM user (cached) and two lists in parallel. Failures become
 * part of the data, so the tab always has something polite to show.
 */
export class HomeService {
  constructor(private readonly deps: HomeServiceDeps) {}

  async load(context: RequestContext): Promise<HomeData> {
    const { connectionScope, clock } = this.deps;
    const tenant = this.deps.tenantFor(context);
    const now = clock.now();
    const managesConnection = connectionScope === 'user' || Boolean(context.isWorkspaceAdmin);
    const connection = await this.connection(tenant, managesConnection);
    const work =
      connection.state === 'ready' ? await this.work(tenant, context.email, now) : ({ kind: 'not_connected' } as const);
    return { scope: connectionScope, managesConnection, connection, work, now };
  }

  private async connection(tenant: Tenant, managesConnection: boolean): Promise<HomeConnection> {
    let status;
    try {
      status = await this.deps.crm.status(tenant);
    } catch (error) {
      return { state: 'unknown', error: toAppError(error) };
    }
    switch (status.state) {
      case 'ready':
        return { state: 'ready', ...(status.name ? { name: status.name } : {}) };
      case 'action_required':
        return {
          state: 'action_required',
          description: status.description,
          // Whoever opens the link chooses the EspoCRM instance behind a shared connection.
          ...(managesConnection && status.url ? { connectUrl: status.url } : {}),
          // Membrane says so in words only: a connection that was disconnected needs reconnecting.
          reconnect: /\b(re-?connect|disconnected)\b/i.test(status.description),
        };
      case 'building':
        return { state: 'building' };
      case 'failed':
        return { state: 'failed', message: status.message };
      case 'none':
        return { state: 'none' };
    }
  }

  private async work(tenant: Tenant, email: string | undefined, now: Date): Promise<HomeWork> {
    try {
      const person = await this.deps.people.find(tenant, email, now);
      if (person.kind !== 'found') return person;
      const [tasks, meetings] = await Promise.all([
        this.openTasks(tenant, person.id),
        this.upcomingMeetings(tenant, person.id, now),
      ]);
      return { kind: 'lists', crmUserId: person.id, tasks, meetings };
    } catch (error) {
      return { kind: 'error', error: toAppError(error) };
    }
  }

  /** Open (not Completed or Canceled) tasks assigned to the person, soonest due first, undated last. */
  private async openTasks(tenant: Tenant, userId: string): Promise<HomeList> {
    const query: ListQuery = {
      entity: 'Task',
      filters: openTaskFilters(userId),
      sort: { field: 'dateEnd', order: 'asc' },
      limit: TASK_WINDOW,
      offset: 0,
    };
    const page = await this.deps.crm.list(tenant, query);
    const due = (record: CrmRecord) => dueOf(record);
    const records = [...page.records].sort((a, b) => {
      const [x, y] = [due(a), due(b)];
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    return {
      records: records.slice(0, HOME_TASKS),
      total: page.total,
      hasMore: page.hasMore || records.length > HOME_TASKS,
    };
  }

  /** Planned meetings assigned to the person that start now or later, soonest first. */
  private async upcomingMeetings(tenant: Tenant, userId: string, now: Date): Promise<HomeList> {
    const page = await this.deps.crm.list(tenant, {
      entity: 'Meeting',
      filters: plannedMeetingFilters(userId, now),
      sort: { field: 'dateStart', order: 'asc' },
      limit: HOME_MEETINGS,
      offset: 0,
    });
    return { records: page.records.slice(0, HOME_MEETINGS), total: page.total, hasMore: page.hasMore };
  }
}
