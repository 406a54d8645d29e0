import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface StoreOptions {
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** Where a pooled connection's failure is reported (PostgreSQL restarted, a network blip). */
  logger?: {
    error(details: Record<string, unknown>, message: string): void;
    warn(details: Record<string, unknown>, message: string): void;
  };
}

/** A Kysely handle on the database DATABASE_URL names: a SQLite file, or a PostgreSQL pool. */
export function connect(databaseUrl: string, options: StoreOptions): { db: Kysely<Database>; dialect: StoreDialect } {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length) || ':memory:';
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    const database = new BetterSqlite3(file);
    // WAL lets readers and the one writer proceed together; busy_timeout waits out short write locks.
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    return {
      db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }),
      dialect: 'sqlite',
    };
  }
  // BIGINT columns hold epoch milliseconds, well inside Number's exact range.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  // A host that never answers would otherwise hold the start (and later each request) for ever.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
  });
  // A connection that breaks (a database restart, a failover, a reset) is an 'error' event on its
  // client; unheard, it ends the process. pg-pool listens only while the client is idle, so one in
  // use between queries (Kysely holds it from pool.connect to release, and through a transaction)
  // has no listener: each client gets its own, for its whole life. Its work fails and says so; the
  // pool replaces it. The pool's own 'error' is the same failure, already logged here.
  pool.on('connect', (client) =>
    client.on('error', (error) => options.logger?.error({ err: error }, 'a pooled PostgreSQL connection failed')),
  );
  pool.on('error', () => undefined);
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}

/**
 * Kysely prepares every query anew; compiling SQL was a visible share of a warm command's CPU.
 * The app's queries are a small fixed set, so prepared statements are kept and reused.
 */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= 200) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
