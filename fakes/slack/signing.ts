import { createHmac } from 'node:crypto';

/** Signs a body exactly as Slack does: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}"). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPost {
  status: number;
  body: string;
}

export interface SignOptions {
  timestamp?: number;
  signature?: string;
  headers?: Record<string, string>;
  /** Give up after this long (Slack waits 3 seconds for an answer); the post then rejects. */
  timeoutMs?: number;
}

/**
 * POSTs a body to the app the way Slack does: `X-Slack-Request-Timestamp` and `X-Slack-Signature`
 * over the raw body (docs.slack.dev/authentication/verifying-requests-from-slack), signed unless
 * told otherwise.
 */
async function postRaw(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  options: SignOptions,
): Promise<SignedPost> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(secret, timestamp, body),
      ...options.headers,
    },
    body,
    ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
  });
  return { status: response.status, body: await response.text() };
}

/** A form body (slash commands; interactivity as `payload=<json>`), as Slack sends it. */
export function postSigned(
  url: string,
  secret: string,
  form: Record<string, string>,
  options: SignOptions = {},
): Promise<SignedPost> {
  return postRaw(url, secret, new URLSearchParams(form).toString(), 'application/x-www-form-urlencoded', options);
}

/** A JSON body (the Events API), as Slack sends it. */
export function postSignedJson(
  url: string,
  secret: string,
  body: unknown,
  options: SignOptions = {},
): Promise<SignedPost> {
  return postRaw(url, secret, JSON.stringify(body), 'application/json', options);
}

/** An Events API event in Slack's `event_callback` envelope, as Slack delivers it to the app. */
export function eventCallback(
  event: Record<string, unknown>,
  envelope: { team: string; eventId: string; botUser?: string },
): Record<string, unknown> {
  return {
    token: 'legacy',
    team_id: envelope.team,
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: envelope.eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: envelope.team, user_id: envelope.botUser ?? 'UBOT', is_bot: true }],
    event,
  };
}
