import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../edge.js';
import { ACTION_IDS } from '../render/reply.js';
import { cancelWrite } from './actions/cancel.js';
import { confirmWrite } from './actions/confirm.js';
import { acknowledgeLinkClick } from './actions/open-link.js';
import { pageList } from './actions/page.js';
import { shareInChannel } from './actions/share.js';
import { showRecord } from './actions/show.js';
import { espoCommand } from './commands/espo.js';

type Button = BlockAction<ButtonAction>;

export function registerListeners(app: App, deps: ListenerDeps, command = '/espo'): void {
  app.command(command, espoCommand(deps));
  app.action<Button>(ACTION_IDS.confirm, confirmWrite(deps));
  app.action<Button>(ACTION_IDS.cancel, cancelWrite(deps));
  app.action<Button>(new RegExp(`^${ACTION_IDS.page}:`), pageList(deps));
  app.action<Button>(ACTION_IDS.share, shareInChannel(deps));
  app.action<Button>(ACTION_IDS.show, showRecord(deps));
  app.action(ACTION_IDS.openLink, acknowledgeLinkClick());
}
