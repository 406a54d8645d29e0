import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../../src/core/ports.js';
import type { CurrencyFacts, RecordScan, ScanRequest, ScanResult } from '../../../src/core/reports/ports.js';
import { ReportService, stableJson } from '../../../src/core/reports/service.js';
import type { ReportQuery } from '../../../src/core/reports/types.js';
import { espoMoney } from '../../../src/crm/espo/currencies.js';
import { EspoEntityDirectory } from '../../../src/crm/espo/entities.js';
import { EspoVocabulary } from '../../../src/crm/espo/vocabulary.js';

const tenant: Tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };
const NOW = new Date('2026-11-18T15:00:00Z');

/** A scan over records in memory: filters are not applied (the tests give the matching records), `select` is. */
class MemoryScan implements RecordScan {
  requests: ScanRequest[] = [];
  facts: CurrencyFacts = { into: 'USD', rated: ['USD'] };
  /** Resolves each scan only when the test says so (single-flight). */
  gate?: Promise<void>;
  total?: number;
  constructor(public records: Record<string, unknown>[]) {}

  async scan(_tenant: Tenant, request: ScanRequest): Promise<ScanResult> {
    this.requests.push(request);
    await this.gate;
    const records = this.records
      .slice(0, request.maxRecords)
      .map((record) =>
        Object.fromEntries(request.select.filter((a) => Object.hasOwn(record, a)).map((a) => [a, record[a]])),
      );
    const total = this.total ?? this.records.length;
    return { records, total, ...(records.length < total ? { bound: 'records' as const } : {}) };
  }
  money = espoMoney;
  async currencies(): Promise<CurrencyFacts> {
    return this.facts;
  }
}

function serviceWith(scan: RecordScan, clock = { now: () => NOW }, limits = {}) {
  return new ReportService({
    scan,
    entities: new EspoEntityDirectory(),
    vocabularyFor: async () => new EspoVocabulary(),
    clock,
    timer: () => 1_000_000,
    limits,
  });
}

const deal = (stage: string, amount: number, extra: Record<string, unknown> = {}) => ({
  stage,
  amount,
  amountCurrency: 'USD',
  amountConverted: amount,
  probability: { Prospecting: 10, Qualification: 20, Proposal: 50, Negotiation: 80 }[stage] ?? 0,
  ...extra,
});

const sumBy = (field: string): ReportQuery => ({
  entity: 'Opportunity',
  filters: [],
  measure: { kind: 'sum', field: 'amount', label: 'amount' },
  groupBy: { field, label: field },
});

describe('ReportService', () => {
  it('counts, and breaks an enum down in the CRM option order with None last', async () => {
    const leads = ['Web Site', 'Call', 'Web Site', null, 'Partner', 'Web Site', ''].map((source) => ({ source }));
    const scan = new MemoryScan(leads);
    const report = await serviceWith(scan).run(tenant, {
      entity: 'Lead',
      filters: [],
      measure: { kind: 'count' },
      groupBy: { field: 'source', label: 'source' },
    });
    expect(report.total.count).toBe(7);
    expect(report.total.sums).toEqual([]);
    // Lead source options: Call, Email, Existing Customer, Partner, Public Relations, Web Site, ...
    expect(report.groups.map((g) => [g.label, g.count])).toEqual([
      ['Call', 1],
      ['Partner', 1],
      ['Web Site', 3],
      ['None', 2],
    ]);
    expect(report.groups.at(-1)!.key).toBeNull();
    expect(scan.requests[0]!.select).toEqual(['id', 'source']);
    expect(report).toMatchObject({ scanned: 7, matched: 7, title: 'Leads by source', readAt: NOW });
    expect(report.bound).toBeUndefined();
    expect(report.currency).toBeUndefined();
  });

  it('labels a link by its name and puts the largest first', async () => {
    const scan = new MemoryScan([
      deal('Proposal', 100, { assignedUserId: 'u1', assignedUserName: 'Ann' }),
      deal('Proposal', 500, { assignedUserId: 'u2', assignedUserName: 'Bo' }),
      deal('Proposal', 300, { assignedUserId: 'u1', assignedUserName: 'Ann' }),
      deal('Proposal', 50, { assignedUserId: null, assignedUserName: null }),
    ]);
    const report = await serviceWith(scan).run(tenant, sumBy('assignedUserId'));
    expect(report.groups.map((g) => [g.key, g.label, g.count, g.sums])).toEqual([
      ['u2', 'Bo', 1, [{ value: 500, currency: 'USD' }]],
      ['u1', 'Ann', 2, [{ value: 400, currency: 'USD' }]],
      [null, 'None', 1, [{ value: 50, currency: 'USD' }]],
    ]);
    expect(scan.requests[0]!.select).toEqual([
      'id',
      'amount',
      'amountCurrency',
      'amountConverted',
      'assignedUserId',
      'assignedUserName',
    ]);
    expect(report.total.sums).toEqual([{ value: 950, currency: 'USD' }]);
  });

  it('weighs the pipeline by probability, stages in their order, open ones only', async () => {
    const scan = new MemoryScan([deal('Negotiation', 1000), deal('Prospecting', 2000), deal('Negotiation', 500)]);
    const service = serviceWith(scan);
    const { query, title } = await service.pipelineQuery(tenant, {
      period: { kind: 'range', from: '2026-10-01', to: '2027-01-01', label: 'this quarter' },
      ownerId: 'u7',
      now: NOW,
      timeZone: 'UTC',
    });
    expect(query.filters).toEqual([
      { field: 'stage', op: 'notIn', value: ['Closed Won', 'Closed Lost'] },
      { field: 'closeDate', op: 'greaterThanOrEquals', value: '2026-10-01' },
      { field: 'closeDate', op: 'lessThan', value: '2027-01-01' },
      { field: 'assignedUserId', op: 'equals', value: 'u7' },
    ]);
    expect(title).toBe('Pipeline · close date this quarter · yours');
    const report = await service.run(tenant, query, { title, understood: 'the pipeline this quarter' });
    expect(report.title).toBe(title);
    expect(report.understood).toBe('the pipeline this quarter');
    expect(report.groups.map((g) => [g.label, g.sums[0]!.value, g.weighted![0]!.value])).toEqual([
      ['Prospecting', 2000, 200],
      ['Negotiation', 1500, 1200],
    ]);
    expect(report.total.weighted).toEqual([{ value: 1400, currency: 'USD' }]);
  });

  it('converts several currencies with the CRM rates when it has a rate for each', async () => {
    const scan = new MemoryScan([
      deal('Proposal', 100),
      deal('Proposal', 100, { amountCurrency: 'EUR', amountConverted: 110 }),
    ]);
    scan.facts = { into: 'USD', rated: ['USD', 'EUR'] };
    const report = await serviceWith(scan).run(tenant, sumBy('stage'));
    expect(report.currency).toEqual({ mode: 'converted', into: 'USD' });
    expect(report.total.sums).toEqual([{ value: 210, currency: 'USD' }]);
  });

  it('keeps currencies apart when a rate is missing or nothing was converted', async () => {
    const records = [
      deal('Proposal', 100),
      deal('Negotiation', 300, { amountCurrency: 'EUR', amountConverted: 300 }),
      deal('Negotiation', 50),
    ];
    const noRate = await serviceWith(new MemoryScan(records)).run(tenant, sumBy('stage'));
    expect(noRate.currency).toEqual({ mode: 'separate' });
    expect(noRate.total.sums).toEqual([
      { value: 300, currency: 'EUR' },
      { value: 150, currency: 'USD' },
    ]);
    expect(noRate.groups.find((g) => g.key === 'Negotiation')!.sums).toEqual([
      { value: 300, currency: 'EUR' },
      { value: 50, currency: 'USD' },
    ]);

    const unconverted = new MemoryScan(records.map(({ amountConverted: _, ...rest }) => rest));
    unconverted.facts = { into: 'USD', rated: ['USD', 'EUR'] };
    expect((await serviceWith(unconverted).run(tenant, sumBy('stage'))).currency).toEqual({ mode: 'separate' });
  });

  it('says nothing about currencies when there is one', async () => {
    const report = await serviceWith(new MemoryScan([deal('Proposal', 5, { amountCurrency: 'EUR' })])).run(
      tenant,
      sumBy('stage'),
    );
    expect(report.currency).toBeUndefined();
    expect(report.total.sums).toEqual([{ value: 5, currency: 'EUR' }]);
  });

  it("is bounded by records and by time, and says how much it read; a count stays EspoCRM's total", async () => {
    const scan = new MemoryScan(Array.from({ length: 30 }, (_, i) => ({ status: i % 3 ? 'New' : 'Dead' })));
    const report = await serviceWith(scan, undefined, { maxRecords: 10, timeMs: 2_000 }).run(tenant, {
      entity: 'Lead',
      filters: [],
      measure: { kind: 'count' },
      groupBy: { field: 'status', label: 'status' },
    });
    // The deadline is in real time, not the app's clock (a test's fixed day).
    expect(scan.requests[0]).toMatchObject({ maxRecords: 10, deadline: 1_000_000 + 2_000 });
    expect(report).toMatchObject({ scanned: 10, matched: 30, bound: 'records' });
    // The groups are of the records read; the total is what EspoCRM counted.
    expect(report.total.count).toBe(30);
    expect(report.groups.reduce((sum, group) => sum + group.count, 0)).toBe(10);

    // A count with no breakdown reads one record for EspoCRM's total, and is bounded by nothing.
    const bare = await serviceWith(scan, undefined, { maxRecords: 10 }).run(tenant, {
      entity: 'Lead',
      filters: [],
      measure: { kind: 'count' },
    });
    expect(scan.requests.at(-1)).toMatchObject({ maxRecords: 1, select: ['id'] });
    expect(bare).toMatchObject({ scanned: 30, matched: 30, total: { count: 30 } });
    expect(bare.bound).toBeUndefined();

    const slow: RecordScan = {
      ...scan,
      money: espoMoney,
      currencies: async () => ({ into: 'USD', rated: [] }),
      scan: async () => ({ records: [{ status: 'New' }], total: 40, bound: 'time' }),
    };
    const timed = await serviceWith(slow).run(tenant, {
      entity: 'Lead',
      filters: [],
      measure: { kind: 'sum', field: 'amount', label: 'amount' },
    });
    expect(timed).toMatchObject({ scanned: 1, matched: 40, bound: 'time' });
  });

  it('answers the same question from its cache within the TTL, once for two at once, anew after', async () => {
    let now = NOW.getTime();
    const clock = { now: () => new Date(now) };
    const scan = new MemoryScan([{ status: 'New' }]);
    let open!: () => void;
    scan.gate = new Promise((resolve) => (open = resolve));
    const service = serviceWith(scan, clock, { cacheTtlMs: 60_000 });
    const query: ReportQuery = { entity: 'Lead', filters: [], measure: { kind: 'count' } };
    const same: ReportQuery = { measure: { kind: 'count' }, filters: [], entity: 'Lead' };
    const both = Promise.all([service.run(tenant, query), service.run(tenant, same)]);
    open();
    const [first, second] = await both;
    expect(scan.requests).toHaveLength(1);
    expect(second.total.count).toBe(first.total.count);

    now += 59_000;
    expect((await service.run(tenant, query)).readAt).toEqual(NOW);
    expect(scan.requests).toHaveLength(1);
    await service.run({ ...tenant, key: 'T2' }, query);
    expect(scan.requests).toHaveLength(2);

    now += 2_000;
    expect((await service.run(tenant, query)).readAt).toEqual(new Date(now));
    expect(scan.requests).toHaveLength(3);
  });

  it('keeps a bounded number of answers and forgets a failed read', async () => {
    const scan = new MemoryScan([{ status: 'New' }]);
    const service = serviceWith(scan, undefined, { cacheSize: 2 });
    const count = (status: string): ReportQuery => ({
      entity: 'Lead',
      filters: [{ field: 'status', op: 'equals', value: status }],
      measure: { kind: 'count' },
    });
    for (const status of ['New', 'Assigned', 'Dead']) await service.run(tenant, count(status));
    await service.run(tenant, count('New'));
    expect(scan.requests).toHaveLength(4);

    let fail = true;
    const flaky: RecordScan = {
      money: espoMoney,
      currencies: scan.currencies.bind(scan),
      scan: async (t, request) => {
        if (fail) throw new Error('down');
        return scan.scan(t, request);
      },
    };
    const again = serviceWith(flaky);
    await expect(again.run(tenant, count('New'))).rejects.toThrow('down');
    fail = false;
    expect((await again.run(tenant, count('New'))).total.count).toBe(1);
  });

  it('writes queries as stable JSON', () => {
    expect(stableJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
  });
});
