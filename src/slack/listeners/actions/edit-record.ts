import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../edge.js';
import { openForm } from '../../forms.js';
import { buttonJson, clickContext, recordRefSchema } from './payload.js';

/** "Edit" on a record card: the update form, filled with the record's current values. */
export function editRecord(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const ref = buttonJson(action, recordRefSchema);
    if (!ref) return;
    await openForm(deps, client, body.trigger_id, clickContext(body), {
      operation: 'update',
      entity: ref.e,
      id: ref.id,
    });
  };
}
