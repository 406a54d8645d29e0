import { beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend } from './fixtures.js';

describeOnEachBackend('store', (opened, backend) => {
  let store: Store;
  beforeAll(() => {
    store = opened();
  });

  it(`reports its dialect`, () => {
    expect(store.dialect).toBe(backend);
  });

  it('answers a readiness ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
