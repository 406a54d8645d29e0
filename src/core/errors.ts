import type { ListQuery, TokenUsage } from './ports.js';

/**
 * One error type for everything the bot can tell a person about. Layers below translate their own
 * failures (Membrane, EspoCRM, the database) into an AppError once; the Slack edge shows `userMessage`
 * and logs `code` and `cause`. Nothing else is shown to users, so internals never leak into Slack.
 */
export type ErrorCode =
  | 'bad_input'
  | 'unknown_entity'
  | 'not_found'
  | 'forbidden'
  | 'duplicate'
  | 'validation'
  | 'rate_limited'
  | 'crm_unavailable'
  | 'timeout'
  | 'connection_required'
  | 'connection_failed'
  | 'confirmation_missing'
  | 'confirmation_expired'
  | 'confirmation_not_yours'
  | 'confirmation_used'
  | 'outcome_unknown'
  | 'model_busy'
  | 'not_understood'
  | 'internal';

export interface ErrorDetails {
  /** Field-level problems, e.g. EspoCRM validation or a JSON Schema complaint. */
  fields?: { field: string; problem: string }[];
  /** Where the person can fix a connection (Membrane's connect UI). */
  connectUrl?: string;
  /** Records EspoCRM considers duplicates of the one being created. */
  duplicates?: { id: string; name?: string }[];
  /**
   * A write whose outcome is unknown: where to look to see whether it happened (the record it
   * changed, or the newest records like the one it created).
   */
  check?: { entity: string; id: string } | { query: ListQuery };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly details: ErrorDetails;
  /** Model tokens the failed request had already spent, so the log still accounts for them. */
  readonly usage?: TokenUsage;

  constructor(
    code: ErrorCode,
    userMessage: string,
    options: { cause?: unknown; details?: ErrorDetails; usage?: TokenUsage } = {},
  ) {
    super(userMessage, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.userMessage = userMessage;
    this.details = options.details ?? {};
    if (options.usage) this.usage = options.usage;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Anything unexpected becomes an internal AppError with a message that is safe to show. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError('internal', 'Something went wrong on our side. Please try again in a moment.', { cause: error });
}

/**
 * An optional feature (alerts, digests, the doctor) the app was built with, or why it cannot be used: "Alerts are not
 * available here."
 */
export function available<T>(feature: T | undefined, unavailable: string): T {
  if (!feature) throw new AppError('bad_input', unavailable);
  return feature;
}
