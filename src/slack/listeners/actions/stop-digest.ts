import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { AppError } from '../../../core/errors.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { clickContext } from './payload.js';

/**
 * Stop on a digest `/espo digests` listed. The button names that one digest, so the press is the
 * confirmation: it is stopped at once (and audited) for its creator, a personal digest's owner, or
 * (a channel's) a Slack workspace admin; anyone else is told who can. The list is replaced by the outcome.
 */
export function stopDigest(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    respond,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    const id = action.value ?? '';
    await answer(
      deps,
      { kind: 'digest_stop', context, detail: id },
      respond,
      async () => {
        if (!/^[\w-]{1,64}$/.test(id))
          throw new AppError('bad_input', 'That Stop button is no longer valid. Run `/espo digests` again.');
        // Whether they are a workspace admin (who may stop a channel's digest someone else made).
        Object.assign(context, await deps.profiles.of(client, context.teamId, context.userId));
        return deps.service.submit(context, await deps.digests.planStop(context, id));
      },
      { replaceOriginal: true },
    );
  };
}
