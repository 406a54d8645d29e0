import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { AppError, toAppError } from '../../../core/errors.js';
import type { ListenerDeps } from '../../edge.js';
import { truncate } from '../../render/mrkdwn.js';

const SEARCH_DEADLINE_MS = 2500;

/**
 * The "About" search as the person types: accounts, contacts, leads and deals whose names match,
 * grouped by kind. Slack waits 3 seconds for these, so a failure answers an empty list (logged).
 */
export function relatedRecordOptions(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    options,
  }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    const context = { teamId: body.team?.id ?? body.user.team_id ?? '', userId: body.user.id };
    const query = (options.value ?? '').trim().slice(0, 100);
    try {
      // Slack drops an answer after 3 seconds; a slower search answers nothing and says so in the log.
      const groups = await Promise.race([
        deps.messageLog.searchRelated(context, query),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new AppError('timeout', 'The record search took too long.')),
            SEARCH_DEADLINE_MS,
          ).unref(),
        ),
      ]);
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
      deps.logger.warn(
        { err: appError.cause ?? appError, code: appError.code, kind: 'related_search', team: context.teamId },
        appError.userMessage,
      );
      await ack({ options: [] });
    }
  };
}
