import { AppError } from '../errors.js';
import type { Logger } from '../ports.js';
import type { TenantProfileStore } from './ports.js';
import { commandText } from '../text.js';

/**
 * Each tenant's EspoCRM address: where record links point, and which shared links are its records.
 * In order: the address an admin gave (`/espo connect https://crm.acme.com`), EspoCRM's own
 * `siteUrl` setting (the doctor reads it, as EspoCRM's e-mails use it), and ESPOCRM_URL, the
 * default of a one-workspace install. Read often (every reply renders links), so kept briefly.
 */
export type SiteSource = 'stated' | 'espocrm' | 'default';

export interface Site {
  url: string;
  source: SiteSource;
}

export interface SiteDirectoryDeps {
  profiles: Pick<TenantProfileStore, 'get' | 'setSiteUrl'>;
  /** ESPOCRM_URL, without a trailing slash. */
  defaultUrl?: string;
  logger: Logger;
  /** How long an address is reused before the store is asked again (another instance may have changed it). */
  ttlMs?: number;
}

const MAX_REMEMBERED = 10_000;

export class SiteDirectory {
  private readonly memo = new Map<string, { addresses: Site[]; until: number }>();

  constructor(private readonly deps: SiteDirectoryDeps) {}

  /** The address record links use; undefined when none is known (links are then left out). */
  async siteOf(tenantKey: string): Promise<Site | undefined> {
    return (await this.addressesOf(tenantKey))[0];
  }

  async urlOf(tenantKey: string): Promise<string | undefined> {
    return (await this.siteOf(tenantKey))?.url;
  }

  /**
   * Every address whose record links are this tenant's, first the one links use. ESPOCRM_URL counts
   * only while nothing of the tenant's own is known: in a multi-workspace install it is another
   * workspace's address. Never throws: without the store, the default stands.
   */
  async addressesOf(tenantKey: string): Promise<Site[]> {
    const hit = this.memo.get(tenantKey);
    if (hit && hit.until > Date.now()) return hit.addresses;
    let addresses: Site[];
    try {
      const profile = await this.deps.profiles.get(tenantKey);
      const learned = profile?.findings?.siteUrl && usableSiteUrl(profile.findings.siteUrl);
      addresses = [
        ...(profile?.siteUrl ? [{ url: profile.siteUrl, source: 'stated' as const }] : []),
        ...(learned && learned !== profile?.siteUrl ? [{ url: learned, source: 'espocrm' as const }] : []),
      ];
    } catch (error) {
      this.deps.logger.warn(
        { err: error, tenant: tenantKey },
        "could not read the tenant's EspoCRM address; using ESPOCRM_URL",
      );
      return this.defaults();
    }
    if (!addresses.length) addresses = this.defaults();
    if (this.memo.size >= MAX_REMEMBERED) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(tenantKey, { addresses, until: Date.now() + (this.deps.ttlMs ?? 30_000) });
    return addresses;
  }

  /** `/espo connect <url>`: the address an admin gave, from now on this tenant's. */
  async state(tenantKey: string, teamId: string, url: string): Promise<string> {
    const normalized = siteUrlOf(url);
    await this.deps.profiles.setSiteUrl(tenantKey, teamId, normalized);
    this.memo.delete(tenantKey);
    return normalized;
  }

  /** Forgets what this instance remembers, after the doctor learned something. */
  refresh(tenantKey: string): void {
    this.memo.delete(tenantKey);
  }

  private defaults(): Site[] {
    return this.deps.defaultUrl ? [{ url: this.deps.defaultUrl, source: 'default' }] : [];
  }
}

/**
 * An EspoCRM address as links are built on it: http(s), no credentials, query or fragment, no
 * trailing slash (a path is kept: EspoCRM may live under one). Anything else is bad input.
 */
export function siteUrlOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new AppError(
      'bad_input',
      `\`${text}\` is not a web address. Give your EspoCRM's address, like ${commandText('connect https://crm.example.com')}.`,
    );
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash
  ) {
    throw new AppError(
      'bad_input',
      "Give your EspoCRM's address as you open it in a browser, like `https://crm.example.com`: no login, query or `#` part.",
    );
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * EspoCRM's own `siteUrl`, if people in Slack could open it: a local address (EspoCRM installed as
 * `http://localhost`, often the case behind a proxy) would make every link dead.
 */
export function usableSiteUrl(text: string): string | undefined {
  try {
    const url = siteUrlOf(text);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const local =
      host === 'localhost' ||
      host.endsWith('.localhost') ||
      /^127\./.test(host) ||
      host === '0.0.0.0' ||
      host === '::1';
    return local ? undefined : url;
  } catch {
    return undefined;
  }
}
