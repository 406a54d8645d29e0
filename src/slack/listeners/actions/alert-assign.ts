import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { AppError } from '../../../core/errors.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { buttonJson, clickContext, recordRefSchema } from './payload.js';

/**
 * "Assign to me" on a lead alert: the clicker's EspoCRM user (found by their Slack email) becomes
 * the assignee, previewed as old → new and written on their Confirm.
 */
export function assignToMe(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    respond,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    const ref = buttonJson(action, recordRefSchema);
    await answer(deps, { kind: 'alert_assign', context, detail: ref?.e }, respond, async () => {
      if (!ref || !deps.alerts) throw new AppError('bad_input', 'That button is no longer valid.');
      Object.assign(context, await deps.profiles.of(client, context.teamId, context.userId));
      const crmUser = await deps.alerts.crmUserOf(deps.service.tenantFor(context), context.email);
      return deps.service.proposeUpdate(context, ref.e, ref.id, { assignedUserId: crmUser });
    });
  };
}
