import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertDelivery, WebhookRegistration } from '../../core/alerts/types.js';
import type { Logger } from '../../core/ports.js';
import { inRequestScope, newRequestId } from '../../observability/request-scope.js';

/**
 * The receiver for EspoCRM's webhooks: `POST {PUBLIC_URL}/espocrm/webhooks/{token}`. The token
 * (opaque, one per tenant) says whose webhooks these are; the signature proves EspoCRM sent them.
 * EspoCRM signs each batch with the webhook's secret key:
 *   `Signature: base64("{webhookId}:" + hex(HMAC-SHA256(body, secretKey)))`, and, for older
 *   receivers, `X-Signature: base64("{webhookId}:" + raw HMAC-SHA256 bytes)` (older instances
 *   send only this one).
 * The answer is 200 as soon as the batch is verified and parsed; the work runs after it. A token
 * nobody holds (its workspace left, or its state was lost) gets 410: EspoCRM's webhook queue
 * deletes a webhook answered 410 and retries 401 and other failures (Core/Webhook/Queue.php
 * `send`), so only 410 stops the batches of a webhook nobody owns. A known token with a bad
 * signature stays 401: a forgery must not get a genuine webhook deleted.
 */

/** Where the receiver listens, under PUBLIC_URL; a tenant's webhooks add its token. */
export const WEBHOOK_PATH = '/espocrm/webhooks';
const MAX_BODY_BYTES = 1024 * 1024;

/** The registration whose secret signed `body`, or undefined: wrong key, unknown webhook, or garbage. */
export function verifyEspoSignature(
  header: string | undefined,
  body: Buffer,
  webhooks: WebhookRegistration[],
): WebhookRegistration | undefined {
  if (!header || header.length > 1024) return undefined;
  const decoded = Buffer.from(header.trim(), 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon <= 0) return undefined;
  const webhookId = decoded.subarray(0, colon).toString('utf8');
  const given = decoded.subarray(colon + 1);
  const webhook = webhooks.find((w) => w.webhookId === webhookId);
  if (!webhook) return undefined;
  const raw = createHmac('sha256', webhook.secretKey).update(body).digest();
  const expected = given.length === raw.length ? raw : Buffer.from(raw.toString('hex'), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected) ? webhook : undefined;
}

export interface WebhookReceiverDeps {
  alerts: {
    receiverOf(token: string): Promise<{ delivery: AlertDelivery; webhooks: WebhookRegistration[] } | undefined>;
    receive(
      delivery: AlertDelivery,
      webhook: WebhookRegistration,
      items: unknown[],
    ): Promise<{ changes: number; alerts: number }>;
  };
  /** Runs the work after the answer, bounded like every other request (the WorkLimiter). */
  schedule(work: () => Promise<void>): void;
  logger: Logger;
  /** Counts batches by what became of them (the metrics). */
  onBatch?(outcome: WebhookBatchOutcome): void;
}

export type WebhookBatchOutcome = 'accepted' | 'gone' | 'unauthorized' | 'malformed' | 'too_large';

class TooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new TooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(text);
}

/** A Bolt HTTPReceiver custom route; Bolt puts `:token` into `req.params`. */
export function webhookRoute(deps: WebhookReceiverDeps) {
  return {
    path: `${WEBHOOK_PATH}/:token`,
    method: ['POST'],
    handler: (req: IncomingMessage & { params?: Record<string, string | string[]> }, res: ServerResponse) => {
      void inRequestScope(newRequestId(), () => handle(deps, req, res)).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'the EspoCRM webhook receiver failed');
        reply(res, 500, 'error');
      });
    },
  };
}

async function handle(
  deps: WebhookReceiverDeps,
  req: IncomingMessage & { params?: Record<string, string | string[]> },
  res: ServerResponse,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof TooLarge) {
      deps.onBatch?.('too_large');
      // The rest of the body is never read: the connection ends with this answer, so neither a
      // keep-alive socket holding it nor a graceful stop waiting on that socket is left behind.
      return reply(res, 413, 'too large', { connection: 'close' });
    }
    throw error;
  }
  const param = req.params?.token;
  const token = typeof param === 'string' ? param : '';
  const receiver = await deps.alerts.receiverOf(token);
  if (!receiver) {
    deps.logger.info(
      {},
      'an EspoCRM webhook batch came for a receiver token nobody holds: 410 tells EspoCRM to delete the webhook',
    );
    deps.onBatch?.('gone');
    return reply(res, 410, 'gone');
  }
  const header = req.headers['signature'] ?? req.headers['x-signature'];
  const webhook = verifyEspoSignature(Array.isArray(header) ? header[0] : header, body, receiver.webhooks);
  if (!webhook) {
    deps.logger.warn({ tenant: receiver.delivery.tenantKey }, 'an EspoCRM webhook batch was refused: bad signature');
    deps.onBatch?.('unauthorized');
    return reply(res, 401, 'unauthorized');
  }
  let items: unknown[];
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    items = Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    deps.onBatch?.('malformed');
    return reply(res, 400, 'not JSON');
  }
  deps.onBatch?.('accepted');
  reply(res, 200, 'ok');
  const received = performance.now();
  deps.schedule(async () => {
    const result = await deps.alerts.receive(receiver.delivery, webhook, items);
    deps.logger.info(
      {
        kind: 'webhook',
        tenant: receiver.delivery.tenantKey,
        event: webhook.event,
        items: items.length,
        ...result,
        ms: Math.round(performance.now() - received),
      },
      'EspoCRM webhook batch handled',
    );
  });
}
