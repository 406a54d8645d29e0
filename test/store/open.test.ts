import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { SettingError } from '../../src/config/setting-error.js';
import { describeDatabase } from '../../src/store/database-errors.js';
import { openStore } from '../../src/store/store.js';
import { freshPostgresSchema, POSTGRES_URL } from '../support/databases.js';
import { freePort } from '../support/harness.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

describe('opening the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'espo-store-open-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const failure = (databaseUrl: string) =>
    openStore(databaseUrl).then(
      () => {
        throw new Error('opened');
      },
      (error: unknown) => error as SettingError,
    );

  it('names DATABASE_URL when the SQLite file cannot be written', async () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    const error = await failure(`sqlite:${join(dir, 'a-file', 'bot.db')}`);
    expect(error).toBeInstanceOf(SettingError);
    expect(error).toMatchObject({ code: 'database_not_writable', variables: ['DATABASE_URL'] });
    expect(error.message).toMatch(
      /^DATABASE_URL \(sqlite:.*a-file\/bot\.db\) cannot be written \(.*\): name a file in a folder the bot's user may write to$/,
    );
  });

  it('names DATABASE_URL when PostgreSQL is not there, without its password', async () => {
    const port = await freePort();
    const error = await failure(`postgres://bot:hunter2@127.0.0.1:${port}/espo`);
    expect(error).toMatchObject({ code: 'database_unreachable', variables: ['DATABASE_URL'] });
    expect(error.message).toBe(
      `DATABASE_URL (postgres://bot@127.0.0.1:${port}/espo): PostgreSQL could not be reached (ECONNREFUSED): start it, or check the host and port`,
    );
  });

  it('names DATABASE_URL when PostgreSQL has no such database', async () => {
    const url = new URL(POSTGRES_URL);
    url.pathname = '/no_such_database_for_espo';
    const error = await failure(url.toString());
    expect(error).toMatchObject({ code: 'database_refused', variables: ['DATABASE_URL'] });
    expect(error.message).toMatch(
      /was refused by PostgreSQL \(database "no_such_database_for_espo" does not exist\): create the database \(createdb\) or name one that exists$/,
    );
  });

  it("migrates a PostgreSQL schema while another schema of the database holds the migrator's own tables", async () => {
    const [other, ours] = [await freshPostgresSchema(), await freshPostgresSchema()];
    const first = await openStore(other.url);
    try {
      const second = await openStore(ours.url);
      await second.close();
    } finally {
      await first.close();
      await Promise.all([other.drop(), ours.drop()]);
    }
  });

  it('outlives a PostgreSQL connection that breaks while in use or idle, and logs each break once', async () => {
    const database = await freshPostgresSchema();
    const proxy = await startTcpProxy({ port: Number(new URL(database.url).port) });
    const url = new URL(database.url);
    url.port = String(proxy.port);
    const failures: string[] = [];
    const logger = {
      error: (_details: Record<string, unknown>, message: string) => void failures.push(message),
      warn: () => undefined,
    };
    const store = await openStore(url.toString(), { poolSize: 2, logger });
    try {
      await store.ping(); // a second connection, idle in the pool while the first is held below
      const inUse = store.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        // Held between queries, as Kysely holds a connection through a transaction: no query of
        // pg's is running on it when the reset arrives.
        await proxy.refuse();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await sql`select 1`.execute(trx);
      });
      await expect(inUse).rejects.toThrow();
      expect(failures).toEqual(['a pooled PostgreSQL connection failed', 'a pooled PostgreSQL connection failed']);
    } finally {
      await store.close();
      await proxy.close();
      await database.drop();
    }
  });

  it('describes where the data lives, for a log line', () => {
    expect(describeDatabase('sqlite:./data/espo-slack.db')).toBe('sqlite:./data/espo-slack.db');
    expect(describeDatabase('postgres://app:s3cret@db.internal:5432/espo?sslmode=require')).toBe(
      'postgres://app@db.internal:5432/espo',
    );
    expect(describeDatabase('postgresql://db/espo')).toBe('postgres://db/espo');
  });

  it('knows how many workspaces are installed and a tenant it has served', async () => {
    const store = await openStore(`sqlite:${join(dir, 'inventory.db')}`);
    try {
      expect(await store.inventory()).toEqual({ installations: 0 });
      await store.installations.save('T1', '{}');
      await store.installations.save('T2', '{}');
      await store.connections.put('T1:U1', { connectionId: 'c1', state: 'READY' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.connections.put('T2', { connectionId: 'c2', state: 'READY' });
      expect(await store.inventory()).toEqual({ installations: 2, recentTenant: 'T2' });
      expect(store.location).toBe(`sqlite:${join(dir, 'inventory.db')}`);
    } finally {
      await store.close();
    }
  });
});
