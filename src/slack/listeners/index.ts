import { Assistant, type App, type BlockAction, type ButtonAction, type MessageShortcut } from '@slack/bolt';
import type { ListenerDeps } from '../edge.js';
import { ACTION_IDS } from '../render/action-ids.js';
import { cancelWrite } from './actions/cancel.js';
import { confirmWrite } from './actions/confirm.js';
import { acknowledgeLinkClick } from './actions/open-link.js';
import { pageList } from './actions/page.js';
import { shareInChannel } from './actions/share.js';
import { editRecord } from './actions/edit-record.js';
import { newRecord } from './actions/new-record.js';
import { showRecord } from './actions/show.js';
import { assignToMe } from './actions/alert-assign.js';
import { markTaskDone } from './actions/alert-done.js';
import { unsubscribeButton } from './actions/unsubscribe.js';
import { ALERT_ACTION_IDS } from '../render/alert.js';
import { stopDigest } from './actions/stop-digest.js';
import { DIGEST_STOP_ACTION } from '../render/digest.js';
import { formSubmitted } from './views/form-submitted.js';
import { FORM_CALLBACK_ID, LOG_CALLBACK_ID, RELATED_ACTION_ID, SEARCH_CALLBACK_ID } from '../render/modal.js';
import { homeConnect } from './actions/home-connect.js';
import { homeSearch } from './actions/home-search.js';
import { HOME_ACTION_IDS } from '../render/home.js';
import { searchSubmitted } from './views/search-submitted.js';
import { relatedRecordOptions } from './options/related-records.js';
import { logMessageShortcut } from './shortcuts/log-message.js';
import { logSubmitted } from './views/log-submitted.js';

/** The message shortcut's callback id, as manifest.yml declares it. */
const LOG_SHORTCUT_ID = 'espo_log_message';
import { assistantThreadStarted } from './assistant/thread-started.js';
import { assistantUserMessage } from './assistant/user-message.js';
import { espoCommand } from './commands/espo.js';
import { appHomeOpened } from './events/app-home-opened.js';
import { appMention } from './events/app-mention.js';
import { appUninstalled } from './events/app-uninstalled.js';
import { directMessage } from './events/direct-message.js';
import { linkShared } from './events/link-shared.js';
import { tokensRevoked } from './events/tokens-revoked.js';
import { SLASH_COMMAND } from '../command-name.js';

type Button = BlockAction<ButtonAction>;

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.command(SLASH_COMMAND, espoCommand(deps));
  app.action<Button>(ACTION_IDS.confirm, confirmWrite(deps));
  app.action<Button>(ACTION_IDS.cancel, cancelWrite(deps));
  app.action<Button>(new RegExp(`^${ACTION_IDS.page}:`), pageList(deps));
  app.action<Button>(ACTION_IDS.share, shareInChannel(deps));
  app.action<Button>(ACTION_IDS.show, showRecord(deps));
  app.action(ACTION_IDS.openLink, acknowledgeLinkClick());
  app.action<Button>(
    new RegExp(`^(${ACTION_IDS.newRecord}|${HOME_ACTION_IDS.newLead}|${HOME_ACTION_IDS.newTask})$`),
    newRecord(deps),
  );
  app.action<Button>(ACTION_IDS.editRecord, editRecord(deps));
  app.action<Button>(DIGEST_STOP_ACTION, stopDigest(deps));
  app.view(FORM_CALLBACK_ID, formSubmitted(deps));
  app.shortcut<MessageShortcut>(LOG_SHORTCUT_ID, logMessageShortcut(deps));
  app.options(RELATED_ACTION_ID, relatedRecordOptions(deps));
  app.view(LOG_CALLBACK_ID, logSubmitted(deps));
  app.action<Button>(HOME_ACTION_IDS.search, homeSearch(deps));
  app.action<Button>(HOME_ACTION_IDS.connect, homeConnect(deps));
  app.view(SEARCH_CALLBACK_ID, searchSubmitted(deps));
  // Alerts: buttons on alert cards and beside each subscription in `/espo subscriptions`.
  app.action<Button>(ALERT_ACTION_IDS.markDone, markTaskDone(deps));
  app.action<Button>(ALERT_ACTION_IDS.assignToMe, assignToMe(deps));
  app.action<Button>(ALERT_ACTION_IDS.unsubscribe, unsubscribeButton(deps));

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
  // Leaving a workspace: both arrive without authorize (Bolt skips it for them).
  app.event('app_uninstalled', appUninstalled(deps));
  app.event('tokens_revoked', tokensRevoked(deps));
  // App Home; its buttons (HOME_ACTION_IDS) are the action listeners' above.
  app.event('app_home_opened', appHomeOpened(deps));
  app.event('link_shared', linkShared(deps));
  app.message(directMessage(deps));
}
