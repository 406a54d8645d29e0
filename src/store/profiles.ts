import type { Kysely } from 'kysely';
import type { CrmFindings } from '../core/ports.js';
import type { TenantProfile, TenantProfileStore } from '../core/doctor/ports.js';
import type { Database } from './schema.js';

/** Findings as stored; a row another version wrote that does not parse is as good as none. */
export function parseFindings(json: string | null): CrmFindings | undefined {
  if (!json) return undefined;
  try {
    const value = JSON.parse(json) as CrmFindings;
    return typeof value?.connectionId === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `tenant_profiles`: one row per tenant, kept while its connections come and go. */
export class SqlTenantProfiles implements TenantProfileStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(tenantKey: string): Promise<TenantProfile | undefined> {
    const row = await this.db
      .selectFrom('tenant_profiles')
      .select(['team_id', 'site_url', 'findings'])
      .where('tenant_key', '=', tenantKey)
      .executeTakeFirst();
    if (!row) return undefined;
    const findings = parseFindings(row.findings);
    return {
      tenantKey,
      teamId: row.team_id,
      ...(row.site_url ? { siteUrl: row.site_url } : {}),
      ...(findings ? { findings } : {}),
    };
  }

  setSiteUrl(tenantKey: string, teamId: string, siteUrl: string): Promise<void> {
    return this.upsert(tenantKey, teamId, { site_url: siteUrl });
  }

  saveFindings(tenantKey: string, teamId: string, findings: CrmFindings): Promise<void> {
    return this.upsert(tenantKey, teamId, { findings: JSON.stringify(findings) });
  }

  /** The conditional upsert is the lock: of two instances seeing one new connection, one changes the row. */
  async claimAutomaticCheck(tenantKey: string, teamId: string, connectionId: string): Promise<boolean> {
    const now = Date.now();
    const result = await this.db
      .insertInto('tenant_profiles')
      .values({
        tenant_key: tenantKey,
        team_id: teamId,
        site_url: null,
        findings: null,
        auto_checked_connection_id: connectionId,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .column('tenant_key')
          .doUpdateSet({ auto_checked_connection_id: connectionId, updated_at: now })
          .where((eb) =>
            eb.or([
              eb('tenant_profiles.auto_checked_connection_id', 'is', null),
              eb('tenant_profiles.auto_checked_connection_id', '!=', connectionId),
            ]),
          ),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  private async upsert(
    tenantKey: string,
    teamId: string,
    set: { site_url: string } | { findings: string },
  ): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('tenant_profiles')
      .values({
        tenant_key: tenantKey,
        team_id: teamId,
        site_url: null,
        findings: null,
        auto_checked_connection_id: null,
        updated_at: now,
        ...set,
      })
      .onConflict((oc) => oc.column('tenant_key').doUpdateSet({ ...set, updated_at: now }))
      .execute();
  }
}
