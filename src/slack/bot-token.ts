import type { Authorize } from '@slack/bolt';
import type { AppLogger } from '../observability/logger.js';
import {
  botTokenRefused,
  checkBotToken,
  isRefusedTokenError,
  type BotIdentity,
  type SlackTransport,
} from './credentials.js';
import { createLeanFetch } from './lean-fetch.js';

/** The one workspace's token, as far as the bot knows: fine, not yet asked, not reachable, or refused. */
export type BotTokenState =
  | { state: 'ok' }
  | { state: 'unchecked' }
  | { state: 'unreachable'; reason: string }
  | { state: 'refused'; reason: string };

export interface BotTokenOptions {
  token: string;
  /** The Web API base URL (SLACK_API_URL), as the app's clients use it. */
  slackApiUrl?: string;
  logger: AppLogger;
  /** What the start-up check found: the token's identity, or why Slack could not be asked. */
  startedWith?: { identity: BotIdentity } | { unreachable: string };
  /** One auth.test may take this long. */
  checkTimeoutMs?: number;
  /** The first re-check after a failure waits this long; each next one twice as long, up to a minute. */
  recheckAfterMs?: number;
}

const MAX_RECHECK_MS = 60_000;
/**
 * How long a request waits for an auth.test in flight. Bolt authorizes before any listener can
 * acknowledge, and Slack wants the acknowledgement within 3 seconds: a hung auth.test must not
 * eat that budget.
 */
const AUTHORIZE_WAIT_MS = 1000;
/** Requests start an auth.test of their own at most this often while Slack is not answering. */
const REQUEST_CHECK_INTERVAL_MS = 1000;
/** Slack's errors are a few dozen bytes; a body this long is an answer, not a refusal. */
const LONGEST_ERROR_BODY = 2048;

/**
 * SLACK_BOT_TOKEN in single-workspace mode. It authorizes Bolt's requests with the identity
 * auth.test gave (Bolt's own token handling calls auth.test from App's constructor, where nothing
 * awaits it: a refused token was an unhandled rejection), re-checks while Slack cannot be reached,
 * and watches every Web API answer for this token: Slack refusing it (revoked, uninstalled) makes
 * the readiness probe fail with the reason, logged once.
 */
export class BotToken {
  private identity?: BotIdentity;
  private health: BotTokenState = { state: 'unchecked' };
  private checking?: Promise<BotIdentity | undefined>;
  /** When the last auth.test ended (ms since the epoch). */
  private lastCheckEnded = 0;
  private recheck?: NodeJS.Timeout;
  private recheckAfterMs: number;
  private stopped = false;
  private readonly bearer: string;
  private readonly transport: SlackTransport;

  /** The Web API transport for every client that sends this token: it sees Slack refuse it. */
  readonly fetch: typeof fetch;

  constructor(private readonly options: BotTokenOptions) {
    this.bearer = `Bearer ${options.token}`;
    this.fetch = createLeanFetch(10_000, (request, status, body) => this.observe(request, status, body));
    this.transport = { fetch: this.fetch, ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}) };
    this.recheckAfterMs = options.recheckAfterMs ?? 1000;
    const started = options.startedWith;
    if (started && 'identity' in started) {
      this.identity = started.identity;
      this.health = { state: 'ok' };
    } else if (started) {
      this.health = { state: 'unreachable', reason: started.unreachable };
    }
  }

  get state(): BotTokenState {
    return this.health;
  }

  /** Why the instance should not get traffic, or undefined when the token is fine (or being checked). */
  readinessProblem(): string | undefined {
    switch (this.health.state) {
      case 'refused':
        return `Slack refused SLACK_BOT_TOKEN (${this.health.reason})`;
      case 'unreachable':
        return `Slack unavailable (${this.health.reason}): SLACK_BOT_TOKEN not checked yet; checking again`;
      default:
        return undefined;
    }
  }

  /** Checks in the background until the token's identity is known, unless the start-up check knew it. */
  start(): void {
    if (!this.identity && this.health.state !== 'refused')
      this.scheduleRecheck(this.health.state === 'unchecked' ? 0 : this.recheckAfterMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.recheck);
  }

  /**
   * Bolt's authorize for single-workspace mode: the token with the bot's ids, so Bolt can tell the
   * bot's own messages apart. Until auth.test has answered, a request asks it (waiting a second at
   * most). Without the ids, a request a person is waiting on (a command, a click, a form, a
   * shortcut) is still authorized: none of them needs the ids (Bolt reads them only for events,
   * in ignoreSelf and directMention), and its reply goes to its response_url, which needs no
   * token. An event is not: telling the bot's own messages apart needs the ids, and answering an
   * event needs the Web API that is not answering (Bolt acknowledges it and calls no listener).
   */
  readonly authorize: Authorize<boolean> = async ({ isEnterpriseInstall }, body) => {
    const identity = this.identity ?? (await this.identityWithin(AUTHORIZE_WAIT_MS));
    if (identity)
      return {
        isEnterpriseInstall,
        botToken: this.options.token,
        botId: identity.botId,
        botUserId: identity.botUserId,
      };
    if (this.health.state === 'refused' || (body !== undefined && 'event' in body)) {
      throw new Error(
        `the bot does not know its own Slack identity yet: ${this.readinessProblem() ?? 'auth.test has not answered'}`,
      );
    }
    return { isEnterpriseInstall, botToken: this.options.token };
  };

  /**
   * The identity, if an auth.test answers within `waitMs`: the one in flight, or a new one unless
   * the last ended less than a second ago (a burst of requests during an outage is not a burst of
   * auth.test calls). A slow one goes on in the background; its answer is kept when it comes.
   */
  private async identityWithin(waitMs: number): Promise<BotIdentity | undefined> {
    if (this.health.state === 'refused') return undefined;
    if (!this.checking && Date.now() - this.lastCheckEnded < REQUEST_CHECK_INTERVAL_MS) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
    try {
      return await Promise.race([this.check(), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Slack said the token is dead without being asked: a tokens_revoked event naming the bot user,
   * or app_uninstalled, for the token's own workspace.
   */
  revokedBySlack(
    teamId: string | undefined,
    reason: 'tokens_revoked' | 'app_uninstalled',
    botUserIds?: string[],
  ): void {
    if (!this.identity || teamId !== this.identity.teamId) return;
    if (botUserIds && !botUserIds.includes(this.identity.botUserId)) return;
    this.refuse(reason);
  }

  /** One auth.test at a time, shared by everyone waiting for it. */
  private check(): Promise<BotIdentity | undefined> {
    this.checking ??= checkBotToken(this.transport, this.options.token, this.options.checkTimeoutMs ?? 5000)
      .then((checked) => {
        switch (checked.outcome) {
          case 'ok':
            this.confirmed(checked.value);
            return checked.value;
          case 'unreachable':
            this.health = { state: 'unreachable', reason: checked.reason };
            return undefined;
          case 'refused':
            this.refuse(checked.slackError ?? 'refused', checked.message);
            return undefined;
        }
      })
      .catch((error: unknown) => {
        this.health = { state: 'unreachable', reason: String((error as Error)?.message ?? error) };
        return undefined;
      })
      .finally(() => {
        this.checking = undefined;
        this.lastCheckEnded = Date.now();
      });
    return this.checking;
  }

  /** auth.test answered with the token's identity: kept for good, and no more re-checks. */
  private confirmed(identity: BotIdentity): void {
    this.identity = identity;
    this.health = { state: 'ok' };
    clearTimeout(this.recheck);
    this.options.logger.info(
      { slack: { teamId: identity.teamId, team: identity.team, bot: identity.botName } },
      `Slack answers: SLACK_BOT_TOKEN is @${identity.botName} in ${identity.team}; ready`,
    );
  }

  private scheduleRecheck(afterMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.recheck);
    this.recheck = setTimeout(() => {
      void this.check().then((identity) => {
        if (!identity && this.health.state === 'unreachable') {
          this.recheckAfterMs = Math.min(MAX_RECHECK_MS, this.recheckAfterMs * 2);
          this.scheduleRecheck(this.recheckAfterMs);
        }
      });
    }, afterMs);
    this.recheck.unref();
  }

  /**
   * Any Web API answer for this token: a refusal is Slack's word that it is dead. Slack answers
   * errors with HTTP 200 and `{"ok":false,"error":"…"}` (@slack/web-api's WebClient: "Slack's Web
   * API doesn't use meaningful status codes besides 429 and 200").
   */
  private observe(request: Headers, status: number, body: Buffer): void {
    if (status !== 200 || body.length > LONGEST_ERROR_BODY || this.health.state === 'refused') return;
    if (request.get('authorization') !== this.bearer || !body.includes('"ok":false')) return;
    let error: unknown;
    try {
      error = (JSON.parse(body.toString('utf8')) as { error?: unknown }).error;
    } catch {
      return;
    }
    if (typeof error === 'string' && isRefusedTokenError(error)) this.refuse(error);
  }

  /** Logged once, at error level, naming the variable; readiness fails from now on. */
  private refuse(slackError: string, message = botTokenRefused(slackError)): void {
    if (this.health.state === 'refused') return;
    this.health = { state: 'refused', reason: slackError };
    clearTimeout(this.recheck);
    this.options.logger.error(
      { slack: { teamId: this.identity?.teamId, error: slackError }, variable: 'SLACK_BOT_TOKEN' },
      `${message}. /readyz says not ready until the bot restarts with a working token`,
    );
  }
}
