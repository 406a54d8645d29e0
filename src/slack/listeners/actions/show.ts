import type { ListenerDeps } from '../../edge.js';
import { jsonButtonListener, recordRefSchema } from './payload.js';

/** "Details" beside a record in a list: the full record card, privately. */
export function showRecord(deps: ListenerDeps) {
  return jsonButtonListener(deps, {
    kind: 'show',
    schema: recordRefSchema,
    invalid: 'That button is no longer valid. Please run the list again.',
    detail: (ref) => ref.e,
    work: (context, ref) => deps.service.show(context, ref.e, ref.id),
  });
}
