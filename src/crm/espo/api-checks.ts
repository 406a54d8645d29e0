import type { CrmFindings, DoctorCheck } from '../../core/ports.js';
import { isObject } from '../action-io.js';
import { DEFAULT_MAX_PAGE_SIZE, settingsOf } from '../examination.js';

/** How the doctor reads EspoCRM's REST API, whatever carries the calls. */
export interface EspoApiReader {
  /** A GET of a path after the connection's base URL. */
  get(path: string): Promise<unknown>;
  /** The HTTP status behind a failed GET, if it had one. */
  statusOf(error: unknown): number | undefined;
  /** A failure in words for the person. */
  words(error: unknown, what: string): string;
}

/**
 * The doctor's checks of EspoCRM's REST API: where its base path is (the connection may point at the
 * site rather than the API), what its settings say (address, version, page limit) and whether the
 * API user may manage webhooks. What they find goes into the tenant's findings.
 */
export async function checkEspoApi(
  reader: EspoApiReader,
): Promise<{ checks: DoctorCheck[]; found: Partial<CrmFindings> }> {
  const found: Partial<CrmFindings> = {};
  const checks: DoctorCheck[] = [];
  // EspoCRM's API answers /User with a list. A 404, or a page that is not one (the site's own
  // front page), means the connection's base URL is the site: its API is under /api/v1.
  let refusal: unknown;
  for (const prefix of ['', '/api/v1'] as const) {
    try {
      const output = await reader.get(`${prefix}/User?maxSize=1`);
      if (isObject(output) && Array.isArray(output.list)) {
        found.proxyPrefix = prefix;
        break;
      }
    } catch (error) {
      if (reader.statusOf(error) !== 404) refusal ??= error;
    }
  }
  if (found.proxyPrefix === '')
    checks.push({
      name: 'REST proxy',
      status: 'ok',
      detail: "`GET /User?maxSize=1` answers through the proxy: the connection points at EspoCRM's API.",
    });
  else if (found.proxyPrefix)
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
      detail: `\`GET /User?maxSize=1\` does not answer through the proxy, with or without \`/api/v1\`${refusal ? `: ${reader.words(refusal, 'read users')}` : '.'} Lists of meetings, calls and cases, deletes, alerts and digests need it.`,
    });

  if (found.proxyPrefix !== undefined) {
    const prefix = found.proxyPrefix;
    const settings = settingsOf(await reader.get(`${prefix}/Settings`).catch(() => undefined));
    Object.assign(found, settings);
    try {
      const webhooks = await reader.get(`${prefix}/Webhook?maxSize=1`);
      found.webhooks = 'allowed';
      const total = isObject(webhooks) && typeof webhooks.total === 'number' ? webhooks.total : undefined;
      checks.push({
        name: 'Webhooks',
        status: 'ok',
        detail: `The API user may manage webhooks${total === undefined ? '' : ` (${total} of EspoCRM's 50 per user in use)`}: alerts can arrive at once.`,
      });
    } catch (error) {
      if (reader.statusOf(error) === 403) {
        found.webhooks = 'refused';
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
          detail: `Could not tell whether the API user may manage webhooks: ${reader.words(error, 'read webhooks')}`,
        });
      }
    }
    const pageSize = settings.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
    found.maxPageSize = pageSize;
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
  return { checks, found };
}
