import { beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend, now } from './fixtures.js';

describeOnEachBackend('the event ledger', (opened) => {
  let store: Store;
  beforeAll(() => {
    store = opened();
  });

  it('sees each Slack event id once', async () => {
    expect(await store.events.firstSighting('Ev1', now)).toBe(true);
    expect(await store.events.firstSighting('Ev1', now)).toBe(false);
    const racing = await Promise.all(Array.from({ length: 5 }, () => store.events.firstSighting('Ev2', now)));
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect(await store.events.prune(new Date(now.getTime() + 1))).toBe(2);
  });
});
