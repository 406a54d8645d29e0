import { LogLevel, webApi } from '@slack/bolt';
import { refusedSetting, systemErrorCode, type SettingCheck } from '../config/setting-error.js';

/** Who the bot token belongs to, as auth.test says. */
export interface BotIdentity {
  teamId: string;
  /** The workspace's name. */
  team: string;
  botUserId: string;
  botId: string;
  /** The bot user's name (auth.test's `user`). */
  botName: string;
  enterpriseId?: string;
}

/** How the checks reach the Web API: the app's base URL and transport. */
export interface SlackTransport {
  slackApiUrl?: string;
  fetch?: typeof fetch;
}

/**
 * Errors Slack answers for a token it will not take, whatever the method: auth.test's and
 * apps.connections.open's documented errors and the Web API's common ones (docs.slack.dev,
 * "Errors" of each method), and those @slack/socket-mode treats as unrecoverable at start
 * (UnrecoverableSocketModeStartError). Anything else (internal_error, ratelimited, a 5xx, no
 * answer) may pass.
 */
const REFUSED_TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'not_allowed_token_type',
  'team_disabled',
  'user_removed_from_team',
]);

export function isRefusedTokenError(error: string): boolean {
  return REFUSED_TOKEN_ERRORS.has(error);
}

const SLACK_API = 'https://slack.com/api/';
const WHERE_BOT_TOKEN =
  'copy the Bot User OAuth Token (xoxb-...) from your Slack app\'s "OAuth & Permissions" page (reinstall the app to the workspace first if it was uninstalled)';
const WHERE_APP_TOKEN =
  'create an App-Level Token with the connections:write scope on your Slack app\'s "Basic Information" page and copy it (xapp-...), or leave SLACK_APP_TOKEN empty for HTTP mode';

/** What SLACK_BOT_TOKEN's refusal says, at start and at run time. */
export function botTokenRefused(error: string): string {
  return `SLACK_BOT_TOKEN was refused by Slack (${error}): ${WHERE_BOT_TOKEN}`;
}

function appTokenRefused(error: string): string {
  return `SLACK_APP_TOKEN was refused by Slack (${error}): ${WHERE_APP_TOKEN}`;
}

/** A failed Web API call: the token refused (Slack's error code), or Slack unavailable (what happened, and where). */
function classify(error: unknown, transport: SlackTransport): { refused: string } | { unreachable: string } {
  const failure = error as {
    code?: string;
    data?: { error?: unknown };
    statusCode?: number;
    original?: { code?: string; name?: string; message?: string };
    message?: string;
  };
  const where = `at ${transport.slackApiUrl ?? SLACK_API}`;
  switch (failure?.code) {
    case webApi.ErrorCode.PlatformError: {
      const code = String(failure.data?.error ?? 'unknown_error');
      return isRefusedTokenError(code) ? { refused: code } : { unreachable: `answered ${code} ${where}` };
    }
    case webApi.ErrorCode.HTTPError:
      return { unreachable: `HTTP ${failure.statusCode} ${where}` };
    case webApi.ErrorCode.RateLimitedError:
      return { unreachable: `rate-limited ${where}` };
    case webApi.ErrorCode.RequestError: {
      const original = failure.original;
      const what =
        original?.code === 'ABORT_ERR' || original?.name === 'TimeoutError'
          ? 'no answer in time'
          : (systemErrorCode(original) ?? original?.message ?? 'no answer');
      return { unreachable: `${what} ${where}` };
    }
    default:
      return { unreachable: `${failure?.message ?? String(error)} ${where}` };
  }
}

/**
 * The checks say what happened themselves; the Web API client's own warnings would be plain text among the JSON logs.
 */
const QUIET = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/** One quick try: a check must not hold the start up, and one that failed is simply made again later. */
function checkClient(
  transport: SlackTransport,
  timeoutMs: number,
  token?: string,
  headers: Record<string, string> = {},
) {
  return new webApi.WebClient(token, {
    ...transport,
    headers,
    logger: QUIET,
    timeout: timeoutMs,
    retryConfig: { retries: 0 },
  });
}

/**
 * auth.test with the bot token: whose it is. Refused: a token Slack will not take, or one that is
 * not a bot's (a user token has no bot_id, and the bot could not tell its own messages from
 * people's).
 */
export async function checkBotToken(
  transport: SlackTransport,
  token: string,
  timeoutMs: number,
): Promise<SettingCheck<BotIdentity> & { slackError?: string }> {
  let answer: webApi.AuthTestResponse;
  try {
    answer = await checkClient(transport, timeoutMs, token).auth.test();
  } catch (error) {
    const failure = classify(error, transport);
    if ('unreachable' in failure) return { outcome: 'unreachable', reason: failure.unreachable };
    return {
      outcome: 'refused',
      variables: ['SLACK_BOT_TOKEN'],
      message: botTokenRefused(failure.refused),
      cause: error,
      slackError: failure.refused,
    };
  }
  if (!answer.bot_id || !answer.user_id || !answer.team_id) {
    const who = answer.user ? `@${answer.user}` : 'someone';
    return {
      outcome: 'refused',
      variables: ['SLACK_BOT_TOKEN'],
      message: `SLACK_BOT_TOKEN is not a bot token (Slack knows it as ${who}, not as the app's bot): ${WHERE_BOT_TOKEN}`,
      slackError: 'not_a_bot_token',
    };
  }
  return {
    outcome: 'ok',
    value: {
      teamId: answer.team_id,
      team: answer.team ?? answer.team_id,
      botUserId: answer.user_id,
      botId: answer.bot_id,
      botName: answer.user ?? 'bot',
      ...(answer.enterprise_id ? { enterpriseId: answer.enterprise_id } : {}),
    },
  };
}

/**
 * apps.connections.open with the app-level token, the call Socket Mode starts with
 * (@slack/socket-mode's SocketModeClient.retrieveWSSURL, the token in the Authorization header as
 * it sends it). The URL it returns is left unused; it expires on its own.
 */
export async function checkAppToken(
  transport: SlackTransport,
  appToken: string,
  timeoutMs: number,
): Promise<SettingCheck<true>> {
  try {
    await checkClient(transport, timeoutMs, '', { Authorization: `Bearer ${appToken}` }).apps.connections.open({});
    return { outcome: 'ok', value: true };
  } catch (error) {
    const failure = classify(error, transport);
    if ('unreachable' in failure) return { outcome: 'unreachable', reason: failure.unreachable };
    return {
      outcome: 'refused',
      variables: ['SLACK_APP_TOKEN'],
      message: appTokenRefused(failure.refused),
      cause: error,
    };
  }
}

/** Socket Mode's own start failed: a refused SLACK_APP_TOKEN says so; anything else stays as it is. */
export function socketModeStartFailure(error: unknown, transport: SlackTransport): unknown {
  const failure = classify(error, transport);
  return 'refused' in failure
    ? refusedSetting({
        outcome: 'refused',
        variables: ['SLACK_APP_TOKEN'],
        message: appTokenRefused(failure.refused),
        cause: error,
      })
    : error;
}
