import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { answer, type ListenerDeps } from '../../edge.js';
import { clickContext } from './payload.js';

/** Cancel on a write preview: nothing is written, and the preview is replaced so it cannot be confirmed later. */
export function cancelWrite(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    await answer(deps, { kind: 'cancel', context }, respond, () => deps.service.cancel(context, action.value ?? ''), {
      replaceOriginal: true,
    });
  };
}
