import { Assistant, type App, type BlockAction, type ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../edge.js';
import { ACTION_IDS } from '../render/reply.js';
import { cancelWrite } from './actions/cancel.js';
import { confirmWrite } from './actions/confirm.js';
import { acknowledgeLinkClick } from './actions/open-link.js';
import { pageList } from './actions/page.js';
import { shareInChannel } from './actions/share.js';
import { showRecord } from './actions/show.js';
import { assistantThreadStarted } from './assistant/thread-started.js';
import { assistantUserMessage } from './assistant/user-message.js';
import { espoCommand } from './commands/espo.js';
import { appMention } from './events/app-mention.js';
import { directMessage } from './events/direct-message.js';

type Button = BlockAction<ButtonAction>;

export function registerListeners(app: App, deps: ListenerDeps, command = '/espo'): void {
  app.command(command, espoCommand(deps));
  app.action<Button>(ACTION_IDS.confirm, confirmWrite(deps));
  app.action<Button>(ACTION_IDS.cancel, cancelWrite(deps));
  app.action<Button>(new RegExp(`^${ACTION_IDS.page}:`), pageList(deps));
  app.action<Button>(ACTION_IDS.share, shareInChannel(deps));
  app.action<Button>(ACTION_IDS.show, showRecord(deps));
  app.action(ACTION_IDS.openLink, acknowledgeLinkClick());

  // The assistant goes first: it takes every threaded DM message; the DM listener gets the rest.
  app.assistant(
    new Assistant({
      // Bolt's default context store keeps one context for all threads in process memory and reads
      // Slack for it on every reply; we use no thread context, so it keeps nothing.
      threadContextStore: { get: async () => ({}), save: async () => undefined },
      threadStarted: assistantThreadStarted(),
      userMessage: assistantUserMessage(deps),
    }),
  );
  app.event('app_mention', appMention(deps));
  app.message(directMessage(deps));
}
