import type { webApi } from '@slack/bolt';
import type { Reply } from '../core/replies.js';
import { renderReply } from './render/reply.js';

/**
 * A reply posted to a person's DM with the bot outside any request of theirs: what the automatic
 * check of a new connection found wrong. `tokenFor` gives the team's bot token (undefined: the app
 * is not installed there).
 */
export function directNotice(client: webApi.WebClient, tokenFor: (teamId: string) => Promise<string | undefined>) {
  return async (teamId: string, userId: string, reply: Reply): Promise<void> => {
    const token = await tokenFor(teamId);
    if (!token) throw new Error(`no bot token for team ${teamId}: the app is not installed there`);
    const { text, blocks } = renderReply(reply);
    await client.chat.postMessage({ token, channel: userId, text, blocks, unfurl_links: false, unfurl_media: false });
  };
}
