import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../edge.js';
import { converse, messageText } from '../../converse.js';

/** "@espo show my open deals" in a channel: answered in the thread the mention starts or is in. */
export function appMention(deps: ListenerDeps) {
  return async ({
    event,
    body,
    client,
    context,
  }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    // Other bots mentioning us could start a loop; only people are answered.
    if (event.bot_id || !event.user) return;
    await converse(deps, client, {
      kind: 'mention',
      // The workspace the bot serves here, not the author's own (Slack Connect brings other teams).
      teamId: context.teamId ?? body.team_id,
      userId: event.user,
      channelId: event.channel,
      threadTs: event.thread_ts ?? event.ts,
      startsThread: !event.thread_ts,
      text: messageText(event.text, context.botUserId),
    });
  };
}
