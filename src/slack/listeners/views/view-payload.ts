import type { SlackViewAction } from '@slack/bolt';
import type { z } from 'zod';
import type { RequestContext } from '../../../core/ports.js';

/** Who submitted a modal. Modals carry no admin flag, so anything admin-only fails closed. */
export function viewContext(body: SlackViewAction, channelId?: string): RequestContext {
  return {
    teamId: body.team?.id ?? body.user.team_id ?? '',
    userId: body.user.id,
    ...(channelId ? { channelId } : {}),
  };
}

/** A modal's private_metadata parsed with `schema`, or undefined when it is not what we put there. */
export function viewMetadata<T>(text: string | undefined, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
