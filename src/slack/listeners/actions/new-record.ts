import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../edge.js';
import { openForm } from '../../forms.js';
import { HOME_ACTION_IDS } from '../../render/home.js';
import { clickContext } from './payload.js';

/** The entity a "New …" button creates: ours carry it as the value; App Home's quick buttons in their id. */
const HOME_BUTTONS: Record<string, string> = { [HOME_ACTION_IDS.newLead]: 'Lead', [HOME_ACTION_IDS.newTask]: 'Task' };

/** "New lead" beside a list, or App Home's quick buttons: the create form for that entity. */
export function newRecord(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const entity = HOME_BUTTONS[action.action_id] ?? action.value ?? '';
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(entity)) return;
    await openForm(deps, client, body.trigger_id, clickContext(body), { operation: 'create', entity });
  };
}
