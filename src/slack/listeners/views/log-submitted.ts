import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { LOG_KINDS } from '../../../core/writes/message-log.js';
import { answer, type ListenerDeps } from '../../edge.js';
import { resultSender } from '../../forms.js';
import { fieldErrors, readFormValues } from '../../render/modal.js';
import { viewContext, viewMetadata } from './view-payload.js';

const metadataSchema = z.object({ c: z.string().max(64), ts: z.string().max(32).optional() });
const valuesSchema = z.object({
  kind: z.enum(LOG_KINDS),
  subject: z.string().trim().min(1).max(255),
  body: z.string().max(3000).nullable(),
  related: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*:[\w-]{1,64}$/)
    .nullable(),
});

/**
 * The log form submitted: checked before the modal closes, then written at once (the form showed
 * what is saved), with a link back to the Slack message. The result goes to the person privately.
 */
export function logSubmitted(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const metadata = viewMetadata(view.private_metadata, metadataSchema);
    const values = valuesSchema.safeParse(readFormValues(view.state.values as never));
    if (!metadata || !values.success) {
      const field = values.success ? 'subject' : String(values.error.issues[0]?.path[0] ?? 'subject');
      await ack({
        response_action: 'errors',
        errors: fieldErrors([{ field, problem: 'Please check this field.' }], view as never),
      });
      return;
    }
    const { kind, subject, body: text, related } = values.data;
    const [entity, id] = related ? related.split(':') : [];
    const relatedRef = entity && id ? { related: { entity, id } } : {};
    const problems = deps.messageLog.problems({ kind, ...relatedRef });
    if (problems.length) {
      await ack({ response_action: 'errors', errors: fieldErrors(problems, view as never) });
      return;
    }
    await ack();
    const context = { ...viewContext(body), channelId: metadata.c };
    const { ts } = metadata;
    await answer(
      deps,
      { kind: 'log_message', context, detail: kind },
      resultSender(client, context.userId, context.channelId),
      async () => {
        const profile = await deps.profiles.of(client, context.teamId, context.userId);
        // Where the message lives, so EspoCRM links back to it; without it the text alone is saved.
        const permalink = ts
          ? await client.chat.getPermalink({ channel: context.channelId, message_ts: ts }).then(
              (r) => r.permalink,
              () => undefined,
            )
          : undefined;
        const saved = [text ?? '', permalink ? `From Slack: ${permalink}` : ''].filter(Boolean).join('\n\n');
        return deps.service.submit(
          { ...context, ...profile },
          deps.messageLog.plan({ kind, subject, body: saved, ...relatedRef }),
        );
      },
    );
  };
}
