import type { RespondArguments, RespondFn, webApi } from '@slack/bolt';
import type { MessageResult } from '../core/conversation/conversation.js';
import type { RequestContext } from '../core/ports.js';
import { answer, type ListenerDeps, type RequestInfo } from './edge.js';
import { unescape } from './render/mrkdwn.js';

type WebClient = webApi.WebClient;

/** Where a conversation's message came from, and where its replies go. */
export interface ThreadMessage {
  kind: 'mention' | 'dm' | 'assistant';
  teamId: string;
  userId: string;
  channelId: string;
  /** Reply in this thread; absent for a top-level DM, which is one conversation of its own. */
  threadTs?: string;
  /** A mention outside any thread: our reply starts the thread, which does not exist yet. */
  startsThread?: boolean;
  text: string;
}

export interface ConverseHooks {
  /** Runs before the work (e.g. the assistant's "thinking…" status); failures are ignored. */
  before?: () => Promise<unknown>;
  /** Runs with the result (e.g. titling an assistant thread); failures are ignored. */
  after?: (result: MessageResult) => Promise<unknown>;
}

/**
 * Slack's message text as the person typed it: mentions of the bot removed, links and mailto
 * links reduced to what they show, and the HTML escaping Slack applies undone.
 */
export function messageText(raw: string, botUserId?: string): string {
  let text = raw;
  if (botUserId) text = text.replaceAll(`<@${botUserId}>`, ' ');
  text = text
    .replace(/<(?:mailto|tel):([^|>]+)(?:\|([^>]*))?>/g, (_match, value: string, label?: string) => label || value)
    .replace(/<(https?:\/\/[^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/<[@#!]([^|>]+)(?:\|([^>]*))?>/g, (_match, id: string, label?: string) => label ?? id);
  return unescape(text).replace(/\s+/g, ' ').trim();
}

/** Posts a rendered reply into the thread; a private one (a connect link) only to the person. */
export function threadSender(client: WebClient, message: ThreadMessage): RespondFn {
  return (async (payload: RespondArguments) => {
    const { text = '', blocks } = payload as { text?: string; blocks?: webApi.KnownBlock[] };
    const where = { channel: message.channelId, ...(message.threadTs ? { thread_ts: message.threadTs } : {}) };
    if (payload.response_type === 'ephemeral') {
      // Slack shows an ephemeral reply in a thread only once the thread exists.
      const place = message.startsThread ? { channel: message.channelId } : where;
      return client.chat.postEphemeral({ ...place, user: message.userId, text, blocks });
    }
    return client.chat.postMessage({ ...where, text, blocks });
  }) as RespondFn;
}

/** One plain-language message: profile, core's conversation pipeline, a reply in the thread. */
export async function converse(
  deps: ListenerDeps,
  client: WebClient,
  message: ThreadMessage,
  hooks: ConverseHooks = {},
): Promise<void> {
  const context: RequestContext = { teamId: message.teamId, userId: message.userId, channelId: message.channelId };
  const threadKey = `${message.teamId}:${message.channelId}:${message.threadTs ?? 'dm'}`;
  const request: RequestInfo = { kind: message.kind, context, log: {} };
  await answer(
    deps,
    request,
    threadSender(client, message),
    async () => {
      await hooks.before?.().catch(() => undefined);
      // The edge sees the profile too: it decides who may be shown a connect link.
      Object.assign(context, await deps.profiles.of(client, message.teamId, message.userId));
      const result = await deps.conversation.handleMessage({ ...context, threadKey }, message.text || 'help');
      Object.assign(request.log!, {
        route: result.route,
        ...(result.usage
          ? {
              promptTokens: result.usage.promptTokens,
              completionTokens: result.usage.completionTokens,
              modelCalls: result.usage.modelCalls,
            }
          : {}),
        ...(result.ignoredCalls ? { ignoredToolCalls: result.ignoredCalls } : {}),
      });
      await hooks.after?.(result).catch(() => undefined);
      return result.reply;
    },
    { conversation: true, responseType: 'in_channel', render: { inPublic: message.kind === 'mention' }, client },
  );
}
