import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { RequestContext } from '../../../core/ports.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { openForm } from '../../forms.js';
import { unescape } from '../../render/mrkdwn.js';

/**
 * `/espo ...`: acknowledge at once (Slack allows 3 s), then do the work and reply through
 * response_url. `create lead` or `update deal <id>` without fields opens a form instead.
 */
export function espoCommand(deps: ListenerDeps) {
  return async ({ ack, command, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context: RequestContext = { teamId: command.team_id, userId: command.user_id, channelId: command.channel_id };
    const text = unescape(command.text);
    const form = deps.forms.requestOf(text);
    if (form) return openForm(deps, client, command.trigger_id, context, form);
    const subcommand = text.trim().split(/\s+/, 1)[0]?.toLowerCase() || 'help';
    const request = { kind: 'command', context, detail: subcommand };
    await answer(
      deps,
      request,
      respond,
      async () => {
        // Inside the queued work: a users.info call must not sit between the ack and the queue.
        // The edge sees the profile too: it decides who may be shown a connect link.
        Object.assign(context, await deps.profiles.of(client, command.team_id, command.user_id));
        return deps.service.handle(context, text);
      },
      { client },
    );
  };
}
