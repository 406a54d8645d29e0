import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../edge.js';
import { converse, messageText } from '../../converse.js';

/**
 * A message in the bot's DM, outside any thread (threaded DMs are the assistant listener's): the
 * whole DM is one conversation, remembered for a bounded time.
 */
export function directMessage(deps: ListenerDeps) {
  return async ({
    message,
    body,
    client,
    context,
  }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> => {
    // Edits, deletions, joins and bots' own posts arrive as messages too; only people's new messages count.
    if (message.channel_type !== 'im' || message.subtype !== undefined || message.bot_id || !message.user) return;
    await converse(deps, client, {
      kind: 'dm',
      teamId: context.teamId ?? body.team_id,
      userId: message.user,
      channelId: message.channel,
      threadTs: message.thread_ts,
      text: messageText(message.text ?? '', context.botUserId),
    });
  };
}
