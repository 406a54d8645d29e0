import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEntry, AuditLog } from '../core/writes/ports.js';
import type { Database } from './schema.js';
import { usageFromJson, usageToJson } from './token-usage.js';

/** What was done for whom: every write and action run, with the model's token usage. */
export class SqlAuditLog implements AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        id: randomUUID(),
        tenant_key: entry.tenantKey,
        team_id: entry.teamId,
        user_id: entry.userId,
        action: entry.action.slice(0, 255),
        input: JSON.stringify(entry.input ?? null),
        outcome: entry.outcome,
        detail: entry.detail ?? null,
        usage: usageToJson(entry.usage),
        at: entry.at.getTime(),
      })
      .execute();
  }

  async recent(tenantKey: string, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_key', '=', tenantKey)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      tenantKey: row.tenant_key,
      teamId: row.team_id,
      userId: row.user_id,
      action: row.action,
      input: JSON.parse(row.input),
      outcome: row.outcome as AuditEntry['outcome'],
      detail: row.detail ?? undefined,
      ...usageFromJson(row.usage),
      at: new Date(row.at),
    }));
  }
}
