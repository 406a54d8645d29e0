import { beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend } from './fixtures.js';

describeOnEachBackend('tenant profiles', (opened) => {
  let store: Store;
  beforeAll(() => {
    store = opened();
  });

  it("keeps a tenant's address and findings across its connections, and claims each connection's automatic check once", async () => {
    await store.connections.put('TP1', { connectionId: 'cp1', state: 'READY' });
    await store.profiles.setSiteUrl('TP1', 'TP1', 'https://crm.acme.test');
    const findings = { connectionId: 'cp1', checkedAt: 7, proxyPrefix: '/api/v1' as const, maxPageSize: 50 };
    await store.connections.putFindings('TP1', 'TP1', findings);
    // The cached connection carries what was learned about it, in the one query a warm request makes.
    expect(await store.connections.get('TP1')).toEqual({
      connectionId: 'cp1',
      state: 'READY',
      catalogFetchedAt: undefined,
      findings,
    });
    // The connection row goes (not READY), the profile stays; findings of another connection are not this one's.
    await store.connections.delete('TP1');
    await store.connections.put('TP1', { connectionId: 'cp2', state: 'READY' });
    expect((await store.connections.get('TP1'))?.findings).toBeUndefined();
    expect(await store.profiles.get('TP1')).toEqual({
      tenantKey: 'TP1',
      teamId: 'TP1',
      siteUrl: 'https://crm.acme.test',
      findings,
    });
    expect(await store.profiles.get('TP2')).toBeUndefined();

    const claims = await Promise.all([1, 2, 3].map(() => store.profiles.claimAutomaticCheck('TP1', 'TP1', 'cp2')));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.profiles.claimAutomaticCheck('TP1', 'TP1', 'cp2')).toBe(false);
    expect(await store.profiles.claimAutomaticCheck('TP1', 'TP1', 'cp3')).toBe(true);
    expect(await store.profiles.claimAutomaticCheck('TP3', 'TP3', 'cp9')).toBe(true);
    expect((await store.profiles.get('TP1'))?.siteUrl).toBe('https://crm.acme.test');
  });
});
