import { describe, expect, it, vi } from 'vitest';
import type { TenantProfile } from '../../../src/core/doctor/ports.js';
import { SiteDirectory, siteUrlOf, usableSiteUrl } from '../../../src/core/doctor/sites.js';

const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

function directory(profiles: Record<string, Partial<TenantProfile>>, defaultUrl?: string) {
  const store = {
    get: vi.fn(async (tenantKey: string) =>
      profiles[tenantKey] ? { tenantKey, teamId: tenantKey, ...profiles[tenantKey] } : undefined,
    ),
    setSiteUrl: vi.fn(async (tenantKey: string, _teamId: string, siteUrl: string) => {
      profiles[tenantKey] = { ...profiles[tenantKey], siteUrl };
    }),
  };
  return { sites: new SiteDirectory({ profiles: store, defaultUrl, logger }), store };
}

const learned = (siteUrl: string) => ({ findings: { connectionId: 'c1', checkedAt: 0, siteUrl } });

describe('SiteDirectory', () => {
  it("prefers the address an admin gave, then EspoCRM's own, then ESPOCRM_URL", async () => {
    const { sites } = directory(
      {
        A: { siteUrl: 'https://stated.example', ...learned('https://own.example') },
        B: learned('https://own.example'),
        C: {},
      },
      'https://default.example',
    );
    expect(await sites.addressesOf('A')).toEqual([
      { url: 'https://stated.example', source: 'stated' },
      { url: 'https://own.example', source: 'espocrm' },
    ]);
    expect(await sites.siteOf('B')).toEqual({ url: 'https://own.example', source: 'espocrm' });
    expect(await sites.siteOf('C')).toEqual({ url: 'https://default.example', source: 'default' });
    expect(await directory({}).sites.siteOf('C')).toBeUndefined();
  });

  it("never offers EspoCRM's own address when it is local to EspoCRM's machine", async () => {
    const { sites } = directory({ A: learned('http://localhost:8080') }, 'https://default.example');
    expect(await sites.addressesOf('A')).toEqual([{ url: 'https://default.example', source: 'default' }]);
    expect(usableSiteUrl('http://127.0.0.1/espo')).toBeUndefined();
    expect(usableSiteUrl('http://[::1]')).toBeUndefined();
    expect(usableSiteUrl('http://crm.intranet/espo/')).toBe('http://crm.intranet/espo');
  });

  it('reads the store once in a while, and again at once after an address is given', async () => {
    const { sites, store } = directory({ A: {} }, 'https://default.example');
    await sites.urlOf('A');
    await sites.urlOf('A');
    expect(store.get).toHaveBeenCalledTimes(1);
    expect(await sites.state('A', 'A', 'https://crm.acme.com/')).toBe('https://crm.acme.com');
    expect(await sites.urlOf('A')).toBe('https://crm.acme.com');
  });

  it('falls back to ESPOCRM_URL when the store cannot be read', async () => {
    const { sites, store } = directory({}, 'https://default.example');
    store.get.mockRejectedValueOnce(new Error('database is locked'));
    expect(await sites.urlOf('A')).toBe('https://default.example');
    expect(logger.warn).toHaveBeenCalled();
  });

  it('normalises an address: no trailing slash, a path kept, the host lowercased', () => {
    expect(siteUrlOf(' https://CRM.Acme.com/espo/ ')).toBe('https://crm.acme.com/espo');
    expect(siteUrlOf('http://crm.acme.com:8443')).toBe('http://crm.acme.com:8443');
  });
});
