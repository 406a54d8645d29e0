import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { answer, type ListenerDeps } from '../../edge.js';
import { clickContext } from './payload.js';

/** Confirm on a write preview: core claims it once, for its requester only, and runs it. */
export function confirmWrite(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    await answer(deps, { kind: 'confirm', context }, respond, () => deps.service.confirm(context, action.value ?? ''), {
      replaceOriginal: true,
    });
  };
}
