import { beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend } from './fixtures.js';

describeOnEachBackend('the connection cache', (opened) => {
  let store: Store;
  beforeAll(() => {
    store = opened();
  });

  it('keeps the connection cache per tenant, the catalog apart, and forgets it for a new connection', async () => {
    await store.connections.put('T1', { connectionId: 'c1', state: 'READY' });
    await store.connections.putCatalog('T1', [{ key: 'list-leads', name: 'List leads' }], 5);
    await store.connections.put('T2', { connectionId: 'c2', state: 'READY' });
    expect(await store.connections.get('T1')).toEqual({ connectionId: 'c1', state: 'READY', catalogFetchedAt: 5 });
    expect(await store.connections.getCatalog('T1')).toEqual([{ key: 'list-leads', name: 'List leads' }]);
    await store.connections.put('T1', { connectionId: 'c1', state: 'READY' });
    expect(await store.connections.getCatalog('T1')).toHaveLength(1);
    await store.connections.put('T1', { connectionId: 'c1b', state: 'READY' });
    expect(await store.connections.get('T1')).toEqual({
      connectionId: 'c1b',
      state: 'READY',
      catalogFetchedAt: undefined,
    });
    expect(await store.connections.getCatalog('T1')).toBeUndefined();
    expect(await store.connections.get('T2')).toEqual({
      connectionId: 'c2',
      state: 'READY',
      catalogFetchedAt: undefined,
    });
    await store.connections.delete('T1');
    expect(await store.connections.get('T1')).toBeUndefined();
  });
});
