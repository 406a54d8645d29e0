import type { CrmFindings, DoctorCheck, Examination, Tenant, TenantConnectionCache } from '../../core/ports.js';
import { isObject, toPage } from '../action-io.js';
import {
  catalogCheck,
  DEFAULT_MAX_PAGE_SIZE,
  listActionsCheck,
  listPaging,
  PACKAGE_ACTIONS,
  probeInput,
  settingsOf,
  unusable,
  type ListProbe,
} from '../examination.js';
import type { MembraneActions } from './actions.js';
import type { ActionCatalog } from './catalog.js';
import type { MembraneConnections } from './connections.js';
import { httpStatus, toCrmError } from './errors.js';
import type { MembraneProxy } from './proxy.js';

/** What the doctor looks through. */
export interface DoctorParts {
  connections: MembraneConnections;
  catalog: ActionCatalog;
  actions: MembraneActions;
  proxy: MembraneProxy;
  cache: TenantConnectionCache;
}

/**
 * Harmless reads against the live connection, one check per assumption: where the proxy's base
 * path is, what EspoCRM's settings say (its address, version, page limit), whether the API user
 * may manage webhooks, which actions exist and how their lists page. What it finds is kept for
 * the tenant (its profile), and the gateway works with it from then on.
 */
export async function examine(parts: DoctorParts, tenant: Tenant): Promise<Examination> {
  const connection = await parts.connections.readyConnection(tenant, true);
  const { connectionId } = connection;
  const findings: CrmFindings = { connectionId, checkedAt: Date.now() };
  const get = (path: string) => parts.proxy.forward(tenant, connectionId, { method: 'GET', path }, true);
  const words = (error: unknown, what: string) => toCrmError(error, { what, isWrite: false }).userMessage;
  const checks: DoctorCheck[] = [];

  // EspoCRM's API answers /User with a list. A 404, or a page that is not one (the site's own
  // front page), means the connection's base URL is the site: its API is under /api/v1.
  let refusal: unknown;
  for (const prefix of ['', '/api/v1'] as const) {
    try {
      const output = await get(`${prefix}/User?maxSize=1`);
      if (isObject(output) && Array.isArray(output.list)) {
        findings.proxyPrefix = prefix;
        break;
      }
    } catch (error) {
      if (httpStatus(error) !== 404) refusal ??= error;
    }
  }
  if (findings.proxyPrefix === '')
    checks.push({
      name: 'REST proxy',
      status: 'ok',
      detail: "`GET /User?maxSize=1` answers through the proxy: the connection points at EspoCRM's API.",
    });
  else if (findings.proxyPrefix)
    checks.push({
      name: 'REST proxy',
      status: 'adapted',
      detail:
        'The connection points at the EspoCRM site, not its API: `GET /api/v1/User?maxSize=1` answers, so the bot puts `/api/v1` before every REST path.',
    });
  else
    checks.push({
      name: 'REST proxy',
      status: 'problem',
      detail: `\`GET /User?maxSize=1\` does not answer through the proxy, with or without \`/api/v1\`${refusal ? `: ${words(refusal, 'read users')}` : '.'} Lists of meetings, calls and cases, deletes, alerts and digests need it.`,
    });

  if (findings.proxyPrefix !== undefined) {
    const prefix = findings.proxyPrefix;
    const settings = settingsOf(await get(`${prefix}/Settings`).catch(() => undefined));
    Object.assign(findings, settings);
    try {
      const webhooks = await get(`${prefix}/Webhook?maxSize=1`);
      findings.webhooks = 'allowed';
      const total = isObject(webhooks) && typeof webhooks.total === 'number' ? webhooks.total : undefined;
      checks.push({
        name: 'Webhooks',
        status: 'ok',
        detail: `The API user may manage webhooks${total === undefined ? '' : ` (${total} of EspoCRM's 50 per user in use)`}: alerts can arrive at once.`,
      });
    } catch (error) {
      if (httpStatus(error) === 403) {
        findings.webhooks = 'refused';
        checks.push({
          name: 'Webhooks',
          status: 'adapted',
          detail:
            'The API user may not manage webhooks (403), so alerts are polled. For alerts at once, give its role access to Webhooks (EspoCRM: Administration → Roles).',
        });
      } else {
        checks.push({
          name: 'Webhooks',
          status: 'adapted',
          detail: `Could not tell whether the API user may manage webhooks: ${words(error, 'read webhooks')}`,
        });
      }
    }
    const pageSize = settings.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
    findings.maxPageSize = pageSize;
    checks.push(
      pageSize >= DEFAULT_MAX_PAGE_SIZE
        ? {
            name: 'Page size',
            status: 'ok',
            detail: `EspoCRM serves up to ${pageSize} records a page (recordListMaxSizeLimit${settings.maxPageSize ? '' : ', its default'}): alert polling reads ${DEFAULT_MAX_PAGE_SIZE} at a time.`,
          }
        : {
            name: 'Page size',
            status: 'adapted',
            detail: `EspoCRM serves at most ${pageSize} records a page (recordListMaxSizeLimit): alert polling and long lists read ${pageSize} at a time.`,
          },
    );
    checks.push(
      settings.version
        ? { name: 'EspoCRM version', status: 'ok', detail: `EspoCRM ${settings.version}.` }
        : { name: 'EspoCRM version', status: 'adapted', detail: "EspoCRM's settings do not say its version." },
    );
  }

  const catalog = await parts.catalog.of(tenant, connection, true);
  checks.push(catalogCheck(catalog));
  const probes = await Promise.all(
    catalog
      .filter((entry) => entry.key.startsWith('list-') && PACKAGE_ACTIONS.includes(entry.key))
      .map(async (entry): Promise<ListProbe> => {
        const paging = listPaging(entry.inputSchema);
        const input = probeInput(entry.inputSchema);
        if (!paging || !input) return { key: entry.key };
        try {
          const output = await parts.actions.run(tenant, entry.key, input, connectionId, true);
          return {
            key: entry.key,
            paging,
            readable: toPage(output, { entity: 'User', filters: [], limit: 1, offset: 0 }) !== undefined,
          };
        } catch (error) {
          return { key: entry.key, paging, failure: words(error, `run ${entry.key}`) };
        }
      }),
  );
  checks.push(listActionsCheck(probes));
  const avoid = unusable(probes);
  if (avoid.length) findings.unusableActions = avoid;

  await parts.cache.putFindings(tenant.key, tenant.teamId, findings);
  return { checks, findings };
}
