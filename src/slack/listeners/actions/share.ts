import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { AppError } from '../../../core/errors.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { buttonJson, clickContext, shareTargetSchema } from './payload.js';

/**
 * "Share in channel": reads are private until the person chooses to share. The read runs again
 * (so the channel sees current data, with the clicker's access) and is posted for everyone.
 */
export function shareInChannel(deps: ListenerDeps) {
  return async ({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    const target = buttonJson(action, shareTargetSchema);
    await answer(
      deps,
      { kind: 'share', context, detail: target?.t },
      respond,
      async () => {
        if (!target) throw new AppError('bad_input', 'That share button is no longer valid. Please run the command again.');
        return target.t === 'list' ? deps.service.list(context, target.q) : deps.service.show(context, target.e, target.id);
      },
      { responseType: 'in_channel', replaceOriginal: false, render: { sharedBy: context.userId } },
    );
  };
}
