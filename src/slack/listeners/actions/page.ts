import type { ListenerDeps } from '../../edge.js';
import { jsonButtonListener, listQuerySchema } from './payload.js';

/** Next / Previous on a list: run the page's query and replace the list in place. */
export function pageList(deps: ListenerDeps) {
  return jsonButtonListener(deps, {
    kind: 'page',
    schema: listQuerySchema,
    invalid: 'That page link is no longer valid. Please run the list again.',
    detail: (query) => query.entity,
    work: (context, query) => deps.service.list(context, query),
    delivery: () => ({ replaceOriginal: true }),
  });
}
