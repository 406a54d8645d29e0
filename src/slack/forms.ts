import type { RespondArguments, RespondFn, webApi } from '@slack/bolt';
import { toAppError } from '../core/errors.js';
import type { FormRequest } from '../core/writes/forms.js';
import type { RequestContext } from '../core/ports.js';
import type { ListenerDeps } from './edge.js';
import { formTitle, formView, noticeView } from './render/modal.js';

type WebClient = webApi.WebClient;

/** What a form's modal remembers between opening and submission (Slack keeps up to 3,000 characters). */
export interface FormMetadata {
  o: 'create' | 'update';
  e: string;
  id?: string;
  /** Where the person asked, so the result goes back there (else to their DM with the bot). */
  c?: string;
}

/**
 * Opens a record form. The modal opens at once with "Loading…" (a trigger id lives 3 seconds,
 * and a cold connection can take longer to describe its schema), then becomes the form, or a
 * polite reason (with the connect link when the person may have it).
 */
export async function openForm(
  deps: ListenerDeps,
  client: WebClient,
  triggerId: string,
  context: RequestContext,
  request: FormRequest,
): Promise<void> {
  const entity = deps.forms.entityOf(request.entity);
  const title = formTitle({ operation: request.operation, entity });
  let viewId: string | undefined;
  try {
    const opened = await client.views.open({
      trigger_id: triggerId,
      view: noticeView(title, 'Loading the form…') as never,
    });
    viewId = opened.view?.id;
  } catch (error) {
    deps.logger.warn({ err: error, team: context.teamId, user: context.userId }, 'could not open a form');
    return;
  }
  if (!viewId) return;
  const shownId = viewId;
  // Behind the limiter like every other piece of work, so shutdown waits for the form to be drawn.
  await deps.limiter.run(() => fillForm(deps, client, shownId, title, context, request));
}

/** Reads what the form needs and replaces "Loading…" with it, or with why it cannot be shown. */
async function fillForm(
  deps: ListenerDeps,
  client: WebClient,
  viewId: string,
  title: string,
  context: RequestContext,
  request: FormRequest,
): Promise<void> {
  let view: Record<string, unknown>;
  try {
    const profile = await deps.profiles.of(client, context.teamId, context.userId);
    const form = await deps.forms.open({ ...context, ...profile }, request);
    const metadata: FormMetadata = {
      o: form.operation,
      e: form.entity.name,
      ...(form.id ? { id: form.id } : {}),
      ...(context.channelId ? { c: context.channelId } : {}),
    };
    view = formView(form, JSON.stringify(metadata));
    deps.logger.info(
      {
        kind: 'form',
        detail: `${request.operation} ${request.entity}`,
        team: context.teamId,
        user: context.userId,
        fields: form.fields.length,
      },
      'form opened',
    );
  } catch (error) {
    const appError = toAppError(error);
    deps.logger.warn(
      { err: appError.cause ?? appError, code: appError.code, team: context.teamId, user: context.userId },
      appError.userMessage,
    );
    const url = appError.details.connectUrl;
    view = noticeView(title, appError.userMessage, url ? { url, text: 'Connect EspoCRM' } : undefined);
  }
  try {
    await client.views.update({ view_id: viewId, view: view as never });
  } catch (error) {
    // Never leave the person looking at "Loading…".
    deps.logger.warn({ err: error, team: context.teamId, user: context.userId }, 'could not show a form');
    const fallback = noticeView(
      title,
      'I could not show this form in Slack. Please try `/espo create` or `/espo update` with field=value instead.',
    );
    await client.views.update({ view_id: viewId, view: fallback as never }).catch(() => undefined);
  }
}

/**
 * Where a form's result goes: ephemerally back in the channel the person asked from, or to their
 * DM with the bot when there is no channel (App Home) or it cannot be posted there.
 */
export function resultSender(client: WebClient, userId: string, channelId?: string): RespondFn {
  return (async (payload: RespondArguments) => {
    const { text = '', blocks } = payload as { text?: string; blocks?: webApi.KnownBlock[] };
    if (channelId) {
      try {
        return await client.chat.postEphemeral({ channel: channelId, user: userId, text, blocks });
      } catch {
        // Not in that channel any more, or an App Home "channel": fall back to the DM.
      }
    }
    return client.chat.postMessage({ channel: userId, text, blocks });
  }) as RespondFn;
}
