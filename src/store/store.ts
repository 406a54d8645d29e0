import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteDialect,
  type ExpressionBuilder,
  type SqliteDatabase,
} from 'kysely';
import pg from 'pg';
import type { CrmFindings, DigestStore, RecordRef, Requester, TokenUsage } from '../core/ports.js';
import type { WorkspaceForgotten, EventLedger, WorkspaceInstallations } from '../core/workspaces/ports.js';
import type { TenantProfileStore } from '../core/doctor/ports.js';
import type { ConversationStore, ConversationTurn } from '../core/conversation/ports.js';
import type { AuditEntry, AuditLog, ClaimOutcome, ConfirmationStore, PendingWrite } from '../core/writes/ports.js';
import type { CachedConnection, CatalogEntry, TenantConnectionCache } from '../crm/gateway.js';
import type { AlertStore } from '../core/alerts.js';
import { SqlAlertStore } from './alerts.js';
import { SqlDigestStore } from './digests.js';
import { migrationProvider } from './migrations.js';
import { parseFindings, SqlTenantProfiles } from './profiles.js';
import type { Database } from './schema.js';
import { SettingError } from '../config/setting-error.js';

export type StoreDialect = 'sqlite' | 'postgres';

/** The one persistence object the app opens at start: every table behind the interface its user needs. */
export interface Store {
  dialect: StoreDialect;
  db: Kysely<Database>;
  confirmations: ConfirmationStore;
  audit: AuditLog & { recent(tenantKey: string, limit: number): Promise<AuditEntry[]> };
  connections: TenantConnectionCache;
  /** Per tenant, across connections: the EspoCRM address an admin gave, the doctor's findings. */
  profiles: TenantProfileStore;
  events: EventLedger;
  conversations: ConversationStore;
  installations: WorkspaceInstallations;
  digests: DigestStore;
  alerts: AlertStore;
  /** Where the data lives, fit for a log line: the SQLite file, or PostgreSQL's host and database (no password). */
  location: string;
  /**
   * What start-up checks need from the data: how many workspaces are installed (OAuth), and a
   * tenant the bot has served (the latest with a cached connection), to act as.
   */
  inventory(): Promise<{ installations: number; recentTenant?: string }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** Where a pooled connection's failure is reported (PostgreSQL restarted, a network blip). */
  logger?: {
    error(details: Record<string, unknown>, message: string): void;
    warn(details: Record<string, unknown>, message: string): void;
  };
}

/** How long `close()` waits for the database: a shutdown's last step, bounded like the rest. */
const CLOSE_TIMEOUT_MS = 1000;

/**
 * Opens the database named by DATABASE_URL and brings its schema up to date. A database that
 * cannot be reached, refuses the bot or cannot be written is a SettingError naming DATABASE_URL.
 */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  let opened: ReturnType<typeof connect>;
  try {
    opened = connect(databaseUrl, options);
  } catch (error) {
    throw databaseSettingError(error, databaseUrl);
  }
  const { db, dialect } = opened;
  const failure = await migrate(db, dialect).catch((error: unknown) => ({ error, migration: undefined }));
  if (failure) {
    await db.destroy().catch(() => undefined);
    throw databaseSettingError(failure.error, databaseUrl, failure.migration);
  }
  const profiles = new SqlTenantProfiles(db);
  return {
    dialect,
    db,
    confirmations: new SqlConfirmationStore(db),
    audit: new SqlAuditLog(db),
    connections: new SqlConnectionCache(db, profiles),
    profiles,
    events: new SqlEventLedger(db),
    conversations: new SqlConversationStore(db),
    installations: new SqlWorkspaceInstallations(db),
    digests: new SqlDigestStore(db, dialect),
    alerts: new SqlAlertStore(db),
    location: describeDatabase(databaseUrl),
    async inventory() {
      const [installed, recent] = await Promise.all([
        db
          .selectFrom('slack_installations')
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .executeTakeFirst(),
        db
          .selectFrom('tenant_connections')
          .select('tenant_key')
          .orderBy('updated_at', 'desc')
          .limit(1)
          .executeTakeFirst(),
      ]);
      return { installations: Number(installed?.count ?? 0), ...(recent ? { recentTenant: recent.tenant_key } : {}) };
    },
    async ping() {
      await db.selectFrom('processed_events').select('event_id').limit(1).execute();
    },
    async close() {
      // pg's pool.end() waits for every connection's goodbye and for queries still running, so a
      // server that stopped answering would hold a shutdown forever. Past the timeout the wait is
      // given up: the process is about to exit, and its connections end with it.
      const closed = await Promise.race([
        db.destroy().then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS, false).unref()),
      ]);
      if (!closed)
        options.logger?.warn(
          { timeoutMs: CLOSE_TIMEOUT_MS },
          'the database did not answer while closing: its connections are left to end with the process',
        );
    },
  };
}

/**
 * Brings the schema up to date; on failure, what failed and in which migration. On PostgreSQL,
 * Kysely's own tables are looked for in the connection's current schema: without one named, its
 * Migrator looks for them in every schema of the database, finds another schema's (another app,
 * or another test's search_path), skips creating its own and fails on the lock.
 */
async function migrate(
  db: Kysely<Database>,
  dialect: StoreDialect,
): Promise<{ error: unknown; migration?: string } | undefined> {
  const schema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  return error ? { error, migration: results?.find((r) => r.status === 'Error')?.migrationName } : undefined;
}

/** DATABASE_URL for a log line: the SQLite path as given, PostgreSQL without its password or options. */
export function describeDatabase(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return databaseUrl;
  try {
    const url = new URL(databaseUrl);
    return `postgres://${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.host}${url.pathname}`;
  } catch {
    return 'postgres (DATABASE_URL does not parse as a URL)';
  }
}

/** Transport failures: PostgreSQL was not reached at all. */
const NOT_REACHED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);
/** PostgreSQL's SQLSTATEs for a login or database it will not give this user (Appendix A, class 28 and 3D, 42501). */
const REFUSED_BY_POSTGRES: Record<string, string> = {
  '28P01': 'check the user and password in DATABASE_URL',
  '28000': 'check the user in DATABASE_URL and pg_hba.conf',
  '3D000': 'create the database (createdb) or name one that exists',
  '42501': 'grant the user the right to create tables in that database (or schema)',
};
/** SQLite's (and the file system's) ways of saying the file cannot be written (EEXIST: a file stands where a folder should be). */
const NOT_WRITABLE = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
  'ENOENT',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_PERM',
]);

/** Why the database could not be opened, as a message naming DATABASE_URL and what to do. */
function databaseSettingError(error: unknown, databaseUrl: string, migration?: string): SettingError {
  const failure = error as { code?: unknown; message?: unknown };
  const code = typeof failure?.code === 'string' ? failure.code : undefined;
  const said = String(failure?.message ?? error);
  const where = describeDatabase(databaseUrl);
  if (databaseUrl.startsWith('sqlite:')) {
    if (code && NOT_WRITABLE.has(code)) {
      return new SettingError(
        'database_not_writable',
        ['DATABASE_URL'],
        `DATABASE_URL (${where}) cannot be written (${said}): name a file in a folder the bot's user may write to`,
        { cause: error },
      );
    }
    return new SettingError(
      'database_failed',
      ['DATABASE_URL'],
      `DATABASE_URL (${where}) could not be opened as a SQLite database (${said})${migration ? ` in migration ${migration}` : ''}`,
      { cause: error },
    );
  }
  if ((code && NOT_REACHED.has(code)) || /timeout/i.test(said)) {
    return new SettingError(
      'database_unreachable',
      ['DATABASE_URL'],
      `DATABASE_URL (${where}): PostgreSQL could not be reached (${code ?? said}): start it, or check the host and port`,
      { cause: error },
    );
  }
  if (code && REFUSED_BY_POSTGRES[code]) {
    return new SettingError(
      'database_refused',
      ['DATABASE_URL'],
      `DATABASE_URL (${where}) was refused by PostgreSQL (${said}): ${REFUSED_BY_POSTGRES[code]}`,
      { cause: error },
    );
  }
  return new SettingError(
    'database_failed',
    ['DATABASE_URL'],
    `DATABASE_URL (${where}): the database could not be prepared${migration ? ` (migration ${migration})` : ''}: ${said}`,
    { cause: error },
  );
}

function connect(databaseUrl: string, options: StoreOptions): { db: Kysely<Database>; dialect: StoreDialect } {
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

class SqlConfirmationStore implements ConfirmationStore {
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

class SqlAuditLog implements AuditLog {
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

function usageToJson(usage: TokenUsage | undefined): string | null {
  return usage ? JSON.stringify(usage) : null;
}

/** Spread into a result: `{ usage }` when stored, nothing (not even the key) when null. */
function usageFromJson(json: string | null): { usage?: TokenUsage } {
  return json ? { usage: JSON.parse(json) as TokenUsage } : {};
}

class SqlConnectionCache implements TenantConnectionCache {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly profiles: SqlTenantProfiles,
  ) {}

  /** One query: the tenant's profile comes along, with findings only when they are this connection's. */
  async get(tenantKey: string): Promise<CachedConnection | undefined> {
    const row = await this.db
      .selectFrom('tenant_connections')
      .leftJoin('tenant_profiles', 'tenant_profiles.tenant_key', 'tenant_connections.tenant_key')
      .select([
        'tenant_connections.connection_id',
        'tenant_connections.state',
        'tenant_connections.catalog_fetched_at',
        'tenant_profiles.findings',
      ])
      .where('tenant_connections.tenant_key', '=', tenantKey)
      .executeTakeFirst();
    if (!row) return undefined;
    const findings = parseFindings(row.findings);
    return {
      connectionId: row.connection_id,
      state: row.state,
      catalogFetchedAt: row.catalog_fetched_at ?? undefined,
      ...(findings?.connectionId === row.connection_id ? { findings } : {}),
    };
  }

  putFindings(tenantKey: string, teamId: string, findings: CrmFindings): Promise<void> {
    return this.profiles.saveFindings(tenantKey, teamId, findings);
  }

  async put(tenantKey: string, entry: { connectionId: string; state: string }): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('tenant_connections')
        .select('connection_id')
        .where('tenant_key', '=', tenantKey)
        .executeTakeFirst();
      const sameConnection = existing?.connection_id === entry.connectionId;
      await trx
        .insertInto('tenant_connections')
        .values({
          tenant_key: tenantKey,
          connection_id: entry.connectionId,
          state: entry.state,
          catalog: null,
          catalog_fetched_at: null,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('tenant_key').doUpdateSet({
            connection_id: entry.connectionId,
            state: entry.state,
            updated_at: now,
            // Another connection's catalog may not fit this one.
            ...(sameConnection ? {} : { catalog: null, catalog_fetched_at: null }),
          }),
        )
        .execute();
    });
  }

  async getCatalog(tenantKey: string): Promise<CatalogEntry[] | undefined> {
    const row = await this.db
      .selectFrom('tenant_connections')
      .select('catalog')
      .where('tenant_key', '=', tenantKey)
      .executeTakeFirst();
    return row?.catalog ? JSON.parse(row.catalog) : undefined;
  }

  async putCatalog(tenantKey: string, catalog: CatalogEntry[], fetchedAt: number): Promise<void> {
    await this.db
      .updateTable('tenant_connections')
      .set({ catalog: JSON.stringify(catalog), catalog_fetched_at: fetchedAt, updated_at: Date.now() })
      .where('tenant_key', '=', tenantKey)
      .execute();
  }

  async delete(tenantKey: string): Promise<void> {
    await this.db.deleteFrom('tenant_connections').where('tenant_key', '=', tenantKey).execute();
  }
}

/**
 * Tenant keys are the team id or `team:user`. Matched exactly with substr, not LIKE: SQLite's LIKE
 * ignores case and both treat `_` as a wildcard.
 */
function ofTeam(teamId: string) {
  const prefix = `${teamId}:`;
  return (eb: ExpressionBuilder<Database, 'tenant_connections' | 'conversation_turns' | 'tenant_profiles'>) =>
    eb.or([
      eb('tenant_key', '=', teamId),
      eb(sql<string>`substr(tenant_key, 1, ${sql.lit(prefix.length)})`, '=', prefix),
    ]);
}

async function deleteTeamRows(
  db: Kysely<Database>,
  table: 'tenant_connections' | 'conversation_turns' | 'tenant_profiles',
  teamId: string,
): Promise<number> {
  const result = await db.deleteFrom(table).where(ofTeam(teamId)).executeTakeFirst();
  return Number(result.numDeletedRows);
}

class SqlEventLedger implements EventLedger {
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

class SqlConversationStore implements ConversationStore {
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

class SqlWorkspaceInstallations implements WorkspaceInstallations {
  constructor(private readonly db: Kysely<Database>) {}

  async save(key: string, installation: string): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('slack_installations')
      .values({ install_key: key, installation, installed_at: now, updated_at: now })
      .onConflict((oc) => oc.column('install_key').doUpdateSet({ installation, updated_at: now }))
      .execute();
  }

  async find(key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('slack_installations')
      .select('installation')
      .where('install_key', '=', key)
      .executeTakeFirst();
    return row?.installation;
  }

  async delete(key: string): Promise<boolean> {
    const result = await this.db.deleteFrom('slack_installations').where('install_key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async forgetWorkspace(teamId: string): Promise<WorkspaceForgotten> {
    return this.db.transaction().execute(async (trx) => {
      const installation = await trx
        .deleteFrom('slack_installations')
        .where('install_key', '=', teamId)
        .executeTakeFirst();
      const connections = await deleteTeamRows(trx, 'tenant_connections', teamId);
      const turns = await deleteTeamRows(trx, 'conversation_turns', teamId);
      const profiles = await deleteTeamRows(trx, 'tenant_profiles', teamId);
      // Nothing can be posted there any more: alert subscriptions and digests go too, and with
      // the tenants' delivery state (webhooks are registered only once it exists) their receiver
      // tokens and webhook secrets, so EspoCRM's batches for this team are refused.
      const subscriptions = await trx
        .deleteFrom('alert_subscriptions')
        .where('team_id', '=', teamId)
        .executeTakeFirst();
      const teamTenants = trx.selectFrom('alert_delivery').select('tenant_key').where('team_id', '=', teamId);
      const webhooks = await trx.deleteFrom('alert_webhooks').where('tenant_key', 'in', teamTenants).executeTakeFirst();
      await trx.deleteFrom('alert_record_state').where('tenant_key', 'in', teamTenants).execute();
      const receiverTokens = await trx.deleteFrom('alert_delivery').where('team_id', '=', teamId).executeTakeFirst();
      const digests = await trx.deleteFrom('digests').where('team_id', '=', teamId).executeTakeFirst();
      return {
        installation: Number(installation.numDeletedRows) > 0,
        connections,
        turns,
        subscriptions: Number(subscriptions.numDeletedRows),
        webhooks: Number(webhooks.numDeletedRows),
        receiverTokens: Number(receiverTokens.numDeletedRows),
        digests: Number(digests.numDeletedRows),
        profiles,
      };
    });
  }
}
