import { beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend, now } from './fixtures.js';

describeOnEachBackend('the audit log', (opened) => {
  let store: Store;
  beforeAll(() => {
    store = opened();
  });

  it('keeps an audit log of writes', async () => {
    await store.audit.record({
      tenantKey: 'TA',
      teamId: 'TA',
      userId: 'U1',
      action: 'create Lead',
      input: { a: 1 },
      outcome: 'done',
      at: now,
    });
    await store.audit.record({
      tenantKey: 'TA',
      teamId: 'TA',
      userId: 'U1',
      action: 'delete Lead x',
      input: null,
      outcome: 'failed',
      detail: 'not_found',
      at: new Date(now.getTime() + 1),
    });
    const entries = await store.audit.recent('TA', 10);
    expect(entries.map((entry) => [entry.action, entry.outcome])).toEqual([
      ['delete Lead x', 'failed'],
      ['create Lead', 'done'],
    ]);
    expect(entries[1]!.input).toEqual({ a: 1 });
  });

  it('records token usage in the audit log, and omits it when absent', async () => {
    const usage = { promptTokens: 900, completionTokens: 40, modelCalls: 3 };
    await store.audit.record({
      tenantKey: 'TU',
      teamId: 'TU',
      userId: 'U1',
      action: 'create Lead',
      input: {},
      outcome: 'done',
      usage,
      at: now,
    });
    await store.audit.record({
      tenantKey: 'TU',
      teamId: 'TU',
      userId: 'U1',
      action: 'delete Lead',
      input: {},
      outcome: 'done',
      at: new Date(now.getTime() + 1),
    });
    const [newest, oldest] = await store.audit.recent('TU', 10);
    expect(oldest).toMatchObject({ action: 'create Lead', usage });
    expect(newest!.action).toBe('delete Lead');
    expect('usage' in newest!).toBe(false);
  });
});
