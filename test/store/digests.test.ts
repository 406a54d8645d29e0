import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DigestJob } from '../../src/core/digests/types.js';
import { openStore, type Store } from '../../src/store/store.js';
import { freshPostgresSchema } from '../support/databases.js';

const backends: { name: string; open(): Promise<{ store: Store; url: string; cleanup(): Promise<void> }> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'espo-digests-'));
      const url = `sqlite:${join(dir, 'bot.db')}`;
      return { store: await openStore(url), url, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await freshPostgresSchema();
      return { store: await openStore(schema.url), url: schema.url, cleanup: () => schema.drop() };
    },
  },
];

const NOW = new Date('2026-06-01T13:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
let sequence = 0;

function job(overrides: Partial<DigestJob> = {}): DigestJob {
  return {
    id: `dg-${++sequence}`,
    tenantKey: 'T1',
    teamId: 'T1',
    channelId: 'C1',
    userId: 'U1',
    personal: false,
    time: '09:00',
    days: 'weekdays',
    timeZone: 'America/New_York',
    nextRunAt: NOW,
    failures: 0,
    createdAt: at(-60),
    ...overrides,
  };
}

for (const backend of backends) {
  describe(`digest store on ${backend.name}`, () => {
    let store: Store;
    let url: string;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, url, cleanup } = await backend.open());
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });
    beforeEach(async () => {
      await store.db.deleteFrom('digests').execute();
    });

    it("round-trips a digest and lists a channel's, oldest first", async () => {
      const personal = job({ channelId: 'U1', personal: true, crmUserId: 'E-JANE', createdAt: at(-10) });
      const first = job({ createdAt: at(-30) });
      const second = job({ createdAt: at(-20), time: '17:30', days: 'daily', pipeline: true });
      for (const j of [personal, second, first]) await store.digests.create(j);
      expect(await store.digests.get(personal.id)).toEqual(personal);
      expect(await store.digests.get(second.id)).toEqual(second);
      expect((await store.digests.forChannel('T1', 'C1')).map((j) => j.id)).toEqual([first.id, second.id]);
      expect(await store.digests.forChannel('T2', 'C1')).toEqual([]);
      expect(await store.digests.delete(first.id)).toBe(true);
      expect(await store.digests.delete(first.id)).toBe(false);
      expect(await store.digests.get(first.id)).toBeUndefined();
    });

    it('claims only due, unleased digests, earliest first, and holds them for the lease', async () => {
      const later = job({ nextRunAt: at(5) });
      const early = job({ nextRunAt: at(-3) });
      const due = job({ nextRunAt: at(-1) });
      for (const j of [later, due, early]) await store.digests.create(j);
      const claimed = await store.digests.claimDue(NOW, at(5));
      expect(claimed).toMatchObject({ id: early.id, leaseUntil: at(5) });
      expect((await store.digests.claimDue(NOW, at(5)))?.id).toBe(due.id);
      expect(await store.digests.claimDue(NOW, at(5))).toBeUndefined();
      // The lease runs out: claimable again (by whoever comes first).
      expect((await store.digests.claimDue(at(6), at(11)))?.id).toBe(early.id);
    });

    it('moves a digest on only for the holder of its lease', async () => {
      const digest = job();
      await store.digests.create(digest);
      const claimed = (await store.digests.claimDue(NOW, at(5)))!;
      expect(await store.digests.finish(digest.id, at(4), at(24 * 60), NOW)).toBe(false);
      expect(await store.digests.finish(digest.id, claimed.leaseUntil!, at(24 * 60), NOW)).toBe(true);
      const after = (await store.digests.get(digest.id))!;
      expect(after).toMatchObject({ nextRunAt: at(24 * 60), lastSentAt: NOW, failures: 0 });
      expect(after.leaseUntil).toBeUndefined();
      // A second finish with the old lease changes nothing.
      expect(await store.digests.finish(digest.id, claimed.leaseUntil!, at(48 * 60), NOW)).toBe(false);
    });

    it('counts a failed attempt and holds the digest until its retry time', async () => {
      const digest = job();
      await store.digests.create(digest);
      const claimed = (await store.digests.claimDue(NOW, at(5)))!;
      expect(await store.digests.retry(digest.id, claimed.leaseUntil!, at(1))).toBe(true);
      expect(await store.digests.claimDue(NOW, at(5))).toBeUndefined();
      const again = (await store.digests.claimDue(at(2), at(7)))!;
      expect(again).toMatchObject({ id: digest.id, failures: 1 });
      // Skipping the occurrence resets the count and keeps lastSentAt empty.
      expect(await store.digests.finish(digest.id, again.leaseUntil!, at(24 * 60))).toBe(true);
      const after = (await store.digests.get(digest.id))!;
      expect(after.failures).toBe(0);
      expect(after.lastSentAt).toBeUndefined();
    });

    it('gives each due digest to exactly one of many simultaneous claimers', async () => {
      const jobs = Array.from({ length: 6 }, (_, i) => job({ nextRunAt: at(-i) }));
      for (const j of jobs) await store.digests.create(j);
      // Two stores (connection pools) on one database, as two instances would have.
      const other = await openStore(url);
      try {
        const claims = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).digests.claimDue(NOW, at(5))),
        );
        const ids = claims.filter((claim) => claim !== undefined).map((claim) => claim.id);
        // Each exactly once; a claimer that found every due row taken (or locked) got nothing.
        expect(new Set(ids).size).toBe(ids.length);
        let more: DigestJob | undefined;
        while ((more = await store.digests.claimDue(NOW, at(5)))) ids.push(more.id);
        expect(ids.sort()).toEqual(jobs.map((j) => j.id).sort());
      } finally {
        await other.close();
      }
    });
  });
}
