import type { Kysely } from 'kysely';
import type { EventLedger } from '../core/workspaces/ports.js';
import type { Database } from './schema.js';

/** Slack event ids seen, so a retried delivery is handled once. */
export class SqlEventLedger implements EventLedger {
  constructor(private readonly db: Kysely<Database>) {}

  async firstSighting(eventId: string, now: Date): Promise<boolean> {
    const result = await this.db
      .insertInto('processed_events')
      .values({ event_id: eventId, received_at: now.getTime() })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async prune(olderThan: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('processed_events')
      .where('received_at', '<', olderThan.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
