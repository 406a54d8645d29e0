import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { AppError } from '../../../core/errors.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { buttonJson, clickContext, listQuerySchema } from './payload.js';

/** Next / Previous on a list: run the page's query and replace the list in place. */
export function pageList(deps: ListenerDeps) {
  return async ({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    const query = buttonJson(action, listQuerySchema);
    await answer(
      deps,
      { kind: 'page', context, detail: query?.entity },
      respond,
      async () => {
        if (!query) throw new AppError('bad_input', 'That page link is no longer valid. Please run the list again.');
        return deps.service.list(context, query);
      },
      { replaceOriginal: true },
    );
  };
}
