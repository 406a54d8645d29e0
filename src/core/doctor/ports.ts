/** What is kept per tenant about its connection: the address an admin gave, the doctor's findings. */
import type { CrmFindings } from '../ports.js';

/** What is kept per tenant across connections: the address an admin gave, and what the doctor found. */
export interface TenantProfile {
  tenantKey: string;
  teamId: string;
  /** The EspoCRM address an admin gave with `/espo connect <url>`. */
  siteUrl?: string;
  findings?: CrmFindings;
}

export interface TenantProfileStore {
  get(tenantKey: string): Promise<TenantProfile | undefined>;
  setSiteUrl(tenantKey: string, teamId: string, siteUrl: string): Promise<void>;
  /**
   * Marks a connection as checked by the doctor on its own; false when it already was (by another
   * request or instance), so the automatic check runs once per connection.
   */
  claimAutomaticCheck(tenantKey: string, teamId: string, connectionId: string): Promise<boolean>;
}
