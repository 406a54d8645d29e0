import type { CrmGateway, Tenant } from '../ports.js';
import type { PollCursor, Subscription } from './types.js';
import { stringOr } from './values.js';

/** EspoCRM's recordListMaxSizeLimit default: a page is at most 200 records. */
export const POLL_PAGE = 200;

/** A polled entity starts at its newest record, so subscribing never replays history. */
export async function primeCursors(
  crm: Pick<CrmGateway, 'list'>,
  tenant: Tenant,
  subscriptions: Subscription[],
  cursors: Record<string, PollCursor>,
): Promise<Record<string, PollCursor>> {
  const next = { ...cursors };
  for (const entity of new Set(subscriptions.filter((s) => s.event !== 'deleted').map((s) => s.entity))) {
    if (next[entity]) continue;
    // The newest records (several can share the newest second, all of which count as seen).
    const page = await crm.list(tenant, {
      entity,
      filters: [],
      sort: { field: 'modifiedAt', order: 'desc' },
      limit: POLL_PAGE,
      offset: 0,
    });
    const at = stringOr(page.records[0]?.fields.modifiedAt) ?? '1970-01-01 00:00:00';
    next[entity] = { at, ids: page.records.filter((r) => r.fields.modifiedAt === at).map((r) => r.id) };
  }
  return next;
}
