import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { MAX_PAGE_SIZE } from '../../../core/commands/grammar.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { resultSender } from '../../forms.js';
import { fieldErrors, readFormValues } from '../../render/modal.js';
import { viewContext } from './view-payload.js';

const valuesSchema = z.object({
  entity: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
  text: z.string().trim().min(2).max(200),
});

/** A search from App Home: the same list `/espo find` shows, posted to the person's DM, with paging. */
export function searchSubmitted(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const values = valuesSchema.safeParse(readFormValues(view.state.values as never));
    if (!values.success) {
      await ack({
        response_action: 'errors',
        errors: fieldErrors([{ field: 'text', problem: 'Type at least two characters.' }], view as never),
      });
      return;
    }
    await ack();
    const context = viewContext(body);
    const { entity, text } = values.data;
    await answer(deps, { kind: 'search', context, detail: entity }, resultSender(client, context.userId), () =>
      deps.service.list(context, { entity, filters: [], text, limit: MAX_PAGE_SIZE, offset: 0 }),
    );
  };
}
