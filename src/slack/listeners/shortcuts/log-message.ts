import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { LOG_KINDS } from '../../../core/writes/message-log.js';
import { messageText } from '../../converse.js';
import type { ListenerDeps } from '../../edge.js';
import { logMessageView } from '../../render/modal.js';

/** "Log to EspoCRM" on any message: the form opens at once, filled from the message. */
export function logMessageShortcut(deps: ListenerDeps) {
  return async ({
    ack,
    shortcut,
    client,
    context,
  }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const text = messageText(shortcut.message.text ?? '', context.botUserId);
    const subject = text.split(/(?<=[.!?])\s|\n/, 1)[0] || 'Slack message';
    const metadata = JSON.stringify({ c: shortcut.channel.id, ts: shortcut.message.ts ?? shortcut.message_ts });
    try {
      await client.views.open({
        trigger_id: shortcut.trigger_id,
        view: logMessageView({ kinds: LOG_KINDS, subject, body: text, metadata }) as never,
      });
    } catch (error) {
      deps.logger.warn({ err: error, team: shortcut.team?.id, user: shortcut.user.id }, 'could not open the log form');
    }
  };
}
