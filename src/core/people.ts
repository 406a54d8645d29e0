import type { CrmGateway, Logger, Tenant } from './ports.js';

/** How a Slack person's EspoCRM user was looked up. */
export type PersonLookup =
  | { kind: 'found'; id: string }
  /** Slack gave no email (the app lacks users:read.email, or the profile hides it). */
  | { kind: 'no_email' }
  /** No EspoCRM user has that email. */
  | { kind: 'no_match'; email: string };

export interface PersonDirectoryOptions {
  ttlMs?: number;
  maxEntries?: number;
}

/**
 * EspoCRM users found by a person's Slack email, per tenant (one tenant's EspoCRM is not
 * another's). Cached, misses included, so "my deals" and the Home tab cost one lookup an hour.
 */
export class PersonDirectory {
  /** EspoCRM user ids by tenant and email (null: no such user). */
  private readonly people = new Map<string, { id: string | null; until: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly crm: CrmGateway,
    private readonly logger: Logger,
    options: PersonDirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The person's EspoCRM user; a failed lookup throws (and is not cached). */
  async find(tenant: Tenant, email: string | undefined, now: Date): Promise<PersonLookup> {
    if (!email) return { kind: 'no_email' };
    const key = `${tenant.key}|${email.toLowerCase()}`;
    const hit = this.people.get(key);
    if (hit && hit.until > now.getTime()) return hit.id ? { kind: 'found', id: hit.id } : { kind: 'no_match', email };
    const page = await this.crm.list(tenant, {
      entity: 'User',
      filters: [{ field: 'emailAddress', op: 'equals', value: email }],
      limit: 1,
      offset: 0,
    });
    const id = page.records[0]?.id ?? null;
    if (this.people.size >= this.maxEntries) this.people.delete(this.people.keys().next().value!);
    this.people.set(key, { id, until: now.getTime() + this.ttlMs });
    return id ? { kind: 'found', id } : { kind: 'no_match', email };
  }

  /** The person's EspoCRM user id, or undefined; a failed lookup only loses "my", so it is logged, not thrown. */
  async crmUserOf(tenant: Tenant, email: string | undefined, now: Date): Promise<string | undefined> {
    try {
      const found = await this.find(tenant, email, now);
      return found.kind === 'found' ? found.id : undefined;
    } catch (error) {
      this.logger.warn({ err: error, tenant: tenant.key }, 'could not look up the EspoCRM user of a Slack user');
      return undefined;
    }
  }
}
