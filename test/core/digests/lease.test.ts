import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DigestScheduler } from '../../../src/core/digests/scheduler.js';
import type { DigestJob } from '../../../src/core/digests/types.js';
import { openStore } from '../../../src/store/store.js';

const quiet = { info() {}, warn() {}, error() {} };

describe('digest leases across a long tick', () => {
  it('never lets another instance claim a digest this one is still due to send', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-lease-'));
    const store = await openStore(`sqlite:${join(dir, 'lease.db')}`);
    let clock = new Date('2026-06-01T09:00:00Z').getTime();
    const now = { now: () => new Date(clock) };
    for (const id of ['a', 'b']) {
      await store.digests.create({
        id,
        tenantKey: 'T',
        teamId: 'T',
        channelId: 'C',
        userId: 'U',
        personal: false,
        time: '09:00',
        days: 'daily',
        timeZone: 'UTC',
        nextRunAt: new Date(clock),
        failures: 0,
        createdAt: new Date(clock - 1e6),
      } as DigestJob);
    }
    const sent: string[] = [];
    const digests = { build: async () => ({ sections: [{}] }) } as never;
    const peer: { other?: DigestScheduler } = {};
    const slow = new DigestScheduler({
      store: store.digests,
      digests,
      clock: now,
      logger: quiet,
      delivery: {
        async send(job: DigestJob) {
          sent.push(`slow:${job.id}`);
          clock += 4 * 60_000; // each post takes four minutes: a slow EspoCRM
          if (job.id === 'b') await peer.other!.tick(); // the other instance's tick lands while the second is sent
          return { ok: true };
        },
      } as never,
    });
    const other = new DigestScheduler({
      store: store.digests,
      digests,
      clock: now,
      logger: quiet,
      delivery: {
        async send(job: DigestJob) {
          sent.push(`other:${job.id}`);
          return { ok: true };
        },
      } as never,
    });
    peer.other = other;
    await slow.tick();
    await other.tick();
    expect(sent.sort()).toEqual(expect.arrayContaining([expect.stringMatching(/:a$/), expect.stringMatching(/:b$/)]));
    expect(sent.filter((s) => s.endsWith(':a'))).toHaveLength(1);
    expect(sent.filter((s) => s.endsWith(':b'))).toHaveLength(1);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
