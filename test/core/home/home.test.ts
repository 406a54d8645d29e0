import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { HomeService } from '../../../src/core/home/home.js';
import { PersonDirectory } from '../../../src/core/people.js';
import type {
  ConnectionStatus,
  CrmGateway,
  CrmRecord,
  ListQuery,
  RecordPage,
  Tenant,
} from '../../../src/core/ports.js';
import type { RequestContext } from '../../../src/core/ports.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The part of the gateway Home uses; anything else it touched would throw. */
class FakeCrm {
  status_: ConnectionStatus = { state: 'ready', connectionId: 'c1', name: 'EspoCRM' };
  statusError?: Error;
  listError?: Error;
  users: Record<string, string> = { 'jane@example.com': 'U-JANE' };
  tasks: CrmRecord[] = [];
  meetings: CrmRecord[] = [];
  readonly calls: string[] = [];
  readonly queries: ListQuery[] = [];

  async status(): Promise<ConnectionStatus> {
    this.calls.push('status');
    if (this.statusError) throw this.statusError;
    return this.status_;
  }

  async list(_tenant: Tenant, query: ListQuery): Promise<RecordPage> {
    this.calls.push(`list ${query.entity}`);
    this.queries.push(query);
    if (this.listError) throw this.listError;
    if (query.entity === 'User') {
      const email = String(query.filters[0]?.value).toLowerCase();
      const id = this.users[email];
      return { records: id ? [{ id, fields: {} }] : [], hasMore: false };
    }
    const records = (query.entity === 'Task' ? this.tasks : this.meetings).slice(0, query.limit);
    return { records, total: (query.entity === 'Task' ? this.tasks : this.meetings).length, hasMore: false };
  }
}

function setup(scope: 'workspace' | 'user' = 'workspace') {
  const crm = new FakeCrm();
  const gateway = crm as unknown as CrmGateway;
  const home = new HomeService({
    crm: gateway,
    people: new PersonDirectory(gateway, logger),
    clock: { now: () => NOW },
    connectionScope: scope,
    tenantFor: (context) => ({
      key: scope === 'user' ? `${context.teamId}:${context.userId}` : context.teamId,
      teamId: context.teamId,
      userId: context.userId,
    }),
  });
  return { crm, home };
}

const jane: RequestContext = { teamId: 'T1', userId: 'U1', email: 'jane@example.com' };
const task = (id: string, dateEnd: string | null): CrmRecord => ({
  id,
  name: `Task ${id}`,
  fields: { name: `Task ${id}`, dateEnd },
});

describe('HomeService', () => {
  it("reads the person's open tasks and upcoming meetings with three calls after the status, two once the user is known", async () => {
    const { crm, home } = setup();
    crm.tasks = [task('undated', null), task('later', '2026-12-01 10:00:00'), task('overdue', '2026-11-20 17:00:00')];
    crm.meetings = [{ id: 'M1', name: 'QBR', fields: { dateStart: '2026-11-28 15:00:00' } }];

    const data = await home.load(jane);

    expect(data.connection).toEqual({ state: 'ready', name: 'EspoCRM' });
    expect(crm.calls).toEqual(['status', 'list User', 'list Task', 'list Meeting']);
    expect(data.work.kind).toBe('lists');
    if (data.work.kind !== 'lists') return;
    expect(data.work.crmUserId).toBe('U-JANE');
    // Soonest due first; EspoCRM puts undated tasks first, Home puts them last.
    expect(data.work.tasks.records.map((r) => r.id)).toEqual(['overdue', 'later', 'undated']);
    expect(data.work.meetings.records.map((r) => r.id)).toEqual(['M1']);

    const [, taskQuery, meetingQuery] = crm.queries;
    expect(taskQuery).toMatchObject({
      entity: 'Task',
      filters: [
        { field: 'assignedUserId', op: 'equals', value: 'U-JANE' },
        { field: 'status', op: 'notEquals', value: 'Completed' },
        { field: 'status', op: 'notEquals', value: 'Canceled' },
      ],
      sort: { field: 'dateEnd', order: 'asc' },
    });
    expect(meetingQuery).toMatchObject({
      entity: 'Meeting',
      filters: [
        { field: 'assignedUserId', op: 'equals', value: 'U-JANE' },
        { field: 'status', op: 'equals', value: 'Planned' },
        { field: 'dateStart', op: 'greaterThanOrEquals', value: '2026-11-25 12:00:00' },
      ],
      sort: { field: 'dateStart', order: 'asc' },
      limit: 5,
    });

    crm.calls.length = 0;
    await home.load(jane);
    expect(crm.calls).toEqual(['status', 'list Task', 'list Meeting']);
  });

  it('shows at most 10 tasks and says there are more', async () => {
    const { crm, home } = setup();
    crm.tasks = Array.from({ length: 14 }, (_, i) =>
      task(`T${i}`, `2026-11-${String(10 + i).padStart(2, '0')} 09:00:00`),
    );
    const data = await home.load(jane);
    if (data.work.kind !== 'lists') throw new Error(data.work.kind);
    expect(data.work.tasks.records).toHaveLength(10);
    expect(data.work.tasks.records[0]?.id).toBe('T0');
    expect(data.work.tasks.hasMore).toBe(true);
    expect(data.work.tasks.total).toBe(14);
  });

  it('gives the connect link of a shared connection to workspace admins only, and asks EspoCRM nothing until it is ready', async () => {
    const { crm, home } = setup('workspace');
    crm.status_ = {
      state: 'action_required',
      connectionId: 'c1',
      url: 'https://connect.example/x',
      description: 'Connect your EspoCRM instance',
    };

    const member = await home.load(jane);
    expect(member.managesConnection).toBe(false);
    expect(member.connection).toEqual({
      state: 'action_required',
      description: 'Connect your EspoCRM instance',
      reconnect: false,
    });
    expect(member.work).toEqual({ kind: 'not_connected' });
    expect(JSON.stringify(member)).not.toContain('connect.example');

    const admin = await home.load({ ...jane, isWorkspaceAdmin: true });
    expect(admin.connection).toMatchObject({ state: 'action_required', connectUrl: 'https://connect.example/x' });
    expect(crm.calls).toEqual(['status', 'status']);
  });

  it('gives the link to the person themselves in user scope, as Reconnect when the connection was disconnected', async () => {
    const { crm, home } = setup('user');
    crm.status_ = {
      state: 'action_required',
      connectionId: 'c1',
      url: 'https://connect.example/me',
      description: 'The connection was disconnected; reconnect it.',
    };
    const data = await home.load(jane);
    expect(data.connection).toEqual({
      state: 'action_required',
      description: 'The connection was disconnected; reconnect it.',
      connectUrl: 'https://connect.example/me',
      reconnect: true,
    });
  });

  it('says why the lists are missing: no email, or no EspoCRM user with it', async () => {
    const { crm, home } = setup();
    expect((await home.load({ teamId: 'T1', userId: 'U2' })).work).toEqual({ kind: 'no_email' });
    expect((await home.load({ teamId: 'T1', userId: 'U3', email: 'nobody@example.com' })).work).toEqual({
      kind: 'no_match',
      email: 'nobody@example.com',
    });
    expect(crm.calls).toEqual(['status', 'status', 'list User']);
  });

  it('turns failures into data: an unreadable status, a failed list', async () => {
    const { crm, home } = setup();
    crm.statusError = new AppError('crm_unavailable', 'Membrane is not answering right now.');
    const down = await home.load(jane);
    expect(down.connection).toMatchObject({ state: 'unknown', error: { code: 'crm_unavailable' } });
    expect(down.work).toEqual({ kind: 'not_connected' });

    crm.statusError = undefined;
    crm.listError = new Error('socket hang up');
    const failed = await home.load(jane);
    expect(failed.connection.state).toBe('ready');
    expect(failed.work).toMatchObject({ kind: 'error', error: { code: 'internal' } });
  });
});

describe('PersonDirectory', () => {
  it('caches hits and misses per tenant for an hour, and does not cache a failed lookup', async () => {
    const crm = new FakeCrm();
    const people = new PersonDirectory(crm as unknown as CrmGateway, logger, { ttlMs: 1000 });
    const t1: Tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };
    const t2: Tenant = { key: 'T2', teamId: 'T2', userId: 'U1' };
    expect(await people.find(t1, 'Jane@Example.com', NOW)).toEqual({ kind: 'found', id: 'U-JANE' });
    expect(await people.find(t1, 'jane@example.com', NOW)).toEqual({ kind: 'found', id: 'U-JANE' });
    expect(await people.find(t1, 'nobody@example.com', NOW)).toEqual({ kind: 'no_match', email: 'nobody@example.com' });
    expect(await people.find(t1, 'nobody@example.com', NOW)).toEqual({ kind: 'no_match', email: 'nobody@example.com' });
    expect(await people.find(t2, 'jane@example.com', NOW)).toEqual({ kind: 'found', id: 'U-JANE' });
    expect(crm.calls).toEqual(['list User', 'list User', 'list User']);
    await people.find(t1, 'jane@example.com', new Date(NOW.getTime() + 1001));
    expect(crm.calls).toHaveLength(4);

    crm.listError = new Error('down');
    await expect(people.find(t1, 'other@example.com', NOW)).rejects.toThrow('down');
    expect(await people.crmUserOf(t1, 'other@example.com', NOW)).toBeUndefined();
    crm.listError = undefined;
    crm.users['other@example.com'] = 'U-OTHER';
    expect(await people.crmUserOf(t1, 'other@example.com', NOW)).toBe('U-OTHER');
    expect(await people.crmUserOf(t1, undefined, NOW)).toBeUndefined();
  });
});
