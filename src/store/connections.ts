import type { Kysely } from 'kysely';
import type { CachedConnection, CatalogEntry, CrmFindings, TenantConnectionCache } from '../core/ports.js';
import { parseFindings, type SqlTenantProfiles } from './profiles.js';
import type { Database } from './schema.js';

/** Each tenant's Membrane connection and its action catalog, shared by every instance. */
export class SqlConnectionCache implements TenantConnectionCache {
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
