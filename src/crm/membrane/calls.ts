import type { MembraneClient } from '@membranehq/sdk';
import type { Tenant } from '../../core/ports.js';
import { withRetries, type RetryPolicy } from '../../core/retry.js';
import { withDeadline } from '../../observability/request-scope.js';
import { membraneClient, type MembraneCredentials } from './client.js';
import { transientFailure } from './errors.js';

export interface MembraneCallObserver {
  membraneCall(operation: string, outcome: 'ok' | 'transient' | 'error', seconds: number): void;
}

export interface MembraneCallOptions {
  apiUri: string;
  credentials: MembraneCredentials;
  timeoutMs: number;
  /** Sees every attempt of every Membrane call (the metrics). */
  observer?: MembraneCallObserver;
  /** Logs each retry of a read. */
  logger?: { warn(details: Record<string, unknown>, message: string): void };
}

/** How many tenants one process keeps things in memory for (SDK clients, parsed catalogs, cues). */
export const MAX_TENANTS_IN_MEMORY = 1000;

/** How a call that may be repeated (a read) is retried: three attempts inside the call's timeout. */
function readRetryPolicy(deadlineMs: number): RetryPolicy {
  return { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000, deadlineMs, minAttemptMs: 250 };
}

/** Every Membrane call goes through here: one SDK client per tenant, a deadline, retries of reads, metrics. */
export class MembraneCalls {
  private readonly clients = new Map<string, MembraneClient>();

  constructor(private readonly options: MembraneCallOptions) {}

  private client(tenant: Tenant): MembraneClient {
    const { credentials, apiUri, timeoutMs } = this.options;
    const key = credentials.kind === 'token' ? '*' : tenant.key;
    let client = this.clients.get(key);
    if (!client) {
      client = membraneClient(credentials, apiUri, tenant.key, timeoutMs);
      if (this.clients.size >= MAX_TENANTS_IN_MEMORY) this.clients.delete(this.clients.keys().next().value!);
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * One Membrane call, bounded by MEMBRANE_TIMEOUT_MS in all. A read (`repeatable`) that fails in a
   * passing way (5xx, 429, a timeout, a dropped connection) is tried again with jittered backoff
   * inside that bound; anything else, and every write, is tried once: repeating a write whose
   * outcome is unknown could write twice.
   */
  async call<T>(
    what: string,
    tenant: Tenant,
    repeatable: boolean,
    run: (client: MembraneClient) => Promise<T>,
  ): Promise<T> {
    const client = this.client(tenant);
    const attempt = async (remainingMs: number) => {
      const started = performance.now();
      try {
        // The attempt's axios timeout is cut to fit what is left of the call's deadline.
        const result = await withDeadline(Date.now() + remainingMs, () => run(client));
        this.options.observer?.membraneCall(what, 'ok', (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        const passing = repeatable && transientFailure(error) !== undefined;
        this.options.observer?.membraneCall(
          what,
          passing ? 'transient' : 'error',
          (performance.now() - started) / 1000,
        );
        throw error;
      } finally {
        // The SDK keeps a record of every request in memory until someone retrieves it; in a
        // long-running bot that is an unbounded leak, so drain it after each call.
        client.retrieveLogs();
      }
    };
    if (!repeatable) return attempt(this.options.timeoutMs);
    return withRetries(
      readRetryPolicy(this.options.timeoutMs),
      {
        transient: transientFailure,
        onRetry: (_error, retry) =>
          this.options.logger?.warn(
            { membraneCall: what, tenant: tenant.key, ...retry },
            'a Membrane read failed in a passing way; trying again',
          ),
      },
      attempt,
    );
  }
}
