import type { Kysely, Selectable } from 'kysely';
import type { DigestStore } from '../core/digests/ports.js';
import type { DigestJob } from '../core/digests/types.js';
import type { Database } from './schema.js';

type Row = Selectable<Database['digests']>;

function toJob(row: Row): DigestJob {
  return {
    id: row.id,
    tenantKey: row.tenant_key,
    teamId: row.team_id,
    channelId: row.channel_id,
    userId: row.user_id,
    personal: Number(row.personal) === 1,
    ...(row.crm_user_id ? { crmUserId: row.crm_user_id } : {}),
    time: row.time,
    days: row.days,
    timeZone: row.time_zone,
    ...(Number(row.pipeline) === 1 ? { pipeline: true } : {}),
    nextRunAt: new Date(Number(row.next_run_at)),
    ...(row.last_sent_at !== null ? { lastSentAt: new Date(Number(row.last_sent_at)) } : {}),
    ...(row.lease_until !== null ? { leaseUntil: new Date(Number(row.lease_until)) } : {}),
    failures: Number(row.failures),
    createdAt: new Date(Number(row.created_at)),
  };
}

/**
 * Digests and their schedule. The claim is the lock: on PostgreSQL one statement picks the earliest
 * due, unleased row with `FOR UPDATE SKIP LOCKED` (so instances claiming together take different
 * rows, never the same one) and leases it; on SQLite, where writers are serialized anyway, a
 * conditional UPDATE of the chosen row does it, and a caller that loses the race tries the next.
 */
export class SqlDigestStore implements DigestStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  async create(job: DigestJob): Promise<void> {
    await this.db
      .insertInto('digests')
      .values({
        id: job.id,
        tenant_key: job.tenantKey,
        team_id: job.teamId,
        channel_id: job.channelId,
        user_id: job.userId,
        personal: job.personal ? 1 : 0,
        crm_user_id: job.crmUserId ?? null,
        time: job.time,
        days: job.days,
        time_zone: job.timeZone,
        pipeline: job.pipeline ? 1 : 0,
        next_run_at: job.nextRunAt.getTime(),
        lease_until: job.leaseUntil?.getTime() ?? null,
        last_sent_at: job.lastSentAt?.getTime() ?? null,
        failures: job.failures,
        created_at: job.createdAt.getTime(),
      })
      .execute();
  }

  async get(id: string): Promise<DigestJob | undefined> {
    const row = await this.db.selectFrom('digests').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toJob(row);
  }

  async forChannel(teamId: string, channelId: string): Promise<DigestJob[]> {
    const rows = await this.db
      .selectFrom('digests')
      .selectAll()
      .where('team_id', '=', teamId)
      .where('channel_id', '=', channelId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toJob);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('digests').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async claimDue(now: Date, leaseUntil: Date): Promise<DigestJob | undefined> {
    const at = now.getTime();
    if (this.dialect === 'postgres') {
      const row = await this.db
        .updateTable('digests')
        .set({ lease_until: leaseUntil.getTime() })
        .where('id', '=', (eb) =>
          eb
            .selectFrom('digests')
            .select('id')
            .where('next_run_at', '<=', at)
            .where((inner) => inner.or([inner('lease_until', 'is', null), inner('lease_until', '<', at)]))
            .orderBy('next_run_at')
            .limit(1)
            .forUpdate()
            .skipLocked(),
        )
        .returningAll()
        .executeTakeFirst();
      return row && toJob(row);
    }
    // SQLite: choose, then lease with a conditional UPDATE; losing a race means another caller
    // leased that row first, so look again (a few times: every loss is someone else's progress).
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const candidate = await this.db
        .selectFrom('digests')
        .select('id')
        .where('next_run_at', '<=', at)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]))
        .orderBy('next_run_at')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return undefined;
      const row = await this.db
        .updateTable('digests')
        .set({ lease_until: leaseUntil.getTime() })
        .where('id', '=', candidate.id)
        .where('next_run_at', '<=', at)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]))
        .returningAll()
        .executeTakeFirst();
      if (row) return toJob(row);
    }
    return undefined;
  }

  async finish(id: string, lease: Date, nextRunAt: Date, sentAt?: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('digests')
      .set({
        next_run_at: nextRunAt.getTime(),
        lease_until: null,
        failures: 0,
        ...(sentAt ? { last_sent_at: sentAt.getTime() } : {}),
      })
      .where('id', '=', id)
      .where('lease_until', '=', lease.getTime())
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async retry(id: string, lease: Date, retryAt: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('digests')
      .set((eb) => ({ lease_until: retryAt.getTime(), failures: eb('failures', '+', 1) }))
      .where('id', '=', id)
      .where('lease_until', '=', lease.getTime())
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
