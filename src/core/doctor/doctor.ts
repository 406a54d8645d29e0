import type { CrmFindings, CrmGateway, DoctorCheck, Logger, Tenant } from '../ports.js';
import type { TenantProfileStore } from './ports.js';
import type { Reply } from '../replies.js';
import { usableSiteUrl, type SiteDirectory } from './sites.js';
import { commandText } from '../text.js';

export interface DoctorDeps {
  crm: Pick<CrmGateway, 'examine'>;
  profiles: Pick<TenantProfileStore, 'claimAutomaticCheck'>;
  sites: SiteDirectory;
  /** Sends a person a direct message: where an automatic check reports its problems. */
  tell(teamId: string, userId: string, reply: Reply): Promise<void>;
  /** Runs work in the background, bounded like every request (the WorkLimiter). */
  schedule(work: () => Promise<void>): Promise<void>;
  logger: Logger;
}

/**
 * `/espo doctor`: each assumption the bot makes about the tenant's connection, checked with
 * harmless reads (the gateway's `examine`), plus where record links point. It also runs by itself
 * once per new connection the bot finds READY, and then tells the person whose request found it
 * only about problems someone has to act on.
 */
export class DoctorService {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: DoctorDeps) {}

  async examine(tenant: Tenant): Promise<Reply> {
    return { kind: 'doctor', checks: await this.checks(tenant), automatic: false };
  }

  /** The gateway found a connection READY that nothing is known about: check it, once per connection. */
  afterReady(tenant: Tenant, connectionId: string): void {
    const run = this.deps
      .schedule(() => this.checkNewConnection(tenant, connectionId))
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, tenant: tenant.key }, 'the automatic connection check failed'),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves when the automatic checks under way have ended (shutdown waits for them). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }

  private async checkNewConnection(tenant: Tenant, connectionId: string): Promise<void> {
    if (!(await this.deps.profiles.claimAutomaticCheck(tenant.key, tenant.teamId, connectionId))) return;
    const problems = (await this.checks(tenant)).filter((check) => check.status === 'problem');
    this.deps.logger.info(
      { kind: 'doctor', tenant: tenant.key, connection: connectionId, problems: problems.map((check) => check.name) },
      'checked a new EspoCRM connection',
    );
    if (problems.length)
      await this.deps.tell(tenant.teamId, tenant.userId, { kind: 'doctor', checks: problems, automatic: true });
  }

  private async checks(tenant: Tenant): Promise<DoctorCheck[]> {
    const { checks, findings } = await this.deps.crm.examine(tenant);
    this.deps.sites.refresh(tenant.key);
    return [...checks, await this.linksCheck(tenant, findings)];
  }

  /** Where record links point, and whether EspoCRM's own setting agrees. */
  private async linksCheck(tenant: Tenant, findings: CrmFindings): Promise<DoctorCheck> {
    const name = 'Record links';
    const site = await this.deps.sites.siteOf(tenant.key);
    const own = findings.siteUrl;
    const usable = own ? usableSiteUrl(own) : undefined;
    const toSet = `Set it with ${commandText('connect https://your-crm.example.com')}.`;
    if (!site) {
      return {
        name,
        status: 'problem',
        detail: `No EspoCRM address is known${own ? ` (EspoCRM's own is \`${own}\`, which people in Slack cannot open)` : ''}, so records show without links and shared links get no previews. ${toSet}`,
      };
    }
    const previews = `Previews of shared links need \`${new URL(site.url).host}\` among the Slack app's unfurl domains.`;
    switch (site.source) {
      case 'stated':
        return {
          name,
          status: 'ok',
          detail: `Links go to ${site.url}, the address given with ${commandText('connect')}${usable && usable !== site.url ? ` (EspoCRM's own setting says ${usable})` : ''}. ${previews}`,
        };
      case 'espocrm':
        return { name, status: 'ok', detail: `Links go to ${site.url}, EspoCRM's own site URL. ${previews}` };
      case 'default':
        return own && !usable
          ? {
              name,
              status: 'adapted',
              detail: `EspoCRM's own site URL is \`${own}\`, which people in Slack cannot open: links go to ${site.url} (ESPOCRM_URL). ${previews}`,
            }
          : { name, status: 'ok', detail: `Links go to ${site.url} (ESPOCRM_URL). ${previews}` };
    }
  }
}
