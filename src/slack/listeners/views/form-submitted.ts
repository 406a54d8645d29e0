import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { toAppError } from '../../../core/errors.js';
import type { FormCheck } from '../../../core/writes/forms.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { resultSender } from '../../forms.js';
import { fieldErrors, noticeView, readFormValues, readShownValues } from '../../render/modal.js';
import { viewContext, viewMetadata } from './view-payload.js';

const metadataSchema = z.object({
  o: z.enum(['create', 'update']),
  e: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
  id: z
    .string()
    .regex(/^[\w-]{1,64}$/)
    .optional(),
  c: z.string().max(64).optional(),
});

/**
 * A record form submitted. Field errors go back into the form (Slack's `response_action: errors`)
 * before the modal closes, so the check makes no call but the remembered schema. A valid
 * submission closes it and is written at once, since the form showed exactly what is sent and
 * its button is the Confirm. The result is posted privately.
 */
export function formSubmitted(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const metadata = viewMetadata(view.private_metadata, metadataSchema);
    if (!metadata) {
      await ack({
        response_action: 'update',
        view: noticeView('EspoCRM', 'This form is no longer valid. Please open it again.') as never,
      });
      return;
    }
    const context = viewContext(body, metadata.c);
    const request = { operation: metadata.o, entity: metadata.e, ...(metadata.id ? { id: metadata.id } : {}) };
    let check: FormCheck;
    try {
      check = await deps.forms.check(
        context,
        request,
        readFormValues(view.state.values as never),
        readShownValues(view as never),
      );
    } catch (error) {
      const appError = toAppError(error);
      deps.logger.warn(
        {
          err: appError.cause ?? appError,
          code: appError.code,
          kind: 'form',
          team: context.teamId,
          user: context.userId,
        },
        appError.userMessage,
      );
      await ack({ response_action: 'update', view: noticeView('EspoCRM', appError.userMessage) as never });
      return;
    }
    if (!check.ok) {
      deps.logger.info(
        { kind: 'form', team: context.teamId, user: context.userId, errors: check.errors.map((e) => e.field) },
        'form returned with field errors',
      );
      await ack({ response_action: 'errors', errors: fieldErrors(check.errors, view as never) });
      return;
    }
    await ack();
    const plan = 'plan' in check ? check.plan : undefined;
    await answer(
      deps,
      { kind: 'form', context, detail: `${request.operation} ${request.entity}` },
      resultSender(client, context.userId, metadata.c),
      async () => {
        if (!plan) return { kind: 'notice', tone: 'info', text: 'Nothing changed, so nothing was written.' };
        // The person's email: a new record is assigned to them.
        const profile = await deps.profiles.of(client, context.teamId, context.userId);
        return deps.service.submit({ ...context, ...profile }, plan);
      },
    );
  };
}
