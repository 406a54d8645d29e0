import { describe, expect, it } from 'vitest';
import {
  catalogCheck,
  listActionsCheck,
  listPaging,
  PACKAGE_ACTIONS,
  probeInput,
  settingsOf,
  unusable,
} from '../../src/crm/examination.js';
import { espoActionCatalog } from '../../fakes/membrane/catalog.js';

describe("what the doctor makes of the connection's answers", () => {
  it("reads EspoCRM's settings, and ignores what does not look like them", () => {
    expect(
      settingsOf({
        siteUrl: 'https://crm.acme.com/',
        version: '9.1.0',
        recordListMaxSizeLimit: 100,
        smtpPassword: 'x',
      }),
    ).toEqual({
      siteUrl: 'https://crm.acme.com',
      version: '9.1.0',
      maxPageSize: 100,
    });
    expect(settingsOf({ siteUrl: '', recordListMaxSizeLimit: '100' })).toEqual({});
    expect(settingsOf('<html>')).toEqual({});
  });

  it("knows the package's twenty actions, and says which are missing, untyped or without a schema", () => {
    expect(PACKAGE_ACTIONS).toHaveLength(20);
    expect(catalogCheck(espoActionCatalog())).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('20 of the 20'),
    });
    const untyped = espoActionCatalog({ types: 'none' }).filter((action) => action.key !== 'update-lead');
    const check = catalogCheck(untyped.map((action) => (action.key === 'get-user' ? { key: action.key } : action)));
    expect(check.status).toBe('adapted');
    expect(check.detail).toContain('19 of the 20');
    expect(check.detail).toContain('Missing: update-lead');
    expect(check.detail).toContain('Without a type:');
    expect(check.detail).toContain('Without an input schema: get-user');
  });

  it('tells how each list action pages, and which the REST API must serve instead', () => {
    const [sized] = espoActionCatalog().filter((action) => action.key === 'list-leads');
    const [cursor] = espoActionCatalog({ lists: 'cursor-only' }).filter((action) => action.key === 'list-contacts');
    expect([listPaging(sized!.inputSchema as never), probeInput(sized!.inputSchema as never)]).toEqual([
      'sized',
      { maxSize: 1 },
    ]);
    expect([listPaging(cursor!.inputSchema as never), probeInput(cursor!.inputSchema as never)]).toEqual([
      'cursor',
      {},
    ]);
    expect(listPaging({ properties: { id: {} } })).toBeUndefined();

    const probes = [
      { key: 'list-leads', paging: 'sized' as const, readable: true },
      { key: 'list-contacts', paging: 'cursor' as const, readable: true },
      { key: 'list-users', paging: 'sized' as const, readable: false },
      { key: 'list-tasks', paging: 'sized' as const, failure: 'EspoCRM refused.' },
      { key: 'list-accounts' },
    ];
    const check = listActionsCheck(probes);
    expect(check.status).toBe('adapted');
    expect(check.detail).toContain('list-contacts: pages by its cursor');
    expect(unusable(probes)).toEqual(['list-users', 'list-tasks', 'list-accounts']);
    expect(listActionsCheck(probes.slice(0, 2)).status).toBe('ok');
  });
});
