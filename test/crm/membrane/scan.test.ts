import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMembrane, type FakeMembrane } from '../../../fakes/membrane/server.js';
import type { CachedConnection, CatalogEntry, CrmFindings, TenantConnectionCache } from '../../../src/core/ports.js';
import { MembraneGateway } from '../../../src/crm/membrane/gateway.js';

/** The connection cache the store keeps, in memory. */
function memoryCache(): TenantConnectionCache & { findings: Map<string, CrmFindings> } {
  const rows = new Map<string, CachedConnection>();
  const catalogs = new Map<string, CatalogEntry[]>();
  const findings = new Map<string, CrmFindings>();
  return {
    findings,
    get: async (key) => {
      const row = rows.get(key);
      return row && { ...row, ...(findings.has(key) ? { findings: findings.get(key) } : {}) };
    },
    put: async (key, entry) => void rows.set(key, entry),
    getCatalog: async (key) => catalogs.get(key),
    putCatalog: async (key, catalog) => void catalogs.set(key, catalog),
    putFindings: async (key, _team, found) => void findings.set(key, found),
    delete: async (key) => void rows.delete(key),
  };
}

describe('the record scan, against the fake EspoCRM through the proxy', () => {
  let membrane: FakeMembrane;
  let gateway: MembraneGateway;
  let cache: ReturnType<typeof memoryCache>;
  const tenant = { key: 'T1', teamId: 'T1', userId: 'U1' };
  const far = () => Date.now() + 60_000;

  beforeAll(async () => {
    membrane = await startFakeMembrane({ workspaceKey: 'ws-key', workspaceSecret: 'ws-secret' });
  });
  afterAll(() => membrane.close());
  beforeEach(async () => {
    cache = memoryCache();
    gateway = new MembraneGateway({
      apiUri: membrane.url,
      credentials: { kind: 'workspace', workspaceKey: 'ws-key', workspaceSecret: 'ws-secret' },
      appUrl: 'https://crm.example.com',
      timeoutMs: 5_000,
      cache,
    });
    await gateway.connect(tenant);
    membrane.tenant('T1').espo.settings.recordListMaxSizeLimit = 200;
    membrane.resetCalls();
  });

  it('reads every matching record, page by page, only the attributes asked for', async () => {
    const espo = membrane.tenant('T1').espo;
    espo.settings.recordListMaxSizeLimit = 3;
    const open = espo.all('Opportunity').filter((d) => d.stage !== 'Closed Won' && d.stage !== 'Closed Lost');
    const result = await gateway.scan.scan(tenant, {
      entity: 'Opportunity',
      filters: [{ field: 'stage', op: 'notIn', value: ['Closed Won', 'Closed Lost'] }],
      select: ['amount', 'amountCurrency', 'amountConverted', 'stage'],
      maxRecords: 5_000,
      deadline: far(),
    });
    expect(result.total).toBe(open.length);
    expect(result.records).toHaveLength(open.length);
    expect(result.bound).toBeUndefined();
    expect(Object.keys(result.records[0]!).sort()).toEqual([
      'amount',
      'amountConverted',
      'amountCurrency',
      'id',
      'stage',
    ]);
    expect(new Set(result.records.map((r) => r.id)).size).toBe(open.length);
    // The first page asked for EspoCRM's default limit, was refused with the instance's, and the rest asked for that.
    const pages = membrane.calls.filter((c) => c.path.includes('/proxy/')).map((c) => c.query);
    expect(pages[0]).toMatchObject({ maxSize: '200', offset: '0' });
    expect(pages.slice(1).every((query) => query.maxSize === '3')).toBe(true);
    expect(pages[1]).toMatchObject({ select: 'amount,amountCurrency,amountConverted,stage', orderBy: 'createdAt' });
    expect(cache.findings.get('T1')?.maxPageSize).toBe(3);
  });

  it('stops at the record limit and at the deadline, and says so', async () => {
    membrane.tenant('T1').espo.settings.recordListMaxSizeLimit = 2;
    const leads = membrane.tenant('T1').espo.all('Lead').length;
    const request = { entity: 'Lead', filters: [], select: ['status'], maxRecords: 5, deadline: far() };
    const bounded = await gateway.scan.scan(tenant, request);
    expect(bounded).toMatchObject({ total: leads, bound: 'records' });
    expect(bounded.records).toHaveLength(5);

    const timed = await gateway.scan.scan(tenant, { ...request, maxRecords: 5_000, deadline: Date.now() - 1 });
    expect(timed.bound).toBe('time');
    expect(timed.records.length).toBeLessThan(leads);
    expect(timed.total).toBe(leads);
  });

  it("reads the instance's currencies and which of them have rates", async () => {
    const settings = membrane.tenant('T1').espo.settings;
    expect(await gateway.scan.currencies(tenant)).toEqual({ into: 'USD', rated: ['USD'] });
    Object.assign(settings, { currencyList: ['USD', 'EUR', 'GBP'], currencyRates: { EUR: 1.1 } });
    expect(await gateway.scan.currencies(tenant)).toEqual({ into: 'USD', rated: ['EUR', 'USD'] });
    Object.assign(settings, { currencyList: ['USD'], currencyRates: {} });
  });
});
