import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { toAppError } from '../../../core/errors.js';
import type { ListenerDeps } from '../../edge.js';
import { truncate } from '../../render/mrkdwn.js';

/**
 * The "About" search as the person types: accounts, contacts, leads and deals whose names match,
 * grouped by kind. Slack waits 3 seconds for these, so a failure answers an empty list (logged).
 */
export function relatedRecordOptions(deps: ListenerDeps) {
  return async ({ ack, body, options }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    const context = { teamId: body.team?.id ?? '', userId: body.user.id };
    const query = (options.value ?? '').trim().slice(0, 100);
    try {
      const groups = await deps.messageLog.searchRelated(context, query);
      await ack({
        option_groups: groups.map(({ entity, records }) => ({
          label: { type: 'plain_text', text: truncate(entity.plural, 75) },
          options: records.map((record) => ({
            text: { type: 'plain_text', text: truncate(record.name ?? record.id, 75) || record.id },
            value: `${entity.name}:${record.id}`.slice(0, 150),
          })),
        })),
      });
    } catch (error) {
      const appError = toAppError(error);
      deps.logger.warn({ err: appError.cause ?? appError, code: appError.code, kind: 'related_search', team: context.teamId }, appError.userMessage);
      await ack({ options: [] });
    }
  };
}
