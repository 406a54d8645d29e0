// EspoCRM's webhooks, as the fake instance models them (docs.espocrm.com/administration/webhooks and
// EspoCRM's Webhook\Manager / Sender): `POST /Webhook {event, url}` answers `{id, secretKey}`; events
// are queued as records change (`Entity.create`: every attribute; `Entity.update`: the changed
// attributes and the id; `Entity.fieldUpdate.field`: the id and that field's attributes;
// `Entity.delete`: the id), and `deliver()` sends each webhook's queue as JSON arrays of at most 50,
// signed with `Signature: base64("{id}:" + hex HMAC-SHA256)` and legacy `X-Signature: base64("{id}:" + raw HMAC)`.
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';

export interface FakeWebhook {
  id: string;
  event: string;
  url: string;
  secretKey: string;
}

export interface SignedBatch {
  webhook: FakeWebhook;
  url: string;
  body: string;
  headers: Record<string, string>;
  items: Record<string, unknown>[];
}

/** EspoCRM's default `webhookBatchSize`. */
export const BATCH_SIZE = 50;

export function signEspoBatch(webhookId: string, secretKey: string, body: string): { Signature: string; 'X-Signature': string } {
  const raw = createHmac('sha256', secretKey).update(body).digest();
  return {
    Signature: Buffer.from(`${webhookId}:${raw.toString('hex')}`).toString('base64'),
    'X-Signature': Buffer.concat([Buffer.from(`${webhookId}:`), raw]).toString('base64'),
  };
}

export class FakeEspoWebhooks {
  readonly registered = new Map<string, FakeWebhook>();
  private readonly queues = new Map<string, Record<string, unknown>[]>();
  /** Answer `POST /Webhook` with this status instead (403: the API user lacks the Webhooks scope). */
  refuseWith?: number;
  private counter = 0;

  create(body: unknown): { status: number; body?: unknown } {
    if (this.refuseWith) return { status: this.refuseWith };
    const input = (body ?? {}) as { event?: unknown; url?: unknown };
    if (typeof input.event !== 'string' || !/^[A-Za-z]\w*\.(create|update|delete|fieldUpdate\.\w+)$/.test(input.event) || typeof input.url !== 'string') {
      return { status: 400 };
    }
    const webhook: FakeWebhook = { id: `wh${(++this.counter).toString(16).padStart(15, '0')}`, event: input.event, url: input.url, secretKey: randomBytes(16).toString('hex') };
    this.registered.set(webhook.id, webhook);
    return { status: 200, body: { id: webhook.id, event: webhook.event, url: webhook.url, secretKey: webhook.secretKey, isActive: true } };
  }

  delete(id: string): boolean {
    this.queues.delete(id);
    return this.registered.delete(id);
  }

  /** A record changed: every webhook for that event queues the item. */
  emit(event: string, item: Record<string, unknown>): void {
    for (const webhook of this.registered.values()) {
      if (webhook.event !== event) continue;
      const queue = this.queues.get(webhook.id) ?? [];
      queue.push(structuredClone(item));
      this.queues.set(webhook.id, queue);
    }
  }

  /** What the queue would send now, signed, in batches of at most 50; the queue is emptied. */
  takeBatches(): SignedBatch[] {
    const batches: SignedBatch[] = [];
    for (const [id, queue] of this.queues) {
      const webhook = this.registered.get(id);
      if (!webhook) continue;
      for (let start = 0; start < queue.length; start += BATCH_SIZE) {
        const items = queue.slice(start, start + BATCH_SIZE);
        const body = JSON.stringify(items);
        batches.push({ webhook, url: webhook.url, body, items, headers: { 'content-type': 'application/json', ...signEspoBatch(webhook.id, webhook.secretKey, body) } });
      }
    }
    this.queues.clear();
    return batches;
  }

  /** Sends every queued batch as EspoCRM's webhook job does; returns each answer's status. */
  async deliver(): Promise<{ batch: SignedBatch; status: number }[]> {
    const results: { batch: SignedBatch; status: number }[] = [];
    for (const batch of this.takeBatches()) results.push({ batch, status: await send(batch) });
    return results;
  }
}

/**
 * POSTs one batch on a connection of its own, as EspoCRM's sender (a PHP cURL call per batch)
 * does: a pooled keep-alive socket could be one the bot's server is just closing, which no real
 * EspoCRM would run into.
 */
export function send(batch: Pick<SignedBatch, 'url' | 'body' | 'headers'>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(batch.url, { method: 'POST', agent: false, headers: { ...batch.headers, 'content-length': Buffer.byteLength(batch.body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(batch.body);
  });
}
