import { createHmac } from 'node:crypto';

/** Signs a body exactly as Slack does: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}"). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPost {
  status: number;
  body: string;
}

/** POSTs a form body to the app the way Slack does, signed unless told otherwise. */
export async function postSigned(
  url: string,
  secret: string,
  form: Record<string, string>,
  options: { timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<SignedPost> {
  const body = new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(secret, timestamp, body),
      ...options.headers,
    },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** An Events API event in Slack's `event_callback` envelope, as Slack delivers it to the app. */
export function eventCallback(event: Record<string, unknown>, envelope: { team: string; eventId: string; botUser?: string }): Record<string, unknown> {
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
