import { toAppError, type ErrorCode } from '../errors.js';
import type { CrmGateway, CrmRecord, EntityDirectory, EntityInfo, RequestContext, Tenant } from '../ports.js';
import type { SiteDirectory } from '../doctor/sites.js';

/** Most links one shared message gets previews for. */
export const MAX_UNFURLS = 5;

/** A link to one record in the team's own EspoCRM, as it was shared. */
export interface RecordLink {
  /** Exactly as Slack sent it: the key Slack matches the preview by. */
  url: string;
  entity: EntityInfo;
  id: string;
}

export interface RecordPreview {
  url: string;
  entity: EntityInfo;
  record: CrmRecord;
}

export type UnfurlOutcome =
  /** None of the links is a record in this team's EspoCRM: nothing was asked of anyone. */
  | { state: 'no_links' }
  /** The tenant has no READY connection: nothing was read, and no connection was started. */
  | { state: 'not_connected'; links: number }
  /**
   * Records that could be read; the rest (missing, forbidden, failing) are skipped with why. `siteUrl`: where the
   * previews link to.
   */
  | { state: 'read'; previews: RecordPreview[]; skipped: { entity: string; code: ErrorCode }[]; siteUrl: string };

export interface UnfurlServiceDeps {
  crm: Pick<CrmGateway, 'isConnected' | 'get'>;
  entities: EntityDirectory;
  /** Whose connection a request uses (CommandService.tenantFor): the workspace, or the person in user scope. */
  tenantFor(context: RequestContext): Tenant;
  /** Each tenant's EspoCRM addresses; a tenant without one has no record links. */
  sites: Pick<SiteDirectory, 'addressesOf'>;
}

/**
 * Link previews: a link to a record in the sharer's own EspoCRM, shared in Slack, becomes the
 * record's key fields. Only that tenant's EspoCRM addresses count (never another host, nor a
 * lookalike, nor another workspace's EspoCRM), and only for a tenant that is already connected:
 * a pasted link never starts a connection.
 */
export class UnfurlService {
  constructor(private readonly deps: UnfurlServiceDeps) {}

  /**
   * Whether any link looks like a record's web address at all: the cheap first look, before any tenant's addresses are
   * read.
   */
  mayHaveRecordLinks(urls: readonly string[]): boolean {
    return urls.some((raw) => {
      const record = this.deps.entities.recordAt(parseUrl(raw)?.hash ?? '');
      return Boolean(record && this.deps.entities.isRecordType(record.entity));
    });
  }

  /** The links that name a record at one of `siteUrls`, each once, at most MAX_UNFURLS. */
  recordLinks(urls: readonly string[], siteUrls: readonly string[]): RecordLink[] {
    const sites = siteUrls.flatMap((siteUrl) => {
      const site = parseUrl(siteUrl);
      return site ? [{ protocol: site.protocol, host: site.host, path: trimSlashes(site.pathname) }] : [];
    });
    const found = new Map<string, RecordLink>();
    for (const url of urls) {
      if (found.size >= MAX_UNFURLS) break;
      const link = this.recordLink(url, sites);
      if (link && !found.has(url)) found.set(url, link);
    }
    return [...found.values()];
  }

  private recordLink(raw: string, sites: { protocol: string; host: string; path: string }[]): RecordLink | undefined {
    const url = sites.length ? parseUrl(raw) : undefined;
    if (!url) return undefined;
    // URL normalizes case and default ports, so a lookalike (crm.example.com.evil.net, a userinfo
    // trick like https://crm.example.com@evil.net) never compares equal to a known host.
    const ours = sites.some(
      (site) =>
        url.protocol === site.protocol &&
        url.host === site.host &&
        !url.username &&
        !url.password &&
        trimSlashes(url.pathname) === site.path &&
        !url.search,
    );
    const record = ours ? this.deps.entities.recordAt(url.hash) : undefined;
    if (!record || !this.deps.entities.isRecordType(record.entity)) return undefined;
    return { url: raw, entity: this.deps.entities.resolve(record.entity), id: record.id };
  }

  /** Reads the records the links name, in parallel, for the tenant of who shared them. */
  async previews(context: RequestContext, urls: readonly string[]): Promise<UnfurlOutcome> {
    if (!this.mayHaveRecordLinks(urls)) return { state: 'no_links' };
    const tenant = this.deps.tenantFor(context);
    const sites = await this.deps.sites.addressesOf(tenant.key);
    const links = this.recordLinks(
      urls,
      sites.map((site) => site.url),
    );
    if (!links.length) return { state: 'no_links' };
    if (!(await this.deps.crm.isConnected(tenant))) return { state: 'not_connected', links: links.length };
    const reads = await Promise.allSettled(links.map((link) => this.deps.crm.get(tenant, link.entity.name, link.id)));
    const previews: RecordPreview[] = [];
    const skipped: { entity: string; code: ErrorCode }[] = [];
    reads.forEach((read, i) => {
      const link = links[i]!;
      if (read.status === 'fulfilled') previews.push({ url: link.url, entity: link.entity, record: read.value });
      else skipped.push({ entity: link.entity.name, code: toAppError(read.reason).code });
    });
    return { state: 'read', previews, skipped, siteUrl: sites[0]!.url };
  }
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}
