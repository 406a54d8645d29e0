import { AppError } from '../../core/errors.js';
import type { Tenant, TenantConnectionCache } from '../../core/ports.js';
import { commandText } from '../../core/text.js';
import { isConnectionGone, refusedBeforeStart } from './errors.js';

/**
 * A write that fails with a connection error may have started: the connector raises them from
 * EspoCRM's answers (its response handlers' keys: SDK dist/index.node.mjs ~4561), after a
 * request went out. So it is never repeated; the cached connection goes, and the person is told
 * the outcome is unknown. Only "that connection does not exist" proves nothing ran.
 */
export async function guardWrite<T>(
  cache: TenantConnectionCache,
  tenant: Tenant,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!isConnectionGone(error) || refusedBeforeStart(error)) throw error;
    await cache.delete(tenant.key);
    throw new AppError(
      'outcome_unknown',
      `The EspoCRM connection failed while the change was being made, so I cannot tell whether it went through. Please check in EspoCRM; ${commandText('status')} shows the connection.`,
      { cause: error },
    );
  }
}
