import { AppError } from '../../core/errors.js';
import type { ActionInfo, CachedConnection, CatalogEntry, Tenant, TenantConnectionCache } from '../../core/ports.js';
import { commandText } from '../../core/text.js';
import { isReadAction } from '../action-io.js';
import { changedEntityOf } from './action-entity.js';
import { MAX_TENANTS_IN_MEMORY, type MembraneCalls } from './calls.js';
import type { MembraneConnections } from './connections.js';

const MAX_CATALOG_PAGES = 10;

/**
 * Each tenant's actions in Membrane: the catalog (cached in the store and in memory), intent search, one action's
 * description.
 */
export class ActionCatalog {
  /** Parsed catalogs by tenant, valid while the store's catalogFetchedAt matches. */
  private readonly catalogs = new Map<string, { fetchedAt: number; catalog: CatalogEntry[] }>();

  constructor(
    private readonly calls: MembraneCalls,
    private readonly connections: MembraneConnections,
    private readonly options: { cache: TenantConnectionCache; catalogTtlMs?: number },
  ) {}

  /**
   * The connection's actions with their input schemas: read from Membrane once per TTL and kept
   * in the store for every instance; parsed once per process while the store says it is current.
   */
  async of(tenant: Tenant, connection: CachedConnection, fresh = false): Promise<CatalogEntry[]> {
    const ttl = this.options.catalogTtlMs ?? 60 * 60_000;
    const fetchedAt = connection.catalogFetchedAt;
    if (!fresh && fetchedAt && Date.now() - fetchedAt < ttl) {
      const memo = this.catalogs.get(tenant.key);
      if (memo?.fetchedAt === fetchedAt) return memo.catalog;
      const stored = await this.options.cache.getCatalog(tenant.key);
      if (stored) return this.remember(tenant.key, fetchedAt, stored);
    }
    const catalog: CatalogEntry[] = [];
    let cursor: string | undefined;
    // Page through it (bounded): an action past the first page would otherwise look missing.
    for (let page = 0; page < MAX_CATALOG_PAGES; page++) {
      const response = (await this.calls.call('actions.find', tenant, true, (c) =>
        c.actions.find({ connectionId: connection.connectionId, limit: 100, ...(cursor ? { cursor } : {}) }),
      )) as { items?: CatalogEntry[]; cursor?: string };
      catalog.push(
        ...(response.items ?? []).map(({ key, name, description, type, inputSchema }) => ({
          key,
          name,
          description,
          type,
          inputSchema,
        })),
      );
      cursor = response.cursor;
      if (!cursor) break;
    }
    const now = Date.now();
    await this.options.cache.putCatalog(tenant.key, catalog, now);
    return this.remember(tenant.key, now, catalog);
  }

  private remember(tenantKey: string, fetchedAt: number, catalog: CatalogEntry[]): CatalogEntry[] {
    if (this.catalogs.size >= MAX_TENANTS_IN_MEMORY) this.catalogs.delete(this.catalogs.keys().next().value!);
    this.catalogs.set(tenantKey, { fetchedAt, catalog });
    return catalog;
  }

  /** The catalog of the tenant's READY connection, ensuring one when none is cached. */
  async forTenant(tenant: Tenant): Promise<CatalogEntry[]> {
    return this.connections.withConnection(tenant, { what: 'read the action catalog', isWrite: false }, (connection) =>
      this.of(tenant, connection),
    );
  }

  /**
   * Intent search, with each action's input schema as the search returned it: the cached catalog
   * may predate an action the search finds. Only an item without a schema borrows the catalog's.
   */
  async search(tenant: Tenant, intent: string, limit: number): Promise<ActionInfo[]> {
    return this.connections.withConnection(tenant, { what: 'search actions', isWrite: false }, async (connection) => {
      const { connectionId } = connection;
      const response = (await this.calls.call('actions.search', tenant, true, (c) =>
        c.actions.find({ connectionId, intent, limit }),
      )) as { items?: CatalogEntry[] };
      const items = (response.items ?? []).slice(0, limit);
      const catalog = items.some((item) => !item.inputSchema) ? await this.of(tenant, connection) : [];
      return items.map((item) => {
        const inputSchema = item.inputSchema ?? catalog.find((entry) => entry.key === item.key)?.inputSchema;
        return {
          key: item.key,
          name: item.name,
          description: item.description,
          isRead: isReadAction({ ...item, inputSchema }),
          ...changedEntityOf(item.key),
          ...(inputSchema ? { inputSchema } : {}),
        };
      });
    });
  }

  async describe(tenant: Tenant, key: string): Promise<ActionInfo> {
    return this.connections.withConnection(
      tenant,
      { what: `find the action ${key}`, isWrite: false },
      async (connection) => {
        const entry = (await this.of(tenant, connection)).find((action) => action.key === key);
        if (!entry) {
          throw new AppError(
            'not_found',
            `There is no action \`${key}\` for this connection. ${commandText('actions <what you want>')} lists the ones there are.`,
          );
        }
        return {
          key: entry.key,
          name: entry.name,
          description: entry.description,
          isRead: isReadAction(entry),
          ...changedEntityOf(entry.key),
          inputSchema: entry.inputSchema,
        };
      },
    );
  }
}
