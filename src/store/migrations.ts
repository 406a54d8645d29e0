import { Migrator, SqliteAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { StoreDialect } from './connect.js';
import type { Database } from './schema.js';

/**
 * Migrations live in code (not files on disk) so they ship inside the app and run at every start.
 * Column types are the portable subset both SQLite and PostgreSQL accept.
 */
const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pending_writes')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('tenant_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('team_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('channel_id', 'varchar(64)')
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema.createIndex('pending_writes_expires_at').on('pending_writes').column('expires_at').execute();

      await db.schema
        .createTable('tenant_connections')
        .addColumn('tenant_key', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('connection_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('state', 'varchar(32)', (c) => c.notNull())
        .addColumn('catalog', 'text')
        .addColumn('catalog_fetched_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('processed_events')
        .addColumn('event_id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('processed_events_received_at')
        .on('processed_events')
        .column('received_at')
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('tenant_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('team_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('action', 'varchar(255)', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_tenant_at').on('audit_log').columns(['tenant_key', 'at']).execute();
    },
  },
  '002_conversations': {
    async up(db: Kysely<unknown>) {
      // An auto-increment key keeps insertion order (turns of one append, and ties on `at`).
      // SQLite only auto-assigns an `integer primary key`; PostgreSQL needs a serial type.
      const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
      await db.schema
        .createTable('conversation_turns')
        .addColumn('id', sqlite ? 'integer' : 'bigserial', (c) =>
          sqlite ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('thread_key', 'varchar(255)', (c) => c.notNull())
        .addColumn('tenant_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('records', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('conversation_turns_thread_at')
        .on('conversation_turns')
        .columns(['thread_key', 'tenant_key', 'at'])
        .execute();
      await db.schema.createIndex('conversation_turns_at').on('conversation_turns').column('at').execute();

      // Model tokens a plain-language write cost, as JSON; null for slash commands and older rows.
      await db.schema.alterTable('pending_writes').addColumn('usage', 'text').execute();
      await db.schema.alterTable('audit_log').addColumn('usage', 'text').execute();
    },
  },
  '003_installations': {
    async up(db: Kysely<unknown>) {
      // Slack installations in multi-workspace (OAuth) mode, one row per workspace or org install.
      await db.schema
        .createTable('slack_installations')
        .addColumn('install_key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('installation', 'text', (c) => c.notNull())
        .addColumn('installed_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '004_alerts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('alert_subscriptions')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('tenant_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('team_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('channel_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('dm', 'integer', (c) => c.notNull())
        .addColumn('entity', 'varchar(128)', (c) => c.notNull())
        .addColumn('event', 'varchar(16)', (c) => c.notNull())
        .addColumn('field', 'varchar(128)')
        .addColumn('filters', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('alert_subscriptions_tenant')
        .on('alert_subscriptions')
        .column('tenant_key')
        .execute();
      await db.schema
        .createIndex('alert_subscriptions_channel')
        .on('alert_subscriptions')
        .columns(['team_id', 'channel_id'])
        .execute();

      await db.schema
        .createTable('alert_webhooks')
        .addColumn('tenant_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('event', 'varchar(255)', (c) => c.notNull())
        .addColumn('webhook_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('secret_key', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_webhooks_pk', ['tenant_key', 'webhook_id'])
        // One webhook per event per tenant, whichever instance registers it first.
        .addUniqueConstraint('alert_webhooks_event', ['tenant_key', 'event'])
        .execute();

      await db.schema
        .createTable('alert_delivery')
        .addColumn('tenant_key', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('team_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('mode', 'varchar(16)', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('token', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('poll_cursor', 'text')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('seen_alerts')
        .addColumn('alert_key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('seen_alerts_seen_at').on('seen_alerts').column('seen_at').execute();
    },
  },
  '005_digests': {
    async up(db: Kysely<unknown>) {
      // Scheduled digests; next_run_at and lease_until drive the scheduler's atomic claim.
      await db.schema
        .createTable('digests')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('tenant_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('team_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('channel_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('personal', 'integer', (c) => c.notNull())
        .addColumn('crm_user_id', 'varchar(64)')
        .addColumn('time', 'varchar(5)', (c) => c.notNull())
        .addColumn('days', 'varchar(16)', (c) => c.notNull())
        .addColumn('time_zone', 'varchar(64)', (c) => c.notNull())
        .addColumn('next_run_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('last_sent_at', 'bigint')
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('digests_next_run_at').on('digests').column('next_run_at').execute();
      await db.schema.createIndex('digests_channel').on('digests').columns(['team_id', 'channel_id']).execute();
    },
  },
  '006_alert_record_state': {
    async up(db: Kysely<unknown>) {
      // What the bot last saw of a record through one webhook (to know a redelivery) or through
      // polling (to know whether a watched field changed).
      await db.schema
        .createTable('alert_record_state')
        .addColumn('tenant_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('scope', 'varchar(160)', (c) => c.notNull())
        .addColumn('record_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_record_state_pk', ['tenant_key', 'scope', 'record_id'])
        .execute();
      await db.schema.createIndex('alert_record_state_seen_at').on('alert_record_state').column('seen_at').execute();
    },
  },
  '007_tenant_profiles': {
    async up(db: Kysely<unknown>) {
      // Per tenant, across connections (tenant_connections rows come and go with the connection's
      // state): the EspoCRM address an admin gave, what the doctor found (JSON, for the connection
      // it names) and the connection it last checked by itself.
      await db.schema
        .createTable('tenant_profiles')
        .addColumn('tenant_key', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('team_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('site_url', 'text')
        .addColumn('findings', 'text')
        .addColumn('auto_checked_connection_id', 'varchar(128)')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tenant_profiles_team').on('tenant_profiles').column('team_id').execute();
    },
  },
  '008_digest_pipeline': {
    async up(db: Kysely<unknown>) {
      // A digest may carry the week's pipeline; the ones scheduled before do not.
      await db.schema
        .alterTable('digests')
        .addColumn('pipeline', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

/**
 * Brings the schema up to date; on failure, what failed and in which migration. On PostgreSQL,
 * Kysely's own tables are looked for in the connection's current schema: without one named, its
 * Migrator looks for them in every schema of the database, finds another schema's (another app,
 * or another test's search_path), skips creating its own and fails on the lock.
 */
export async function migrate(
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
