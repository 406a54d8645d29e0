import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import type { CrmGateway, CrmRecord, Tenant } from '../../../src/core/ports.js';
import type { RequestContext } from '../../../src/core/ports.js';
import { MAX_UNFURLS, UnfurlService } from '../../../src/core/unfurl/unfurl.js';
import { EspoEntityDirectory } from '../../../src/crm/espo/entities.js';

const SITE = 'https://crm.example.com';

/** `sites`: each tenant's addresses (T1's by default: crm.example.com). */
function build(options: { sites?: Record<string, string[]>; connected?: boolean; get?: CrmGateway['get'] } = {}) {
  const crm = {
    isConnected: vi.fn(async (_tenant: Tenant) => options.connected ?? true),
    get: vi.fn(
      options.get ??
        (async (_tenant: Tenant, _entity: string, id: string): Promise<CrmRecord> => ({
          id,
          name: `Record ${id}`,
          fields: {},
        })),
    ),
  };
  const tenantFor = (context: RequestContext): Tenant => ({
    key: context.teamId,
    teamId: context.teamId,
    userId: context.userId,
  });
  const known = options.sites ?? { T1: [SITE] };
  const sites = {
    addressesOf: vi.fn(async (tenantKey: string) =>
      (known[tenantKey] ?? []).map((url) => ({ url, source: 'stated' as const })),
    ),
  };
  const service = new UnfurlService({ crm, entities: new EspoEntityDirectory(), tenantFor, sites });
  return { service, crm, sites };
}

const context: RequestContext = { teamId: 'T1', userId: 'U1', channelId: 'C1' };

describe('UnfurlService', () => {
  it("recognises record links to the tenant's EspoCRM only", () => {
    const { service } = build();
    const links = service.recordLinks(
      [
        'https://crm.example.com/#Lead/view/5f3a9b2c1d4e6f708',
        'https://CRM.example.com:443/#Opportunity/view/abc-123',
        'https://crm.example.com/#CProject/view/p1',
        'https://crm.example.com.evil.net/#Lead/view/x',
        'https://evil.net/#https://crm.example.com/#Lead/view/x',
        'https://crm.example.com/#lead/view/x',
        'https://crm.example.com/#Preferences/view/x',
        `https://crm.example.com/#Lead/view/${'a'.repeat(65)}`,
        'https://crm.example.com/#Lead/view/a%20b',
        'not a url',
      ],
      [SITE],
    );
    expect(links.map((link) => [link.entity.name, link.id])).toEqual([
      ['Lead', '5f3a9b2c1d4e6f708'],
      ['Opportunity', 'abc-123'],
      ['CProject', 'p1'],
    ]);
    // The key is the URL exactly as shared: Slack matches previews by it.
    expect(links[1]!.url).toBe('https://CRM.example.com:443/#Opportunity/view/abc-123');
  });

  it('honours an EspoCRM installed under a path, and sees nothing without an address', () => {
    const { service } = build();
    expect(
      service.recordLinks(
        [
          'https://example.com/espo/#Lead/view/1',
          'https://example.com/#Lead/view/2',
          'https://example.com/espo2/#Lead/view/3',
        ],
        ['https://example.com/espo'],
      ),
    ).toHaveLength(1);
    expect(service.recordLinks(['https://crm.example.com/#Lead/view/1'], [])).toEqual([]);
  });

  it('takes each link once and at most five', () => {
    const { service } = build();
    const urls = Array.from({ length: 8 }, (_, i) => `https://crm.example.com/#Lead/view/id${i}`);
    expect(service.recordLinks([urls[0]!, urls[0]!, ...urls], [SITE])).toHaveLength(MAX_UNFURLS);
    expect(service.recordLinks([urls[0]!, urls[0]!, urls[1]!], [SITE]).map((link) => link.id)).toEqual(['id0', 'id1']);
  });

  it("matches each tenant's links against its own EspoCRM, never another workspace's", async () => {
    const { service, crm } = build({ sites: { T1: [SITE], T2: ['https://acme.espocloud.com'] } });
    const t1Link = `${SITE}/#Lead/view/1`;
    const t2Link = 'https://acme.espocloud.com/#Lead/view/2';
    expect(await service.previews(context, [t2Link])).toEqual({ state: 'no_links' });
    expect(await service.previews({ ...context, teamId: 'T2' }, [t1Link])).toEqual({ state: 'no_links' });
    const t2 = await service.previews({ ...context, teamId: 'T2' }, [t2Link, t1Link]);
    expect(t2).toMatchObject({ state: 'read', siteUrl: 'https://acme.espocloud.com', previews: [{ url: t2Link }] });
    expect(crm.get.mock.calls.map(([tenant, , id]) => [tenant.key, id])).toEqual([['T2', '2']]);
  });

  it('looks at no address for links that are no EspoCRM record at all', async () => {
    const { service, sites } = build();
    expect(service.mayHaveRecordLinks(['https://github.com/espocrm', `${SITE}/#Lead/list`])).toBe(false);
    expect(service.mayHaveRecordLinks(['https://anywhere.example/#Lead/view/1'])).toBe(true);
    expect(await service.previews(context, ['https://github.com/espocrm'])).toEqual({ state: 'no_links' });
    expect(sites.addressesOf).not.toHaveBeenCalled();
  });

  it('reads nothing for a tenant that is not connected, and nothing when no link is ours', async () => {
    const notConnected = build({ connected: false });
    expect(await notConnected.service.previews(context, ['https://crm.example.com/#Lead/view/1'])).toEqual({
      state: 'not_connected',
      links: 1,
    });
    expect(notConnected.crm.get).not.toHaveBeenCalled();
    const foreign = build();
    expect(await foreign.service.previews(context, ['https://other.example/#Lead/view/1'])).toEqual({
      state: 'no_links',
    });
    expect(foreign.crm.isConnected).not.toHaveBeenCalled();
  });

  it("reads each record with the requester's tenant and skips the ones that fail", async () => {
    const { service, crm } = build({
      get: async (_tenant, entity, id) => {
        if (id === 'gone') throw new AppError('not_found', 'I could not find that lead in EspoCRM.');
        if (id === 'secret') throw new AppError('forbidden', 'EspoCRM does not allow that.');
        if (id === 'boom') throw new Error('socket hang up');
        return { id, name: `${entity} ${id}`, fields: {} };
      },
    });
    const outcome = await service.previews(
      context,
      ['gone', 'ok', 'secret', 'boom'].map((id) => `https://crm.example.com/#Lead/view/${id}`),
    );
    expect(outcome).toEqual({
      state: 'read',
      siteUrl: SITE,
      previews: [
        expect.objectContaining({
          url: 'https://crm.example.com/#Lead/view/ok',
          record: { id: 'ok', name: 'Lead ok', fields: {} },
        }),
      ],
      skipped: [
        { entity: 'Lead', code: 'not_found' },
        { entity: 'Lead', code: 'forbidden' },
        { entity: 'Lead', code: 'internal' },
      ],
    });
    expect(crm.get.mock.calls.every(([tenant]) => tenant.key === 'T1')).toBe(true);
  });
});
