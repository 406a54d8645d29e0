import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { freshPostgresSchema } from '../support/databases.js';
import { by, now, pending, turn } from './fixtures.js';

/** One audit entry: something written before a restart, to find after it. */
const AUDITED = { tenantKey: 'T', teamId: 'T', userId: 'U', action: 'x', input: {}, outcome: 'done' as const, at: now };

describe('migrations', () => {
  it('run once and are idempotent across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-store-'));
    const url = `sqlite:${join(dir, 'bot.db')}`;
    const first = await openStore(url);
    await first.audit.record(AUDITED);
    await first.close();
    const second = await openStore(url);
    expect(await second.audit.recent('T', 5)).toHaveLength(1);
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Another deployment (or another app using Kysely) in the same database: its migration tables
  // must not be taken for this schema's.
  it('on PostgreSQL, keep to their own schema when another schema of the database has migrated too', async () => {
    const other = await freshPostgresSchema();
    const ours = await freshPostgresSchema();
    try {
      await (await openStore(other.url)).close();
      const store = await openStore(ours.url);
      await store.audit.record(AUDITED);
      expect(await store.audit.recent('T', 5)).toHaveLength(1);
      await store.close();
      // A restart finds its own migrations done.
      await (await openStore(ours.url)).close();
    } finally {
      await other.drop();
      await ours.drop();
    }
  });

  it('upgrade a database made by 001 in place: its rows stay readable, without usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-store-'));
    const file = join(dir, 'bot.db');
    const only001: MigrationProvider = {
      async getMigrations() {
        const all = await migrationProvider.getMigrations();
        return { '001_initial': all['001_initial']! };
      },
    };
    const old = new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(file) }),
    });
    expect((await new Migrator({ db: old, provider: only001 }).migrateToLatest()).error).toBeUndefined();
    const write = pending();
    await old
      .insertInto('pending_writes')
      .values({
        id: write.id,
        tenant_key: 'T',
        team_id: 'T',
        user_id: 'U1',
        channel_id: null,
        plan: JSON.stringify(write.plan),
        state: 'pending',
        created_at: write.createdAt.getTime(),
        expires_at: write.expiresAt.getTime(),
        finished_at: null,
      })
      .execute();
    await old
      .insertInto('audit_log')
      .values({
        id: 'a1',
        tenant_key: 'T',
        team_id: 'T',
        user_id: 'U1',
        action: 'old',
        input: '{}',
        outcome: 'done',
        detail: null,
        at: now.getTime(),
      })
      .execute();
    await old.destroy();

    const store = await openStore(`sqlite:${file}`);
    const claimed = await store.confirmations.claim(write.id, by('U1', 'T'), now);
    if (!claimed.ok) throw new Error('claim failed');
    expect(claimed.write.plan).toEqual(write.plan);
    expect('usage' in claimed.write).toBe(false);
    const [entry] = await store.audit.recent('T', 5);
    expect(entry).toMatchObject({ action: 'old', outcome: 'done' });
    expect('usage' in entry!).toBe(false);
    await store.conversations.append('th', 'T', [turn('user', 'hi', 0)], 10);
    expect((await store.conversations.recent('th', 'T', new Date(0), 10)).map((t) => t.text)).toEqual(['hi']);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
