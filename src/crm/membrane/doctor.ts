import type { CrmFindings, DoctorCheck, Examination, Tenant, TenantConnectionCache } from '../../core/ports.js';
import { toPage } from '../action-io.js';
import { checkEspoApi } from '../espo/api-checks.js';
import {
  catalogCheck,
  listActionsCheck,
  listPaging,
  PACKAGE_ACTIONS,
  probeInput,
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
 * Harmless reads against the live connection, one check per assumption: EspoCRM's REST API through
 * the proxy (espo/api-checks.ts), then which actions exist and how their lists page. What it finds
 * is kept for the tenant (its profile), and the gateway works with it from then on.
 */
export async function examine(parts: DoctorParts, tenant: Tenant): Promise<Examination> {
  const connection = await parts.connections.readyConnection(tenant, true);
  const { connectionId } = connection;
  const checkedAt = Date.now();
  const words = (error: unknown, what: string) => toCrmError(error, { what, isWrite: false }).userMessage;
  const api = await checkEspoApi({
    get: (path) => parts.proxy.forward(tenant, connectionId, { method: 'GET', path }, true),
    statusOf: httpStatus,
    words,
  });
  const findings: CrmFindings = { connectionId, checkedAt, ...api.found };
  const checks: DoctorCheck[] = api.checks;

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
