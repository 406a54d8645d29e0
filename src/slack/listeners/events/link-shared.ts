import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { UnfurlOutcome } from '../../../core/unfurl/unfurl.js';
import type { ListenerDeps } from '../../edge.js';
import { renderUnfurl } from '../../render/unfurl.js';

type LinkSharedArgs = SlackEventMiddlewareArgs<'link_shared'> & AllMiddlewareArgs;

/**
 * A link to a record in the team's EspoCRM was shared: preview it with the record's key fields,
 * if the tenant is connected. Nothing is ever said in the channel otherwise, errors included:
 * they go to the log, one line per event.
 */
export function linkShared(deps: ListenerDeps) {
  return async ({ event, body, client, context }: LinkSharedArgs): Promise<void> => {
    const unfurls = deps.unfurls;
    // The bot's own cards link to records and already show them.
    if (context.botUserId && event.user === context.botUserId) return;
    const urls = event.links.map((shared) => shared.url);
    // Most shared links are no EspoCRM record's: those cost no queue slot, no store read and no log line.
    if (!unfurls.mayHaveRecordLinks(urls)) return;
    const request = { teamId: context.teamId ?? body.team_id, userId: event.user, channelId: event.channel };
    // Bolt has acked the event; let waiting requests be acked too, then queue behind the limiter.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await deps.limiter.run(async () => {
      const started = performance.now();
      const log = { kind: 'link_shared', team: request.teamId, user: request.userId, links: urls.length };
      let outcome: UnfurlOutcome | undefined;
      try {
        outcome = await unfurls.previews(request, urls);
        const previews = outcome.state === 'read' ? outcome.previews : [];
        if (previews.length) {
          const target =
            event.unfurl_id && isUnfurlSource(event.source)
              ? { unfurl_id: event.unfurl_id, source: event.source }
              : { channel: event.channel, ts: event.message_ts };
          await client.chat.unfurl({
            ...target,
            unfurls: Object.fromEntries(
              previews.map((preview) => [
                preview.url,
                renderUnfurl(preview.entity, preview.record, outcome?.state === 'read' ? outcome.siteUrl : undefined),
              ]),
            ),
          });
        }
        deps.logger.info(
          { ...log, ...summary(outcome), ms: Math.round(performance.now() - started) },
          'request handled',
        );
      } catch (error) {
        deps.logger.error(
          { ...log, ...(outcome ? summary(outcome) : {}), err: error, ms: Math.round(performance.now() - started) },
          'could not unfurl shared links',
        );
      }
    });
  };
}

function isUnfurlSource(source: string | undefined): source is 'composer' | 'conversations_history' {
  return source === 'composer' || source === 'conversations_history';
}

function summary(outcome: UnfurlOutcome): Record<string, unknown> {
  switch (outcome.state) {
    case 'no_links':
      return { outcome: 'no_links' };
    case 'not_connected':
      return { outcome: 'not_connected', recordLinks: outcome.links };
    case 'read':
      return {
        outcome: outcome.previews.length ? 'unfurled' : 'nothing_to_show',
        unfurled: outcome.previews.length,
        skipped: outcome.skipped,
      };
  }
}
