import type { Kysely } from 'kysely';
import type { TenantConnectionCache } from '../core/ports.js';
import type { EventLedger, WorkspaceInstallations } from '../core/workspaces/ports.js';
import type { TenantProfileStore } from '../core/doctor/ports.js';
import type { ConversationStore } from '../core/conversation/ports.js';
import type { AuditEntry, AuditLog, ConfirmationStore } from '../core/writes/ports.js';
import type { AlertStore } from '../core/alerts/ports.js';
import type { DigestStore } from '../core/digests/ports.js';
import { SqlAlertStore } from './alerts.js';
import { SqlAuditLog } from './audit.js';
import { SqlConfirmationStore } from './confirmations.js';
import { connect, type StoreDialect, type StoreOptions } from './connect.js';
import { SqlConnectionCache } from './connections.js';
import { SqlConversationStore } from './conversations.js';
import { databaseSettingError, describeDatabase } from './database-errors.js';
import { SqlDigestStore } from './digests.js';
import { SqlEventLedger } from './events.js';
import { SqlWorkspaceInstallations } from './installations.js';
import { migrate } from './migrations.js';
import { SqlTenantProfiles } from './profiles.js';
import type { Database } from './schema.js';

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
