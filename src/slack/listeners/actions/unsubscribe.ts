import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { answer, type ListenerDeps } from '../../edge.js';
import { clickContext } from './payload.js';

/**
 * "Unsubscribe" beside a subscription in `/espo subscriptions`: the same as `/espo unsubscribe <id>`, with its Confirm.
 */
export function unsubscribeButton(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    respond,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    const id = /^[\w-]{1,64}$/.test(action.value ?? '') ? action.value! : 'invalid';
    await answer(deps, { kind: 'unsubscribe', context, detail: id }, respond, async () => {
      // Guests may not change subscriptions: the profile says who is one.
      Object.assign(context, await deps.profiles.of(client, context.teamId, context.userId));
      return deps.service.handle(context, `unsubscribe ${id}`);
    });
  };
}
