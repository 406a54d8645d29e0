// EspoCRM's webhooks, as the fake instance models them (docs.espocrm.com/administration/webhooks and
// EspoCRM's Webhook\Manager / Sender): `POST /Webhook {event, url}` answers `{id, secretKey}`; events
// are queued as records change (`Entity.create`: every attribute; `Entity.update`: the changed
// attributes and the id; `Entity.fieldUpdate.field`: the id and that field's attributes;
// `Entity.delete`: the id), and `deliver()` sends each webhook's queue as JSON arrays of at most 50,
// signed with `Signature: base64("{id}:" + hex HMAC-SHA256)` and legacy `X-Signature: base64("{id}:" + raw HMAC)`.
// What an answer does is Core/Webhook/Queue.php `send`: 2xx/3xx ends the items; 410 deletes the
// webhook with its pending items; 0, 401, 403, 404, 405, 408, 500 and 503 keep the items for another
// attempt (4 in all, the next one `webhookFailAttemptPeriod` later: here, the next `deliver()`);
// any other answer fails them for good.
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

export function signEspoBatch(
  webhookId: string,
  secretKey: string,
  body: string,
): { Signature: string; 'X-Signature': string } {
  const raw = createHmac('sha256', secretKey).update(body).digest();
  return {
    Signature: Buffer.from(`${webhookId}:${raw.toString('hex')}`).toString('base64'),
    'X-Signature': Buffer.concat([Buffer.from(`${webhookId}:`), raw]).toString('base64'),
  };
}

/** Queue.php's MAX_ATTEMPT_NUMBER (`webhookMaxAttemptNumber`). */
const MAX_ATTEMPTS = 4;
const RETRIED = new Set([0, 401, 403, 404, 405, 408, 500, 503]);

interface QueueItem {
  data: Record<string, unknown>;
  attempts: number;
}

export class FakeEspoWebhooks {
  readonly registered = new Map<string, FakeWebhook>();
  private readonly queues = new Map<string, QueueItem[]>();
  /** Answer `POST /Webhook` with this status instead (403: the API user lacks the Webhooks scope). */
  refuseWith?: number;
  private counter = 0;

  create(body: unknown): { status: number; body?: unknown } {
    if (this.refuseWith) return { status: this.refuseWith };
    const input = (body ?? {}) as { event?: unknown; url?: unknown };
    if (
      typeof input.event !== 'string' ||
      !/^[A-Za-z]\w*\.(create|update|delete|fieldUpdate\.\w+)$/.test(input.event) ||
      typeof input.url !== 'string'
    ) {
      return { status: 400 };
    }
    const webhook: FakeWebhook = {
      id: `wh${(++this.counter).toString(16).padStart(15, '0')}`,
      event: input.event,
      url: input.url,
      secretKey: randomBytes(16).toString('hex'),
    };
    this.registered.set(webhook.id, webhook);
    return {
      status: 200,
      body: { id: webhook.id, event: webhook.event, url: webhook.url, secretKey: webhook.secretKey, isActive: true },
    };
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
      queue.push({ data: structuredClone(item), attempts: 0 });
      this.queues.set(webhook.id, queue);
    }
  }

  /** What the queue would send now, signed, in batches of at most 50; the queue is emptied. */
  takeBatches(): SignedBatch[] {
    return this.takeQueued().map(({ batch }) => batch);
  }

  private takeQueued(): { batch: SignedBatch; queued: QueueItem[] }[] {
    const batches: { batch: SignedBatch; queued: QueueItem[] }[] = [];
    for (const [id, queue] of this.queues) {
      const webhook = this.registered.get(id);
      if (!webhook) continue;
      for (let start = 0; start < queue.length; start += BATCH_SIZE) {
        const queued = queue.slice(start, start + BATCH_SIZE);
        const items = queued.map((entry) => entry.data);
        const body = JSON.stringify(items);
        const batch = {
          webhook,
          url: webhook.url,
          body,
          items,
          headers: { 'content-type': 'application/json', ...signEspoBatch(webhook.id, webhook.secretKey, body) },
        };
        batches.push({ batch, queued });
      }
    }
    this.queues.clear();
    return batches;
  }

  /**
   * Sends every queued batch as EspoCRM's webhook job does, and acts on each answer as it does; returns each status.
   */
  async deliver(): Promise<{ batch: SignedBatch; status: number }[]> {
    const results: { batch: SignedBatch; status: number }[] = [];
    for (const { batch, queued } of this.takeQueued()) {
      const status = await send(batch);
      results.push({ batch, status });
      if (status === 410) {
        this.delete(batch.webhook.id);
      } else if (RETRIED.has(status)) {
        const again = queued
          .map((entry) => ({ ...entry, attempts: entry.attempts + 1 }))
          .filter((entry) => entry.attempts < MAX_ATTEMPTS);
        // Retried items keep their place (Queue.php orders by number) ahead of newer ones.
        if (again.length && this.registered.has(batch.webhook.id))
          this.queues.set(batch.webhook.id, [...again, ...(this.queues.get(batch.webhook.id) ?? [])]);
      }
    }
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
    const req = request(
      batch.url,
      { method: 'POST', agent: false, headers: { ...batch.headers, 'content-length': Buffer.byteLength(batch.body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(batch.body);
  });
}
