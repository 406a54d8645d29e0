import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { RELATED_ENTITIES } from '../../../core/writes/message-log.js';
import type { ListenerDeps } from '../../edge.js';
import { searchView } from '../../render/modal.js';

/** App Home's Search button: a small form; the results arrive in the person's DM with the bot. */
export function homeSearch(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const kinds = [...RELATED_ENTITIES, 'Task'].map((name) => deps.forms.entityOf(name));
    await client.views
      .open({ trigger_id: body.trigger_id, view: searchView(kinds) as never })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not open the search form'));
  };
}
