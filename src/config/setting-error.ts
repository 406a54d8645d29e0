/**
 * A setting the environment gave that the bot cannot start with, found beyond the config's own
 * checks: a credential the service refused, a port in use, a database it cannot open. The message
 * names the variable and says what to do; main.ts prints it alone (the cause and its stack go to
 * the debug log). Each layer throws it for its own settings.
 */
export type SettingErrorCode =
  | 'credential_refused'
  | 'address_in_use'
  | 'address_unavailable'
  | 'database_unreachable'
  | 'database_refused'
  | 'database_not_writable'
  | 'database_failed';

export class SettingError extends Error {
  constructor(
    readonly code: SettingErrorCode,
    /** The variables to look at, e.g. ['SLACK_BOT_TOKEN']. */
    readonly variables: string[],
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'SettingError';
  }
}

/**
 * A setting tried against its service at start: it works (with what the service said), the
 * service could not be reached (why: it may answer later), or it refused the setting for good (a
 * message naming the variables and what to do).
 */
export type SettingCheck<T> =
  | { outcome: 'ok'; value: T }
  | { outcome: 'unreachable'; reason: string }
  | { outcome: 'refused'; variables: string[]; message: string; cause?: unknown };

export function refusedSetting(check: Extract<SettingCheck<unknown>, { outcome: 'refused' }>): SettingError {
  return new SettingError('credential_refused', check.variables, check.message, { cause: check.cause });
}

/**
 * The system error under a library's wrapper (ECONNREFUSED, ENOTFOUND, ETIMEDOUT, ...): the error's
 * own `code`, or its causes' (fetch's "fetch failed" carries it in `cause`), so a check can say
 * what happened in the words an admin searches for.
 */
export function systemErrorCode(error: unknown): string | undefined {
  for (
    let current = error, depth = 0;
    current && depth < 5;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}
