import type { AssistantUserMessageMiddleware } from '@slack/bolt';
import type { ListenerDeps } from '../../edge.js';
import { converse, messageText } from '../../converse.js';

const MAX_TITLE = 60;

/**
 * A message in an assistant thread (or any threaded DM, which Slack delivers the same way):
 * "thinking…" while we work, the thread titled after its first request.
 */
export function assistantUserMessage(deps: ListenerDeps): AssistantUserMessageMiddleware {
  return async ({ message, body, client, context, setStatus, setTitle }) => {
    if (!('user' in message) || !message.user || ('bot_id' in message && message.bot_id) || !('thread_ts' in message))
      return;
    const text = messageText(('text' in message ? message.text : undefined) ?? '', context.botUserId);
    await converse(
      deps,
      client,
      {
        kind: 'assistant',
        teamId: context.teamId ?? (body as { team_id?: string }).team_id ?? '',
        userId: message.user,
        channelId: message.channel,
        threadTs: message.thread_ts,
        text,
      },
      {
        before: () => setStatus('is looking in EspoCRM…'),
        after: async (result) => {
          if (result.firstTurn && text)
            await setTitle(text.length > MAX_TITLE ? `${text.slice(0, MAX_TITLE - 1)}…` : text);
        },
      },
    );
  };
}
