import type { ListenerDeps } from '../../edge.js';
import { jsonButtonListener, recordRefSchema } from './payload.js';

/** "Mark done" on a task alert: the usual preview (status → Completed), written on the clicker's Confirm. */
export function markTaskDone(deps: ListenerDeps) {
  return jsonButtonListener(deps, {
    kind: 'alert_mark_done',
    schema: recordRefSchema,
    invalid: 'That button is no longer valid.',
    detail: (ref) => ref.e,
    work: (context, ref) => deps.service.proposeUpdate(context, ref.e, ref.id, { status: 'Completed' }),
  });
}
