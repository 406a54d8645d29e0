import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { AppError } from '../../../core/errors.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { buttonJson, clickContext, recordRefSchema } from './payload.js';

/** "Details" beside a record in a list: the full record card, privately. */
export function showRecord(deps: ListenerDeps) {
  return async ({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    const ref = buttonJson(action, recordRefSchema);
    await answer(deps, { kind: 'show', context, detail: ref?.e }, respond, async () => {
      if (!ref) throw new AppError('bad_input', 'That button is no longer valid. Please run the list again.');
      return deps.service.show(context, ref.e, ref.id);
    });
  };
}
