import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../edge.js';
import { publishHome } from '../../home.js';

/**
 * The App Home tab opened: publish the person's Home view (connection, their tasks and meetings,
 * quick buttons). Slack sends this event on every visit, so it only reads: never a connect.
 */
export function appHomeOpened(deps: ListenerDeps) {
  return async ({
    event,
    body,
    client,
    context,
  }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    // The Messages and About tabs send this event too.
    if (event.tab !== 'home') return;
    const teamId = context.teamId ?? body.team_id;
    // Bolt has acked the event; let other acks go first, then queue the work like any request's.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await deps.limiter.run(() => publishHome(deps, client, teamId, event.user));
  };
}
