import { systemErrorCode, type SettingCheck } from '../../config/setting-error.js';
import { membraneClient, type MembraneCredentials } from './client.js';
import { httpStatus } from './errors.js';

/** What Membrane says about the tenant a check acted as (SDK `TenantSelfResponse`). */
export interface MembraneSelf {
  /** The customer's name in Membrane. */
  customer?: string;
}

/**
 * Proves the Membrane credentials with the SDK's cheapest authenticated read, `client.self.get()`
 * (`GET /self`: the customer the token acts for), as `tenantKey`, a tenant the bot serves anyway:
 * Membrane adds a customer the first time a token names it, so a made-up tenant would leave one
 * behind. Nothing else is created. 401 or 403 (or Membrane's not_authenticated / access_denied) is
 * a refusal naming the variables; no answer, a 5xx or anything odd is "unavailable".
 */
export async function checkMembrane(
  options: { apiUri: string; credentials: MembraneCredentials; timeoutMs: number },
  tenantKey: string,
): Promise<SettingCheck<MembraneSelf>> {
  const client = membraneClient(options.credentials, options.apiUri, tenantKey, options.timeoutMs);
  try {
    const self = (await client.get('/self')) as { name?: unknown } | undefined;
    return { outcome: 'ok', value: typeof self?.name === 'string' ? { customer: self.name } : {} };
  } catch (error) {
    const failure = error as {
      isMembraneError?: boolean;
      data?: { key?: unknown; message?: unknown };
      code?: unknown;
      message?: unknown;
    };
    const status = httpStatus(error);
    const key = failure?.isMembraneError ? failure.data?.key : undefined;
    if (status === 401 || status === 403 || key === 'not_authenticated' || key === 'access_denied') {
      const said = [status && `HTTP ${status}`, key, typeof failure?.message === 'string' && failure.message]
        .filter(Boolean)
        .join(', ');
      return {
        outcome: 'refused',
        variables:
          options.credentials.kind === 'token'
            ? ['MEMBRANE_TOKEN']
            : ['MEMBRANE_WORKSPACE_KEY', 'MEMBRANE_WORKSPACE_SECRET'],
        message:
          options.credentials.kind === 'token'
            ? `MEMBRANE_TOKEN was refused by Membrane at ${options.apiUri} (${said}): use a current access token of your Membrane workspace, or set MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET instead`
            : `MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET were refused by Membrane at ${options.apiUri} (${said}): copy both from the Membrane console (Settings) of the workspace with the EspoCRM integration`,
        cause: error,
      };
    }
    // axios says ECONNABORTED when its timeout ends the request.
    const what = status
      ? `HTTP ${status}`
      : failure?.code === 'ECONNABORTED'
        ? `no answer in ${options.timeoutMs} ms`
        : (systemErrorCode(error) ?? String(failure?.message ?? error));
    return { outcome: 'unreachable', reason: `${what} at ${options.apiUri}` };
  } finally {
    client.retrieveLogs();
  }
}
