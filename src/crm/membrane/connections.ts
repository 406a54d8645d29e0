import { AppError } from '../../core/errors.js';
import type {
  CachedConnection,
  ConnectionStatus,
  CrmFindings,
  Tenant,
  TenantConnectionCache,
} from '../../core/ports.js';
import { commandText } from '../../core/text.js';
import { MAX_TENANTS_IN_MEMORY, type MembraneCalls } from './calls.js';
import { describeConnection, type MembraneConnection } from './connection-status.js';
import { httpStatus, isConnectionGone, toCrmError, type FailureContext } from './errors.js';

export interface MembraneConnectionOptions {
  /** The EspoCRM app in Membrane's catalog, for `connections/ensure`. */
  appUrl: string;
  timeoutMs: number;
  cache: TenantConnectionCache;
  /** How long a connection may stay BUILDING before we tell the person to come back. */
  buildingWaitMs?: number;
}

/** Told about a READY connection; must not block, and its errors are its own. */
export type ReadyListener = (tenant: Tenant, connectionId: string) => void;

/**
 * Each tenant's Membrane connection: found or created (`connections/ensure`) with a bounded wait
 * while it builds, cached in the store once READY, dropped when Membrane says it is gone.
 */
export class MembraneConnections {
  /** `tenant:connection` pairs `onReady` was told about. */
  private readonly announced = new Set<string>();
  private onReady?: ReadyListener;

  constructor(
    private readonly calls: MembraneCalls,
    private readonly options: MembraneConnectionOptions,
  ) {}

  /**
   * Who is told (once per connection in this process) when a tenant's connection is found READY
   * and the doctor has not checked it: the doctor's cue.
   */
  whenReady(listener: ReadyListener): void {
    this.onReady = listener;
  }

  async connect(tenant: Tenant): Promise<ConnectionStatus> {
    const status = await this.ensure(tenant);
    if (status.state !== 'ready') await this.options.cache.delete(tenant.key);
    return status;
  }

  /**
   * The tenant's connection as Membrane sees it now. The cache may not know it yet (someone finished
   * the connect link since), so without a cached id Membrane's list of the customer's connections
   * is asked; nothing is created just to answer a question.
   */
  async status(tenant: Tenant): Promise<ConnectionStatus> {
    try {
      const cached = await this.options.cache.get(tenant.key);
      const connection = cached
        ? ((await this.calls.call('connection.get', tenant, true, (c) =>
            c.connection(cached.connectionId).get(),
          )) as MembraneConnection)
        : (
            (await this.calls.call('connections.find', tenant, true, (c) => c.connections.find({}))) as {
              items?: MembraneConnection[];
            }
          ).items?.[0];
      if (!connection) return { state: 'none' };
      const status = describeConnection(connection);
      if (status.state === 'ready') await this.cacheReady(tenant, connection.id);
      else await this.options.cache.delete(tenant.key);
      return status;
    } catch (error) {
      if (isConnectionGone(error) || httpStatus(error) === 404) {
        await this.options.cache.delete(tenant.key);
        return { state: 'none' };
      }
      throw toCrmError(error, { what: 'check the connection', isWrite: false });
    }
  }

  /**
   * From the store's cache only: no Membrane call and no ensure, so a link someone pasted in an
   * unconnected workspace never starts a connection. A connection finished since the cache last
   * saw it counts as not connected until the next command there.
   */
  async isConnected(tenant: Tenant): Promise<boolean> {
    return (await this.options.cache.get(tenant.key))?.state === 'READY';
  }

  async disconnect(tenant: Tenant): Promise<void> {
    const status = await this.status(tenant);
    if (status.state !== 'none' && status.connectionId) {
      const { connectionId } = status;
      try {
        await this.calls.call('connection.archive', tenant, false, (c) => c.connection(connectionId).archive());
      } catch (error) {
        if (!(isConnectionGone(error) || httpStatus(error) === 404))
          throw toCrmError(error, { what: 'disconnect EspoCRM', isWrite: true });
      }
    }
    await this.options.cache.delete(tenant.key);
  }

  /** `membrane connection ensure`: find or create, then wait a bounded time while it builds. */
  private async ensure(tenant: Tenant, quietly = false): Promise<ConnectionStatus> {
    try {
      // Ensure finds the live connection before it creates one, so repeating it is safe.
      let connection = (await this.calls.call('connection.ensure', tenant, true, (c) =>
        c.post('/connections/ensure', { appUrl: this.options.appUrl }),
      )) as MembraneConnection;
      const deadline = Date.now() + (this.options.buildingWaitMs ?? 15_000);
      // Each long-poll must end before the HTTP timeout, or a slow build reads as "no answer".
      const longestPoll = Math.max(1, Math.floor(this.options.timeoutMs / 1000) - 1);
      while (connection.state === 'BUILDING' && Date.now() < deadline) {
        const waitSeconds = Math.max(1, Math.min(longestPoll, Math.floor((deadline - Date.now()) / 1000)));
        connection = (await this.calls.call('connection.wait', tenant, true, (c) =>
          c.get(`/connections/${encodeURIComponent(connection.id)}`, { wait: true, timeout: waitSeconds }),
        )) as MembraneConnection;
      }
      const status = describeConnection(connection);
      if (status.state === 'ready') await this.cacheReady(tenant, connection.id, quietly);
      return status;
    } catch (error) {
      throw toCrmError(error, { what: 'connect to EspoCRM', isWrite: false });
    }
  }

  private async cacheReady(tenant: Tenant, connectionId: string, quietly = false): Promise<void> {
    await this.options.cache.put(tenant.key, { connectionId, state: 'READY' });
    if (!quietly) this.announce(tenant, connectionId);
  }

  /** Tells `onReady` about a READY connection nothing was learned about yet, once per process. */
  private announce(tenant: Tenant, connectionId: string): void {
    const key = `${tenant.key}\n${connectionId}`;
    if (!this.onReady || this.announced.has(key)) return;
    if (this.announced.size >= MAX_TENANTS_IN_MEMORY) this.announced.delete(this.announced.values().next().value!);
    this.announced.add(key);
    this.onReady(tenant, connectionId);
  }

  /**
   * A READY connection id for the tenant, from cache when possible; otherwise a typed error.
   * `quietly`: the doctor's own look, which must not cue another check.
   */
  async readyConnection(tenant: Tenant, quietly = false): Promise<CachedConnection> {
    const cached = await this.options.cache.get(tenant.key);
    if (cached?.state === 'READY') {
      if (!cached.findings?.checkedAt && !quietly) this.announce(tenant, cached.connectionId);
      return cached;
    }
    const status = await this.ensure(tenant, quietly);
    switch (status.state) {
      case 'ready':
        return (await this.options.cache.get(tenant.key)) ?? { connectionId: status.connectionId, state: 'READY' };
      case 'action_required':
        throw new AppError('connection_required', `EspoCRM is not connected yet. ${status.description}`, {
          details: { connectUrl: status.url },
        });
      case 'building':
        throw new AppError(
          'connection_failed',
          'The EspoCRM connection is still being set up. Please try again in a minute.',
        );
      case 'failed':
        // Ensure returns the same failed connection every time: only a new one gets past it.
        throw new AppError(
          'connection_failed',
          `The EspoCRM connection could not be set up: ${status.message} To start over: ${commandText('disconnect')}, then ${commandText('connect')}.`,
        );
      case 'none':
        throw new AppError('connection_failed', 'Membrane did not return a connection for EspoCRM.');
    }
  }

  /**
   * Runs `work` with a READY connection. When Membrane says the connection is gone, the cache is
   * dropped and the work runs once more on a freshly ensured connection. A write in the work never
   * gets here unless Membrane refused it before it started (`guardWrite`), so repeating is safe.
   */
  async withConnection<T>(
    tenant: Tenant,
    failure: FailureContext,
    work: (connection: CachedConnection) => Promise<T>,
  ): Promise<T> {
    const connection = await this.readyConnection(tenant);
    try {
      return await work(connection);
    } catch (error) {
      if (!isConnectionGone(error)) throw toCrmError(error, failure);
      await this.options.cache.delete(tenant.key);
      const fresh = await this.readyConnection(tenant);
      try {
        return await work(fresh);
      } catch (retryError) {
        throw toCrmError(retryError, failure);
      }
    }
  }

  /** Adds to what is known about the tenant's connection, for every instance. */
  async learn(tenant: Tenant, connection: CachedConnection, learned: Partial<CrmFindings>): Promise<void> {
    const findings: CrmFindings = { ...(connection.findings ?? { connectionId: connection.connectionId }), ...learned };
    connection.findings = findings;
    await this.options.cache.putFindings(tenant.key, tenant.teamId, findings);
  }
}
