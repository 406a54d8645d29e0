import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryResult } from '../../../src/core/digests/ports.js';
import { DigestScheduler } from '../../../src/core/digests/scheduler.js';
import { DigestService } from '../../../src/core/digests/service.js';
import type { Digest, DigestJob } from '../../../src/core/digests/types.js';
import { AppError } from '../../../src/core/errors.js';
import { PersonDirectory } from '../../../src/core/people.js';
import type { PipelineOptions } from '../../../src/core/reports/service.js';
import type { ReportQuery } from '../../../src/core/reports/types.js';
import type { Vocabulary } from '../../../src/core/understanding/ports.js';
import { EspoVocabulary, STOCK_ENUMS } from '../../../src/crm/espo/vocabulary.js';
import { pipelineReport } from '../../support/reports.js';
import type {
  CrmGateway,
  CrmRecord,
  ListQuery,
  RecordPage,
  RequestContext,
  Tenant,
  WritePlan,
} from '../../../src/core/ports.js';
import type { Reply } from '../../../src/core/replies.js';
import { openStore, type Store } from '../../../src/store/store.js';

// Monday 2026-06-01, 09:00 in New York (EDT, UTC-4).
const NOW = new Date('2026-06-01T13:00:00Z');
const NY = 'America/New_York';
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const TENANT: Tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };

/** Lists by entity; records every query; a section can be made to fail. */
class FakeCrm {
  readonly queries: ListQuery[] = [];
  records: Record<string, CrmRecord[]> = {};
  failing = new Set<string>();
  users: Record<string, string> = { 'jane@example.com': 'E-JANE' };

  async list(_tenant: Tenant, query: ListQuery): Promise<RecordPage> {
    if (query.entity === 'User') {
      const id = this.users[String(query.filters[0]?.value)];
      return { records: id ? [{ id, fields: {} }] : [], hasMore: false };
    }
    this.queries.push(query);
    const key = `${query.entity}:${query.sort?.field}`;
    if (this.failing.has(key) || this.failing.has('*'))
      throw new AppError('crm_unavailable', 'EspoCRM is not answering.');
    const all = this.records[`${key}:${query.sort?.order}`] ?? this.records[key] ?? [];
    return { records: all.slice(0, query.limit), total: all.length, hasMore: all.length > query.limit };
  }
}

/** The report engine's pipeline: what it was asked, the report it gives, or its failure. */
class FakeReports {
  readonly asked: PipelineOptions[] = [];
  failing = false;

  async pipelineQuery(_tenant: Tenant, options: PipelineOptions): Promise<{ query: ReportQuery; title: string }> {
    this.asked.push(options);
    if (this.failing) throw new AppError('crm_unavailable', 'EspoCRM is not answering.');
    const title = options.ownerId ? 'Pipeline · yours' : 'Pipeline';
    return { query: pipelineReport().query, title };
  }

  async run(_tenant: Tenant, _query: ReportQuery, options: { title?: string } = {}) {
    return pipelineReport(undefined, options.title);
  }
}

const record = (id: string, fields: Record<string, unknown> = {}): CrmRecord => ({
  id,
  name: id,
  fields: { name: id, ...fields },
});

function setup(vocabulary: Vocabulary = new EspoVocabulary()) {
  const crm = new FakeCrm();
  const reports = new FakeReports();
  const gateway = crm as unknown as CrmGateway;
  const jobs = new Map<string, DigestJob>();
  const store = {
    async forChannel(teamId: string, channelId: string) {
      return [...jobs.values()].filter((job) => job.teamId === teamId && job.channelId === channelId);
    },
    async create(job: DigestJob) {
      jobs.set(job.id, job);
    },
    async get(id: string) {
      return jobs.get(id);
    },
    async delete(id: string) {
      return jobs.delete(id);
    },
  };
  const service = new DigestService({
    crm: gateway,
    people: new PersonDirectory(gateway, logger),
    store: store as never,
    clock: { now: () => NOW },
    logger,
    reports,
    vocabularyFor: async () => vocabulary,
  });
  return { crm, service, jobs, reports };
}

const proposeInto =
  (plans: WritePlan[]) =>
  async (plan: WritePlan): Promise<Reply> => {
    plans.push(plan);
    return { kind: 'notice', tone: 'info', text: 'proposed' };
  };

describe('DigestService.build', () => {
  it("takes the deals still in play from the instance's own stages", async () => {
    // An admin renamed the closed stages: won is Signed, lost is Lost.
    const enums = new Map(STOCK_ENUMS);
    enums.set(
      'Opportunity',
      new Map([
        [
          'stage',
          { options: ['Discovery', 'Signed', 'Lost'], probabilityMap: { Discovery: 20, Signed: 100, Lost: 0 } },
        ],
      ]),
    );
    const { crm, service } = setup(new EspoVocabulary(enums));
    await service.build(TENANT, { personal: false, timeZone: NY }, NOW, new Date('2026-05-31T13:00:00Z'));
    const deals = crm.queries.filter((query) => query.entity === 'Opportunity');
    expect(deals.length).toBeGreaterThan(0);
    for (const query of deals)
      expect(query.filters).toContainEqual({ field: 'stage', op: 'notIn', value: ['Signed', 'Lost'] });
  });

  it("reads the team's six parts with the zone's day, week and the stale cutoff", async () => {
    const { crm, service } = setup();
    await service.build(TENANT, { personal: false, timeZone: NY }, NOW, new Date('2026-05-31T13:00:00Z'));
    const byKey = Object.fromEntries(
      crm.queries.map((query) => [`${query.entity}:${query.sort?.field}:${query.sort?.order}`, query.filters]),
    );
    const openTask = [
      { field: 'status', op: 'notEquals', value: 'Completed' },
      { field: 'status', op: 'notEquals', value: 'Canceled' },
    ];
    // A stock EspoCRM's closed stages.
    const openDeal = [{ field: 'stage', op: 'notIn', value: ['Closed Won', 'Closed Lost'] }];
    expect(byKey).toEqual({
      // Local midnight in New York is 04:00 UTC.
      'Task:dateEnd:desc': [...openTask, { field: 'dateEnd', op: 'lessThan', value: '2026-06-01 04:00:00' }],
      'Task:dateEnd:asc': [
        ...openTask,
        { field: 'dateEnd', op: 'greaterThanOrEquals', value: '2026-06-01 04:00:00' },
        { field: 'dateEnd', op: 'lessThan', value: '2026-06-02 04:00:00' },
      ],
      'Meeting:dateStart:asc': [
        { field: 'status', op: 'equals', value: 'Planned' },
        { field: 'dateStart', op: 'greaterThanOrEquals', value: '2026-06-01 04:00:00' },
        { field: 'dateStart', op: 'lessThan', value: '2026-06-02 04:00:00' },
      ],
      // Monday to Sunday.
      'Opportunity:closeDate:asc': [
        ...openDeal,
        { field: 'closeDate', op: 'greaterThanOrEquals', value: '2026-06-01' },
        { field: 'closeDate', op: 'lessThanOrEquals', value: '2026-06-07' },
      ],
      'Lead:createdAt:desc': [{ field: 'createdAt', op: 'greaterThan', value: '2026-05-31 13:00:00' }],
      'Opportunity:modifiedAt:asc': [
        ...openDeal,
        { field: 'modifiedAt', op: 'lessThan', value: '2026-05-18 13:00:00' },
      ],
    });
    expect(crm.queries.every((query) => query.limit === 5 && query.offset === 0)).toBe(true);
  });

  it("narrows every part to the person's EspoCRM user in a personal digest", async () => {
    const { crm, service } = setup();
    await service.build(TENANT, { personal: true, crmUserId: 'E-JANE', timeZone: NY }, NOW, NOW);
    expect(crm.queries).toHaveLength(6);
    for (const query of crm.queries)
      expect(query.filters).toContainEqual({ field: 'assignedUserId', op: 'equals', value: 'E-JANE' });
  });

  it('counts beyond what it shows, keeps a part that failed as an error, and files date-only tasks by their local date', async () => {
    const { crm, service } = setup();
    // Midnight UTC is still the day before in New York: EspoCRM's own filter puts an all-day task
    // due today among the overdue ones, and one due tomorrow among today's.
    crm.records['Task:dateEnd:desc'] = [
      record('due-today-all-day', { dateEnd: '2026-06-01 00:00:00', dateEndDate: '2026-06-01' }),
      record('overdue-timed', { dateEnd: '2026-05-30 17:00:00' }),
    ];
    crm.records['Task:dateEnd:asc'] = [
      record('tomorrow-all-day', { dateEnd: '2026-06-02 00:00:00', dateEndDate: '2026-06-02' }),
      record('today-timed', { dateEnd: '2026-06-01 17:00:00' }),
    ];
    crm.records['Lead:createdAt'] = Array.from({ length: 8 }, (_, i) => record(`lead-${i}`));
    crm.failing.add('Meeting:dateStart');
    const digest = await service.build(
      TENANT,
      { personal: false, timeZone: NY },
      NOW,
      NOW,
      new Date(NOW.getTime() - 3 * 86_400_000),
    );
    const part = (key: string) => digest.sections.find((section) => section.key === key)!;
    expect(part('overdue')).toMatchObject({ total: 1, records: [{ id: 'overdue-timed' }] });
    expect(part('today')).toMatchObject({ total: 2, records: [{ id: 'due-today-all-day' }, { id: 'today-timed' }] });
    expect(part('new_leads')).toMatchObject({ total: 8, hasMore: true });
    expect(part('new_leads').records).toHaveLength(5);
    expect(part('meetings').error?.code).toBe('crm_unavailable');
    expect(part('closing').error).toBeUndefined();
    expect(digest).toMatchObject({
      today: '2026-06-01',
      weekEnd: '2026-06-07',
      timeZone: NY,
      lateSince: new Date(NOW.getTime() - 3 * 86_400_000),
    });
  });

  it("carries the pipeline only when asked: the team's, or the person's own, read in the digest's zone", async () => {
    const { service, reports } = setup();
    expect((await service.build(TENANT, { personal: false, timeZone: NY }, NOW, NOW)).pipeline).toBeUndefined();
    expect(reports.asked).toEqual([]);

    const team = await service.build(TENANT, { personal: false, timeZone: NY, withPipeline: true }, NOW, NOW);
    expect(team.pipeline?.report).toMatchObject({ title: 'Pipeline', total: { count: 10 } });
    const mine = await service.build(
      TENANT,
      { personal: true, crmUserId: 'E-JANE', timeZone: NY, withPipeline: true },
      NOW,
      NOW,
    );
    expect(mine.pipeline?.report?.title).toBe('Pipeline · yours');
    expect(reports.asked).toEqual([
      { now: NOW, timeZone: NY },
      { ownerId: 'E-JANE', now: NOW, timeZone: NY },
    ]);
  });

  it('keeps a pipeline that could not be read as an error; the rest of the digest still reads', async () => {
    const { service, reports } = setup();
    reports.failing = true;
    const digest = await service.build(TENANT, { personal: false, timeZone: NY, withPipeline: true }, NOW, NOW);
    expect(digest.pipeline?.error?.code).toBe('crm_unavailable');
    expect(digest.pipeline?.report).toBeUndefined();
    expect(digest.sections).toHaveLength(6);
    expect(digest.sections.every((section) => !section.error)).toBe(true);
  });

  it('says nothing about lateness for a digest sent on time', async () => {
    const { service } = setup();
    const digest = await service.build(
      TENANT,
      { personal: false, timeZone: NY },
      new Date(NOW.getTime() + 30_000),
      NOW,
      NOW,
    );
    expect(digest.lateSince).toBeUndefined();
  });
});

describe('DigestService.handle', () => {
  const channel: RequestContext = { teamId: 'T1', userId: 'U1', channelId: 'C1', timeZone: NY };
  const dm: RequestContext = { teamId: 'T1', userId: 'U1', channelId: 'D1', timeZone: NY, email: 'jane@example.com' };

  it("proposes a channel's digest in the requester's zone, and refuses the same one twice", async () => {
    const { service, jobs } = setup();
    const plans: WritePlan[] = [];
    await service.handle(
      channel,
      TENANT,
      { kind: 'digest', schedule: { time: '09:00', days: 'weekdays', pipeline: false } },
      proposeInto(plans),
    );
    expect(plans).toEqual([
      {
        kind: 'digest_schedule',
        digest: { channelId: 'C1', personal: false, time: '09:00', days: 'weekdays', timeZone: NY },
      },
    ]);
    await service.perform(TENANT, plans[0] as Extract<WritePlan, { kind: 'digest_schedule' }>);
    expect([...jobs.values()][0]).toMatchObject({
      channelId: 'C1',
      userId: 'U1',
      nextRunAt: new Date('2026-06-02T13:00:00Z'),
      failures: 0,
    });
    await expect(
      service.handle(
        channel,
        TENANT,
        { kind: 'digest', schedule: { time: '09:00', days: 'weekdays', pipeline: false } },
        proposeInto(plans),
      ),
    ).rejects.toThrow(/already scheduled/);
  });

  it("makes a DM's digest personal, to the person, with their EspoCRM user", async () => {
    const { service } = setup();
    const plans: WritePlan[] = [];
    await service.handle(
      dm,
      TENANT,
      { kind: 'digest', schedule: { time: '08:30', days: 'daily', pipeline: false } },
      proposeInto(plans),
    );
    expect(plans).toEqual([
      {
        kind: 'digest_schedule',
        digest: { channelId: 'U1', personal: true, crmUserId: 'E-JANE', time: '08:30', days: 'daily', timeZone: NY },
      },
    ]);
  });

  it('refuses a personal digest politely when it cannot tell who the person is in EspoCRM', async () => {
    const { service } = setup();
    const noEmail = { ...dm, email: undefined };
    await expect(
      service.handle(
        noEmail,
        TENANT,
        { kind: 'digest', schedule: { time: '08:30', days: 'daily', pipeline: false } },
        proposeInto([]),
      ),
    ).rejects.toThrow(
      "I can't tell which EspoCRM user you are: Slack did not give me your email (the app needs the users:read.email scope).",
    );
    await expect(
      service.handle(
        { ...dm, email: 'nobody@example.com' },
        TENANT,
        { kind: 'digest_now', pipeline: false },
        proposeInto([]),
      ),
    ).rejects.toThrow(/no EspoCRM user has your Slack email/);
  });

  it('previews the pipeline with `/espo digest now pipeline`, and only then', async () => {
    const { service } = setup();
    const now = (pipeline: boolean) =>
      service.handle(channel, TENANT, { kind: 'digest_now', pipeline }, proposeInto([]));
    const withIt = await now(true);
    if (withIt.kind !== 'digest') throw new Error('expected a digest');
    expect(withIt).toMatchObject({ preview: true, digest: { pipeline: { report: { title: 'Pipeline' } } } });
    const without = await now(false);
    if (without.kind !== 'digest') throw new Error('expected a digest');
    expect(without.digest.pipeline).toBeUndefined();
  });

  it('lets the creator (or, for a channel, a workspace admin) stop a digest, nobody else', async () => {
    const { service } = setup();
    const plans: WritePlan[] = [];
    await service.handle(
      channel,
      TENANT,
      { kind: 'digest', schedule: { time: '09:00', days: 'daily', pipeline: false } },
      proposeInto(plans),
    );
    const reply = await service.perform(TENANT, plans[0] as Extract<WritePlan, { kind: 'digest_schedule' }>);
    expect(reply).toMatchObject({ kind: 'notice', tone: 'success' });
    const listed = await service.handle(channel, TENANT, { kind: 'digests' }, proposeInto([]));
    if (listed.kind !== 'digests') throw new Error('expected a list');
    const id = listed.digests[0]!.id;
    await expect(service.planStop({ ...channel, userId: 'U2' }, id)).rejects.toThrow(/Only the person who scheduled/);
    await expect(service.planStop({ ...channel, teamId: 'T2' }, id)).rejects.toThrow(/no longer exists/);
    expect(await service.planStop({ ...channel, userId: 'UADMIN', isWorkspaceAdmin: true }, id)).toMatchObject({
      kind: 'digest_cancel',
      id,
    });
    const stop = await service.planStop(channel, id);
    expect(await service.perform(TENANT, stop as Extract<WritePlan, { kind: 'digest_cancel' }>)).toMatchObject({
      tone: 'success',
    });
    expect(await service.perform(TENANT, stop as Extract<WritePlan, { kind: 'digest_cancel' }>)).toMatchObject({
      tone: 'info',
      text: 'That digest was already stopped.',
    });
  });
});

describe('DigestScheduler', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'espo-scheduler-'));
    store = await openStore(`sqlite:${join(dir, 'bot.db')}`);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function scheduler(
    send: (job: DigestJob, digest: Digest) => Promise<DeliveryResult>,
    crm = new FakeCrm(),
    reports = new FakeReports(),
  ) {
    const gateway = crm as unknown as CrmGateway;
    const digests = new DigestService({
      crm: gateway,
      people: new PersonDirectory(gateway, logger),
      store: store.digests,
      clock: { now: () => NOW },
      logger,
      reports,
      vocabularyFor: async () => new EspoVocabulary(),
    });
    const sent: { job: DigestJob; digest: Digest }[] = [];
    const instance = new DigestScheduler({
      store: store.digests,
      digests,
      delivery: {
        async send(job, digest) {
          const result = await send(job, digest);
          if (result.ok) sent.push({ job, digest });
          return result;
        },
      },
      clock: { now: () => NOW },
      logger,
    });
    return { instance, sent, crm };
  }

  async function schedule(overrides: Partial<DigestJob> = {}): Promise<DigestJob> {
    const job: DigestJob = {
      id: `dg-${Math.random().toString(36).slice(2)}`,
      tenantKey: 'T1',
      teamId: 'T1',
      channelId: 'C1',
      userId: 'U1',
      personal: false,
      time: '09:00',
      days: 'weekdays',
      timeZone: NY,
      nextRunAt: NOW,
      failures: 0,
      createdAt: new Date(NOW.getTime() - 86_400_000),
      ...overrides,
    };
    await store.digests.create(job);
    return job;
  }

  const ok = async (): Promise<DeliveryResult> => ({ ok: true });

  it('sends a due digest once, then waits for its next weekday', async () => {
    const { instance, sent } = scheduler(ok);
    const job = await schedule();
    expect((await instance.tick(new Date(NOW.getTime() - 1000))).sent).toEqual([]);
    expect((await instance.tick(NOW)).sent).toEqual([job.id]);
    expect((await instance.tick(NOW)).sent).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.digest.lateSince).toBeUndefined();
    expect(await store.digests.get(job.id)).toMatchObject({
      lastSentAt: NOW,
      nextRunAt: new Date('2026-06-02T13:00:00Z'),
    });
    // New leads in the next one are those since this one.
    const friday = new Date('2026-06-05T13:00:00Z');
    await store.db.updateTable('digests').set({ next_run_at: friday.getTime() }).execute();
    expect((await instance.tick(friday)).sent).toEqual([job.id]);
    expect(sent[1]!.digest.since).toEqual(NOW);
    expect((await store.digests.get(job.id))!.nextRunAt).toEqual(new Date('2026-06-08T13:00:00Z'));
  });

  it('sends a digest missed while down once, late, and then keeps its rhythm', async () => {
    const { instance, sent } = scheduler(ok);
    const job = await schedule();
    const thursday = new Date('2026-06-04T15:00:00Z');
    expect((await instance.tick(thursday)).sent).toEqual([job.id]);
    expect((await instance.tick(thursday)).sent).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.digest.lateSince).toEqual(NOW);
    expect((await store.digests.get(job.id))!.nextRunAt).toEqual(new Date('2026-06-05T13:00:00Z'));
  });

  it('retries a failed post a bounded number of times, then skips to the next occurrence', async () => {
    let attempts = 0;
    const { instance } = scheduler(async () => {
      attempts += 1;
      throw new Error('socket hang up');
    });
    const job = await schedule();
    expect((await instance.tick(NOW)).retried).toEqual([job.id]);
    // Held until the retry time.
    expect((await instance.tick(new Date(NOW.getTime() + 30_000))).retried).toEqual([]);
    expect((await instance.tick(new Date(NOW.getTime() + 61_000))).retried).toEqual([job.id]);
    expect((await instance.tick(new Date(NOW.getTime() + 122_000))).skipped).toEqual([job.id]);
    expect(attempts).toBe(3);
    expect(await store.digests.get(job.id)).toMatchObject({ failures: 0, nextRunAt: new Date('2026-06-02T13:00:00Z') });
    expect((await store.digests.get(job.id))!.lastSentAt).toBeUndefined();
  });

  it('waits for EspoCRM when nothing could be read, and on the last attempt sends what it has', async () => {
    const crm = new FakeCrm();
    crm.failing.add('*');
    const { instance, sent } = scheduler(ok, crm);
    const job = await schedule();
    expect((await instance.tick(NOW)).retried).toEqual([job.id]);
    expect((await instance.tick(new Date(NOW.getTime() + 61_000))).retried).toEqual([job.id]);
    expect((await instance.tick(new Date(NOW.getTime() + 122_000))).sent).toEqual([job.id]);
    expect(sent[0]!.digest.sections.every((section) => section.error?.code === 'crm_unavailable')).toBe(true);
  });

  it('deletes a digest whose channel is gone, and skips one Slack refuses', async () => {
    const gone = await schedule({ channelId: 'CGONE' });
    const refused = await schedule({ channelId: 'CNOTIN', nextRunAt: new Date(NOW.getTime() - 1000) });
    const { instance } = scheduler(async (job) =>
      job.channelId === 'CGONE'
        ? { ok: false, reason: 'gone', detail: 'channel_not_found' }
        : { ok: false, reason: 'refused', detail: 'not_in_channel' },
    );
    const report = await instance.tick(NOW);
    expect(report).toMatchObject({ removed: [gone.id], skipped: [refused.id], sent: [] });
    expect(await store.digests.get(gone.id)).toBeUndefined();
    expect((await store.digests.get(refused.id))!.nextRunAt).toEqual(new Date('2026-06-02T13:00:00Z'));
  });

  it('puts the pipeline in the first digest sent each local week only, when it was scheduled with it', async () => {
    const { instance, sent } = scheduler(ok);
    const job = await schedule({ pipeline: true });
    const plain = await schedule({ channelId: 'C2' });
    const at = async (when: string) => {
      const moment = new Date(when);
      await store.db.updateTable('digests').set({ next_run_at: moment.getTime() }).execute();
      await instance.tick(moment);
      return sent.slice(-2).map(({ job: each, digest }) => [each.id, Boolean(digest.pipeline)]);
    };
    // Monday (none sent yet): with it; Tuesday, same week: without.
    expect(await at('2026-06-01T13:00:00Z')).toEqual([
      [job.id, true],
      [plain.id, false],
    ]);
    expect(await at('2026-06-02T13:00:00Z')).toEqual([
      [job.id, false],
      [plain.id, false],
    ]);
    // Next Monday, 09:00 in New York: the last one was sent the week before.
    expect(await at('2026-06-08T13:00:00Z')).toEqual([
      [job.id, true],
      [plain.id, false],
    ]);
    expect(sent.find(({ digest }) => digest.pipeline)!.digest.pipeline!.report!.title).toBe('Pipeline');
  });

  it('sends the digest when the pipeline cannot be read, saying so', async () => {
    const reports = new FakeReports();
    reports.failing = true;
    const { instance, sent } = scheduler(ok, new FakeCrm(), reports);
    const job = await schedule({ pipeline: true });
    expect((await instance.tick(NOW)).sent).toEqual([job.id]);
    expect(sent[0]!.digest.pipeline?.error?.code).toBe('crm_unavailable');
    expect(sent[0]!.digest.sections.every((section) => !section.error)).toBe(true);
  });

  it('runs the ticks of one instance one after another', async () => {
    const { instance, sent } = scheduler(ok);
    await schedule();
    const reports = await Promise.all([instance.tick(NOW), instance.tick(NOW), instance.tick(NOW)]);
    expect(reports.flatMap((report) => report.sent)).toHaveLength(1);
    expect(sent).toHaveLength(1);
    await instance.idle();
    expect(instance.busy).toBe(false);
  });
});
