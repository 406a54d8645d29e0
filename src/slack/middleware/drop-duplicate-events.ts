import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { AppLogger } from '../../observability/logger.js';
import type { EventLedger } from '../../core/workspaces/ports.js';

/**
 * Slack retries an event it thinks went unanswered (with X-Slack-Retry-Num), possibly to another
 * instance. Bolt has already acked it; this drops every delivery of an event id after the first,
 * using the shared ledger in the store so the rule holds across instances and restarts.
 */
export function dropDuplicateEvents(ledger: EventLedger, logger: AppLogger): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const envelope = body as { type?: string; event_id?: unknown };
    if (envelope.type === 'event_callback' && typeof envelope.event_id === 'string') {
      if (!(await ledger.firstSighting(envelope.event_id, new Date()))) {
        logger.info(
          { eventId: envelope.event_id, retryNum: context.retryNum, retryReason: context.retryReason },
          'duplicate Slack event dropped',
        );
        return;
      }
    }
    await next();
  };
}
