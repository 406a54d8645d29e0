import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend, now, turn } from './fixtures.js';

describeOnEachBackend('store', (opened) => {
  let store: Store;
  beforeAll(() => {
    store = opened();
  });

  describe('conversations', () => {
    it('returns the turns of a thread oldest first, keeping order within one append and on equal times', async () => {
      await store.conversations.append(
        'th-order',
        'T1',
        [turn('user', 'show my deals', 0), turn('assistant', 'Here are 3 deals', 0)],
        50,
      );
      await store.conversations.append(
        'th-order',
        'T1',
        [turn('user', 'the second one', 1000), turn('assistant', 'Deal B', 2000)],
        50,
      );
      const turns = await store.conversations.recent('th-order', 'T1', new Date(0), 10);
      expect(turns.map((t) => [t.role, t.text])).toEqual([
        ['user', 'show my deals'],
        ['assistant', 'Here are 3 deals'],
        ['user', 'the second one'],
        ['assistant', 'Deal B'],
      ]);
      expect(turns.map((t) => t.at.getTime() - now.getTime())).toEqual([0, 0, 1000, 2000]);
      expect(turns[0]!.at).toBeInstanceOf(Date);
      expect('records' in turns[0]!).toBe(false);
    });

    it('limits to the newest turns, still oldest first', async () => {
      await store.conversations.append(
        'th-limit',
        'T1',
        Array.from({ length: 6 }, (_, i) => turn(i % 2 === 0 ? 'user' : 'assistant', `t${i}`, i * 1000)),
        50,
      );
      expect((await store.conversations.recent('th-limit', 'T1', new Date(0), 3)).map((t) => t.text)).toEqual([
        't3',
        't4',
        't5',
      ]);
      expect(await store.conversations.recent('th-limit', 'T1', new Date(0), 0)).toEqual([]);
    });

    it('leaves out turns before `since` (inclusive bound)', async () => {
      await store.conversations.append(
        'th-since',
        'T1',
        [turn('user', 'old', -60_000), turn('assistant', 'edge', 0), turn('user', 'new', 60_000)],
        50,
      );
      expect((await store.conversations.recent('th-since', 'T1', now, 10)).map((t) => t.text)).toEqual(['edge', 'new']);
      expect(
        (await store.conversations.recent('th-since', 'T1', new Date(now.getTime() + 1), 10)).map((t) => t.text),
      ).toEqual(['new']);
    });

    it('keeps a thread to its tenant: another tenant in the same thread sees nothing', async () => {
      await store.conversations.append(
        'th-shared',
        'T1:U1',
        [turn('user', 'my pipeline', 0), turn('assistant', 'secret deal', 1)],
        50,
      );
      expect(await store.conversations.recent('th-shared', 'T1:U2', new Date(0), 10)).toEqual([]);
      await store.conversations.append('th-shared', 'T1:U2', [turn('user', 'mine', 2)], 1);
      expect((await store.conversations.recent('th-shared', 'T1:U2', new Date(0), 10)).map((t) => t.text)).toEqual([
        'mine',
      ]);
      // The other tenant's append (with keep 1) did not trim the first tenant's turns.
      expect((await store.conversations.recent('th-shared', 'T1:U1', new Date(0), 10)).map((t) => t.text)).toEqual([
        'my pipeline',
        'secret deal',
      ]);
      expect(await store.conversations.recent('th-other', 'T1:U1', new Date(0), 10)).toEqual([]);
    });

    it('trims a thread to the newest `keep` turns on append', async () => {
      await store.conversations.append(
        'th-keep',
        'T1',
        [turn('user', 'a', 0), turn('assistant', 'b', 1), turn('user', 'c', 2)],
        4,
      );
      await store.conversations.append('th-keep', 'T1', [turn('assistant', 'd', 3), turn('user', 'e', 4)], 4);
      expect((await store.conversations.recent('th-keep', 'T1', new Date(0), 100)).map((t) => t.text)).toEqual([
        'b',
        'c',
        'd',
        'e',
      ]);
      // Equal times: the later-inserted turns are the newer ones.
      await store.conversations.append(
        'th-keep',
        'T1',
        [turn('assistant', 'f', 10), turn('user', 'g', 10), turn('assistant', 'h', 10)],
        2,
      );
      expect((await store.conversations.recent('th-keep', 'T1', new Date(0), 100)).map((t) => t.text)).toEqual([
        'g',
        'h',
      ]);
      // Trimmed rows are gone, not just hidden.
      const rows = await store.db
        .selectFrom('conversation_turns')
        .select('text')
        .where('thread_key', '=', 'th-keep')
        .execute();
      expect(rows.map((row) => row.text).sort()).toEqual(['g', 'h']);
    });

    it('round-trips the records a turn showed', async () => {
      const records = [
        { entity: 'Opportunity', id: 'opp-1', name: 'Acme renewal' },
        { entity: 'Lead', id: 'lead-9' },
      ];
      await store.conversations.append(
        'th-records',
        'T1',
        [
          turn('user', 'show deals', 0),
          turn('assistant', 'Two records', 1, { records }),
          turn('assistant', 'none', 2, { records: [] }),
        ],
        50,
      );
      const turns = await store.conversations.recent('th-records', 'T1', new Date(0), 10);
      expect(turns[0]!.records).toBeUndefined();
      expect(turns[1]!.records).toEqual(records);
      expect('name' in turns[1]!.records![1]!).toBe(false);
      expect('records' in turns[2]!).toBe(false);
    });

    it('prunes turns older than a time and says how many', async () => {
      const base = -10 * 86_400_000;
      await store.conversations.append(
        'th-prune-a',
        'TP',
        [turn('user', 'ancient', base), turn('assistant', 'ancient reply', base + 1)],
        50,
      );
      await store.conversations.append(
        'th-prune-b',
        'TP',
        [turn('user', 'also old', base + 2), turn('user', 'fresh', 0)],
        50,
      );
      const before = await store.db
        .selectFrom('conversation_turns')
        .select('id')
        .where('at', '<', now.getTime() + base + 3)
        .execute();
      expect(before).toHaveLength(3);
      expect(await store.conversations.prune(new Date(now.getTime() + base + 3))).toBe(3);
      expect(await store.conversations.recent('th-prune-a', 'TP', new Date(0), 10)).toEqual([]);
      expect((await store.conversations.recent('th-prune-b', 'TP', new Date(0), 10)).map((t) => t.text)).toEqual([
        'fresh',
      ]);
      expect(await store.conversations.prune(new Date(now.getTime() + base + 3))).toBe(0);
    });
  });
});
