import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { answer, type ListenerDeps } from '../../edge.js';
import { resultSender } from '../../forms.js';
import { publishHome } from '../../home.js';
import { clickContext } from './payload.js';

/**
 * App Home's Connect / Reconnect: the `/espo connect` flow. Home has no channel to answer in, so
 * the answer (a connect link, the status, or "ask an admin") goes to the person's DM with the bot,
 * which only they see; then their Home tab is published again to show where the connection stands.
 */
export function homeConnect(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    await answer(deps, { kind: 'home_connect', context }, resultSender(client, context.userId), async () => {
      // As for `/espo connect`: the profile says whether this person may have a shared connection's link.
      Object.assign(context, await deps.profiles.of(client, context.teamId, context.userId));
      return deps.service.handle(context, 'connect');
    });
    await deps.limiter.run(() => publishHome(deps, client, context.teamId, context.userId));
  };
}
