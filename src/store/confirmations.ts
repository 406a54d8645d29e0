import type { Kysely } from 'kysely';
import type { Requester } from '../core/ports.js';
import type { ClaimOutcome, ConfirmationStore, PendingWrite } from '../core/writes/ports.js';
import type { Database } from './schema.js';
import { usageFromJson, usageToJson } from './token-usage.js';

/** Writes waiting for the person's Confirm, and the lock that lets exactly one click run each. */
export class SqlConfirmationStore implements ConfirmationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(write: PendingWrite): Promise<void> {
    await this.db
      .insertInto('pending_writes')
      .values({
        id: write.id,
        tenant_key: write.tenantKey,
        team_id: write.teamId,
        user_id: write.userId,
        channel_id: write.channelId ?? null,
        plan: JSON.stringify(write.plan),
        state: 'pending',
        created_at: write.createdAt.getTime(),
        expires_at: write.expiresAt.getTime(),
        finished_at: null,
        usage: usageToJson(write.usage),
      })
      .execute();
  }

  claim(id: string, requester: Requester, now: Date): Promise<ClaimOutcome> {
    return this.transition(id, requester, now, 'running');
  }

  cancel(id: string, requester: Requester, now: Date): Promise<ClaimOutcome> {
    return this.transition(id, requester, now, 'cancelled');
  }

  /**
   * The conditional UPDATE is the lock: only one caller, on any instance, sees a row change from
   * `pending`. The SELECT before it only chooses which polite message a loser gets.
   */
  private async transition(
    id: string,
    requester: Requester,
    now: Date,
    to: 'running' | 'cancelled',
  ): Promise<ClaimOutcome> {
    const row = await this.db.selectFrom('pending_writes').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.team_id !== requester.teamId) return { ok: false, reason: 'missing' };
    if (row.user_id !== requester.userId) return { ok: false, reason: 'not_yours' };
    if (row.state !== 'pending') return { ok: false, reason: 'used' };
    if (row.expires_at <= now.getTime()) return { ok: false, reason: 'expired' };
    const result = await this.db
      .updateTable('pending_writes')
      .set({ state: to, finished_at: to === 'cancelled' ? now.getTime() : null })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where('expires_at', '>', now.getTime())
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return { ok: false, reason: 'used' };
    return {
      ok: true,
      write: {
        id: row.id,
        tenantKey: row.tenant_key,
        teamId: row.team_id,
        userId: row.user_id,
        channelId: row.channel_id ?? undefined,
        plan: JSON.parse(row.plan),
        createdAt: new Date(row.created_at),
        expiresAt: new Date(row.expires_at),
        ...usageFromJson(row.usage),
      },
    };
  }

  async finish(id: string, outcome: 'done' | 'failed' | 'unknown'): Promise<void> {
    await this.db
      .updateTable('pending_writes')
      .set({ state: outcome, finished_at: Date.now() })
      .where('id', '=', id)
      .execute();
  }

  async prune(olderThan: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('pending_writes')
      .where('expires_at', '<', olderThan.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
