import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs, webApi } from '@slack/bolt';
import { z } from 'zod';
import { MAX_PAGE_SIZE } from '../../../core/commands/grammar.js';
import { AppError } from '../../../core/errors.js';
import { FILTER_OPERATORS, type RequestContext } from '../../../core/ports.js';
import type { Reply } from '../../../core/replies.js';
import { answer, type Delivery, type ListenerDeps } from '../../edge.js';

type WebClient = webApi.WebClient;

/** Who clicked, from a block_actions payload. */
export function clickContext(body: BlockAction): RequestContext {
  return {
    teamId: body.team?.id ?? body.user.team_id ?? '',
    userId: body.user.id,
    channelId: body.channel?.id,
  };
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Button values are ours, but they come back from outside: validate before acting on them. */
export const listQuerySchema = z.object({
  entity: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
  filters: z.array(
    z.object({
      field: z.string().max(100),
      op: z.enum(FILTER_OPERATORS),
      value: z.union([scalar, z.array(z.union([z.string(), z.number()]))]),
    }),
  ),
  sort: z.object({ field: z.string().max(100), order: z.enum(['asc', 'desc']) }).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE),
  offset: z.number().int().min(0),
  cursor: z.string().optional(),
  previousCursors: z.array(z.string()).optional(),
  text: z.string().max(500).optional(),
});

const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/);

/** A report's query, as its Share button carries it. */
export const reportQuerySchema = z.object({
  entity: fieldName,
  filters: listQuerySchema.shape.filters,
  measure: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('count') }),
    z.object({ kind: z.literal('sum'), field: fieldName, label: z.string().max(100) }),
  ]),
  groupBy: z.object({ field: fieldName, label: z.string().max(100) }).optional(),
  weighted: z.boolean().optional(),
});

export const recordRefSchema = z.object({
  e: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
  id: z.string().regex(/^[\w-]{1,64}$/),
});

export const shareTargetSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('list'), q: listQuerySchema }),
  z.object({ t: z.literal('record'), e: recordRefSchema.shape.e, id: recordRefSchema.shape.id }),
  z.object({ t: z.literal('report'), q: reportQuerySchema, title: z.string().max(150).optional() }),
]);

/** A button's JSON value parsed with `schema`, or undefined when it is not what we put there. */
export function buttonJson<T>(action: ButtonAction, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(action.value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A listener for a button that carries JSON we put there: ack, parse the value with `schema`, and
 * run `work` on it, or tell the person politely when the value is not (or no longer) valid.
 */
export function jsonButtonListener<T>(
  deps: ListenerDeps,
  options: {
    kind: string;
    schema: z.ZodType<T>;
    invalid: string;
    detail?: (value: T) => string;
    work: (context: RequestContext, value: T) => Promise<Reply>;
    delivery?: (context: RequestContext, client: WebClient) => Delivery;
  },
) {
  return async ({
    ack,
    body,
    action,
    respond,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const context = clickContext(body);
    const value = buttonJson(action, options.schema);
    await answer(
      deps,
      { kind: options.kind, context, detail: value === undefined ? undefined : options.detail?.(value) },
      respond,
      async () => {
        if (value === undefined) throw new AppError('bad_input', options.invalid);
        return options.work(context, value);
      },
      options.delivery?.(context, client),
    );
  };
}
