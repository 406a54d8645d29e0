import type { Kysely } from 'kysely';
import type { RecordRef } from '../core/ports.js';
import type { ConversationStore, ConversationTurn } from '../core/conversation/ports.js';
import type { Database } from './schema.js';

/** The recent turns of each thread, for the planner's context. */
export class SqlConversationStore implements ConversationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async recent(threadKey: string, tenantKey: string, since: Date, limit: number): Promise<ConversationTurn[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .selectFrom('conversation_turns')
      .select(['role', 'text', 'records', 'at'])
      .where('thread_key', '=', threadKey)
      .where('tenant_key', '=', tenantKey)
      .where('at', '>=', since.getTime())
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map((row) => {
      const records = row.records ? (JSON.parse(row.records) as RecordRef[]) : [];
      return { role: row.role, text: row.text, ...(records.length > 0 ? { records } : {}), at: new Date(row.at) };
    });
  }

  async append(threadKey: string, tenantKey: string, turns: ConversationTurn[], keep: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // One INSERT per turn, in order, so the auto-assigned ids keep the turns' order for certain
      // (a multi-row VALUES list does too in practice, but no database promises it). Appends are a turn or two.
      for (const turn of turns) {
        await trx
          .insertInto('conversation_turns')
          .values({
            thread_key: threadKey,
            tenant_key: tenantKey,
            role: turn.role,
            text: turn.text,
            records: turn.records && turn.records.length > 0 ? JSON.stringify(turn.records) : null,
            at: turn.at.getTime(),
          })
          .execute();
      }
      // Keep the newest `keep` turns of this thread for this tenant (by time, then insertion order).
      await trx
        .deleteFrom('conversation_turns')
        .where('thread_key', '=', threadKey)
        .where('tenant_key', '=', tenantKey)
        .where('id', 'not in', (qb) =>
          qb
            .selectFrom('conversation_turns')
            .select('id')
            .where('thread_key', '=', threadKey)
            .where('tenant_key', '=', tenantKey)
            .orderBy('at', 'desc')
            .orderBy('id', 'desc')
            .limit(Math.max(0, keep)),
        )
        .execute();
    });
  }

  async prune(olderThan: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('conversation_turns')
      .where('at', '<', olderThan.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
