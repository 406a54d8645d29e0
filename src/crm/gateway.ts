import { MembraneAxiosInstance, MembraneClient } from '@membranehq/sdk';
import { AppError } from '../core/errors.js';
import { withRetries, type RetryPolicy } from '../core/retry.js';
import { currentDeadline, currentRequestId, withDeadline } from '../observability/request-scope.js';
import type {
  ActionInfo,
  ConnectionStatus,
  CrmFindings,
  DoctorCheck,
  Examination,
  CrmGateway,
  CrmRecord,
  ListQuery,
  ProxyRequest,
  ReadResult,
  RecordPage,
  Tenant,
} from '../core/ports.js';
import {
  idInput,
  isObject,
  isReadAction,
  listInput,
  pageByCursor,
  toPage,
  toRecord,
  toWrittenRecord,
  writeInput,
  type JsonSchema,
} from './action-io.js';
import { actionNouns, EspoEntityDirectory } from './espo/entities.js';
import { changedEntityOf } from './membrane/action-entity.js';
import { listQueryOf, parseBracketQuery } from './espo/list-call.js';
import { espoListPath, espoQueryString, ROUTES, yesNoWhere, type RecordOperation } from './espo/routes.js';
import {
  isConnectionGone,
  maxSizeRefused,
  refusedBeforeStart,
  toCrmError,
  transientFailure,
  type FailureContext,
} from './errors.js';
import {
  catalogCheck,
  DEFAULT_MAX_PAGE_SIZE,
  listActionsCheck,
  listPaging,
  PACKAGE_ACTIONS,
  probeInput,
  settingsOf,
  unusable,
  type ListProbe,
} from './examination.js';
import { formSchemaFromAction, formSchemaFromDefinitions } from './forms.js';
import { fieldProblems, validateAgainstSchema } from './validate.js';
import { commandText } from '../core/text.js';

/** What is remembered per tenant between requests, so a warm command costs one Membrane call. */
export interface CachedConnection {
  connectionId: string;
  state: string;
  /** When the action catalog was last read from Membrane (epoch ms), if it has been. */
  catalogFetchedAt?: number;
  /** What the bot learned about this connection (the doctor, EspoCRM's refusals), if anything. */
  findings?: CrmFindings;
}

export interface CatalogEntry {
  key: string;
  name: string;
  description?: string;
  type?: string;
  inputSchema?: Record<string, unknown>;
}

/**
 * Shared by every instance (it lives in the store). The catalog is kept apart from the
 * connection row because it is large: a warm request reads only the small row.
 */
export interface TenantConnectionCache {
  get(tenantKey: string): Promise<CachedConnection | undefined>;
  /** Records the tenant's READY connection; a different connection id forgets the old catalog. */
  put(tenantKey: string, entry: { connectionId: string; state: string }): Promise<void>;
  getCatalog(tenantKey: string): Promise<CatalogEntry[] | undefined>;
  putCatalog(tenantKey: string, catalog: CatalogEntry[], fetchedAt: number): Promise<void>;
  /** Keeps what was learned about the tenant's connection; it outlives the cached row (the tenant's profile). */
  putFindings(tenantKey: string, teamId: string, findings: CrmFindings): Promise<void>;
  delete(tenantKey: string): Promise<void>;
}

export type MembraneCredentials =
  { kind: 'workspace'; workspaceKey: string; workspaceSecret: string } | { kind: 'token'; token: string };

/** An SDK client acting for one tenant (a Membrane customer); a fixed token is one customer whatever the tenant. */
export function membraneClient(credentials: MembraneCredentials, apiUri: string, tenantKey: string): MembraneClient {
  return credentials.kind === 'token'
    ? new MembraneClient({ token: credentials.token, apiUri })
    : new MembraneClient({
        workspaceKey: credentials.workspaceKey,
        workspaceSecret: credentials.workspaceSecret,
        tenantKey,
        apiUri,
      });
}

export interface MembraneGatewayOptions {
  apiUri: string;
  credentials: MembraneCredentials;
  /** The EspoCRM app in Membrane's catalog, for `connections/ensure`. */
  appUrl: string;
  timeoutMs: number;
  cache: TenantConnectionCache;
  /** How long a connection may stay BUILDING before we tell the person to come back. */
  buildingWaitMs?: number;
  catalogTtlMs?: number;
  /** Sees every attempt of every Membrane call (the metrics). */
  observer?: MembraneCallObserver;
  /** Logs each retry of a read. */
  logger?: { warn(details: Record<string, unknown>, message: string): void };
  /**
   * Told (once per connection in this process) when a tenant's connection is found READY and the
   * doctor has not checked it: the doctor's cue. Must not block; errors are its own.
   */
  onReady?: (tenant: Tenant, connectionId: string) => void;
}

export interface MembraneCallObserver {
  membraneCall(operation: string, outcome: 'ok' | 'transient' | 'error', seconds: number): void;
}

interface MembraneConnection {
  id: string;
  name?: string;
  state?: string;
  disconnected?: boolean;
  isDefunct?: boolean;
  clientAction?: { type?: string; description?: string; uiUrl?: string; agentInstructions?: string };
  error?: { message?: string };
  errors?: { message?: string }[];
}

let interceptorInstalled = false;

/**
 * The SDK's helpers take no per-request options, so one axios interceptor on its shared instance
 * carries what each request needs: the request id (Membrane's logs can be matched with ours) and
 * a timeout that ends with the call's deadline, retries included.
 */
function installRequestInterceptor(): void {
  if (interceptorInstalled) return;
  interceptorInstalled = true;
  MembraneAxiosInstance.interceptors.request.use((config) => {
    const requestId = currentRequestId();
    if (requestId) config.headers.set('x-request-id', requestId);
    const deadline = currentDeadline();
    if (deadline !== undefined)
      config.timeout = Math.max(1, Math.min(config.timeout || Number.MAX_SAFE_INTEGER, deadline - Date.now()));
    return config;
  });
}

/** How a call that may be repeated (a read) is retried: three attempts inside the call's timeout. */
function readRetryPolicy(deadlineMs: number): RetryPolicy {
  return { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000, deadlineMs, minAttemptMs: 250 };
}

const MAX_CLIENTS = 1000;
const MAX_CATALOG_PAGES = 10;

const directory = new EspoEntityDirectory();

/** Which entity a read action lists or gets, from Membrane's action type and its key (`list-deals`). */
function readShapeOf(type: string | undefined, key: string): { verb: 'list' | 'get'; entity: string } | undefined {
  const match = /^(list|search|get|find)-(.+)$/.exec(key);
  if (!match) return undefined;
  const verb = type === 'find-data-record-by-id' || match[1] === 'get' || match[1] === 'find' ? 'get' : 'list';
  return { verb, entity: directory.resolve(match[2]!).name };
}

/**
 * What a read returned: records (with the ListQuery the call amounts to, when there is one, so it
 * pages like `/espo list`), one record, or other data. `params` are the call's list parameters.
 */
function interpretRead(
  output: unknown,
  shape: { verb: 'list' | 'get'; entity: string } | undefined,
  params: Record<string, unknown>,
): ReadResult {
  if (shape?.verb === 'list') {
    const offset = Number(params.offset);
    const start = Number.isInteger(offset) && offset >= 0 ? offset : 0;
    const size = Number(params.maxSize ?? params.limit);
    const seen = toPage(output, {
      entity: shape.entity,
      filters: [],
      offset: start,
      limit: Number.isInteger(size) && size > 0 ? size : Number.MAX_SAFE_INTEGER,
    });
    if (seen) {
      const query = listQueryOf(shape.entity, params, seen.hasMore);
      // With a query, "more" is judged as /espo list judges it, so Next appears exactly when it would.
      const page = query ? (toPage(output, query) ?? seen) : seen;
      return { kind: 'records', entity: shape.entity, page, offset: start, ...(query ? { query } : {}) };
    }
  }
  if (shape?.verb === 'get') {
    const record = toRecord(isObject(output) && isObject(output.record) ? output.record : output);
    if (record) return { kind: 'record', entity: shape.entity, record };
  }
  return { kind: 'data', output };
}

/**
 * The CRM gateway over Membrane: one SDK client per tenant (a Membrane customer), connection
 * ensure with a bounded wait, the action catalog cached with the connection, pre-built actions
 * where they fit and the EspoCRM REST proxy where they do not.
 */
export class MembraneGateway implements CrmGateway {
  private readonly clients = new Map<string, MembraneClient>();
  /** Parsed catalogs by tenant, valid while the store's catalogFetchedAt matches. */
  private readonly catalogs = new Map<string, { fetchedAt: number; catalog: CatalogEntry[] }>();
  /** `tenant:connection` pairs `onReady` was told about. */
  private readonly announced = new Set<string>();

  constructor(private readonly options: MembraneGatewayOptions) {
    // The SDK shares one axios instance; its timeout is the only deadline the accessors honour.
    MembraneAxiosInstance.defaults.timeout = options.timeoutMs;
    // Membrane's API does not redirect; skipping the redirect wrapper saves work on every call.
    MembraneAxiosInstance.defaults.maxRedirects = 0;
    installRequestInterceptor();
  }

  private client(tenant: Tenant): MembraneClient {
    const { credentials, apiUri } = this.options;
    const key = credentials.kind === 'token' ? '*' : tenant.key;
    let client = this.clients.get(key);
    if (!client) {
      client = membraneClient(credentials, apiUri, tenant.key);
      if (this.clients.size >= MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
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
  private async call<T>(
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

  // ---- connections -------------------------------------------------------------------------

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
        ? ((await this.call('connection.get', tenant, true, (c) =>
            c.connection(cached.connectionId).get(),
          )) as MembraneConnection)
        : (
            (await this.call('connections.find', tenant, true, (c) => c.connections.find({}))) as {
              items?: MembraneConnection[];
            }
          ).items?.[0];
      if (!connection) return { state: 'none' };
      const status = describe(connection);
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
        await this.call('connection.archive', tenant, false, (c) => c.connection(connectionId).archive());
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
      let connection = (await this.call('connection.ensure', tenant, true, (c) =>
        c.post('/connections/ensure', { appUrl: this.options.appUrl }),
      )) as MembraneConnection;
      const deadline = Date.now() + (this.options.buildingWaitMs ?? 15_000);
      // Each long-poll must end before the HTTP timeout, or a slow build reads as "no answer".
      const longestPoll = Math.max(1, Math.floor(this.options.timeoutMs / 1000) - 1);
      while (connection.state === 'BUILDING' && Date.now() < deadline) {
        const waitSeconds = Math.max(1, Math.min(longestPoll, Math.floor((deadline - Date.now()) / 1000)));
        connection = (await this.call('connection.wait', tenant, true, (c) =>
          c.get(`/connections/${encodeURIComponent(connection.id)}`, { wait: true, timeout: waitSeconds }),
        )) as MembraneConnection;
      }
      const status = describe(connection);
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
    if (!this.options.onReady || this.announced.has(key)) return;
    if (this.announced.size >= MAX_CLIENTS) this.announced.delete(this.announced.values().next().value!);
    this.announced.add(key);
    this.options.onReady(tenant, connectionId);
  }

  /**
   * A READY connection id for the tenant, from cache when possible; otherwise a typed error.
   * `quietly`: the doctor's own look, which must not cue another check.
   */
  private async readyConnection(tenant: Tenant, quietly = false): Promise<CachedConnection> {
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
  private async withConnection<T>(
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

  // ---- actions -----------------------------------------------------------------------------

  /**
   * The connection's actions with their input schemas: read from Membrane once per TTL and kept
   * in the store for every instance; parsed once per process while the store says it is current.
   */
  private async catalog(tenant: Tenant, connection: CachedConnection, fresh = false): Promise<CatalogEntry[]> {
    const ttl = this.options.catalogTtlMs ?? 60 * 60_000;
    const fetchedAt = connection.catalogFetchedAt;
    if (!fresh && fetchedAt && Date.now() - fetchedAt < ttl) {
      const memo = this.catalogs.get(tenant.key);
      if (memo?.fetchedAt === fetchedAt) return memo.catalog;
      const stored = await this.options.cache.getCatalog(tenant.key);
      if (stored) return this.remember(tenant.key, fetchedAt, stored);
    }
    const catalog: CatalogEntry[] = [];
    let cursor: string | undefined;
    // Page through it (bounded): an action past the first page would otherwise look missing.
    for (let page = 0; page < MAX_CATALOG_PAGES; page++) {
      const response = (await this.call('actions.find', tenant, true, (c) =>
        c.actions.find({ connectionId: connection.connectionId, limit: 100, ...(cursor ? { cursor } : {}) }),
      )) as { items?: CatalogEntry[]; cursor?: string };
      catalog.push(
        ...(response.items ?? []).map(({ key, name, description, type, inputSchema }) => ({
          key,
          name,
          description,
          type,
          inputSchema,
        })),
      );
      cursor = response.cursor;
      if (!cursor) break;
    }
    const now = Date.now();
    await this.options.cache.putCatalog(tenant.key, catalog, now);
    return this.remember(tenant.key, now, catalog);
  }

  private remember(tenantKey: string, fetchedAt: number, catalog: CatalogEntry[]): CatalogEntry[] {
    if (this.catalogs.size >= MAX_CLIENTS) this.catalogs.delete(this.catalogs.keys().next().value!);
    this.catalogs.set(tenantKey, { fetchedAt, catalog });
    return catalog;
  }

  /**
   * Intent search, with each action's input schema as the search returned it: the cached catalog
   * may predate an action the search finds. Only an item without a schema borrows the catalog's.
   */
  async searchActions(tenant: Tenant, intent: string, limit: number): Promise<ActionInfo[]> {
    return this.withConnection(tenant, { what: 'search actions', isWrite: false }, async (connection) => {
      const { connectionId } = connection;
      const response = (await this.call('actions.search', tenant, true, (c) =>
        c.actions.find({ connectionId, intent, limit }),
      )) as { items?: CatalogEntry[] };
      const items = (response.items ?? []).slice(0, limit);
      const catalog = items.some((item) => !item.inputSchema) ? await this.catalog(tenant, connection) : [];
      return items.map((item) => {
        const inputSchema = item.inputSchema ?? catalog.find((entry) => entry.key === item.key)?.inputSchema;
        return {
          key: item.key,
          name: item.name,
          description: item.description,
          isRead: isReadAction({ ...item, inputSchema }),
          ...changedEntityOf(item.key),
          ...(inputSchema ? { inputSchema } : {}),
        };
      });
    });
  }

  async describeAction(tenant: Tenant, key: string): Promise<ActionInfo> {
    return this.withConnection(tenant, { what: `find the action ${key}`, isWrite: false }, async (connection) => {
      const entry = (await this.catalog(tenant, connection)).find((action) => action.key === key);
      if (!entry) {
        throw new AppError(
          'not_found',
          `There is no action \`${key}\` for this connection. ${commandText('actions <what you want>')} lists the ones there are.`,
        );
      }
      return {
        key: entry.key,
        name: entry.name,
        description: entry.description,
        isRead: isReadAction(entry),
        ...changedEntityOf(entry.key),
        inputSchema: entry.inputSchema,
      };
    });
  }

  checkActionInput(action: ActionInfo, input: unknown): string | undefined {
    return validateAgainstSchema(action.inputSchema, input);
  }

  async runAction(tenant: Tenant, key: string, input: unknown): Promise<unknown> {
    // Whether to confirm was decided from the same catalog entry before; here it decides the
    // error wording and whether a failed run may be tried again.
    const entry = (await this.catalogFor(tenant)).find((action) => action.key === key);
    const isRead = isReadAction(entry ?? { key });
    return this.withConnection(tenant, { what: `run ${key}`, isWrite: !isRead }, ({ connectionId }) =>
      this.run(tenant, key, input, connectionId, isRead),
    );
  }

  /** A read the planner chose; the yes/no items of a list's `where` are sent as EspoCRM compares them (yesNoWhere). */
  async readAction(tenant: Tenant, key: string, input: unknown): Promise<ReadResult> {
    const entry = (await this.catalogFor(tenant)).find((action) => action.key === key);
    const shape = readShapeOf(entry?.type, key);
    const sent =
      shape?.verb === 'list' && isObject(input) && Array.isArray(input.where)
        ? { ...input, where: yesNoWhere(shape.entity, input.where) }
        : input;
    const output = await this.runAction(tenant, key, sent);
    return interpretRead(output, shape, isObject(sent) ? sent : {});
  }

  /** A REST GET the planner chose; a list's yes/no `where` items are rewritten as in readAction. */
  async readPath(tenant: Tenant, path: string): Promise<ReadResult> {
    const match = /^\/([A-Za-z][A-Za-z0-9_]*)(?:\/([^/?]+))?\/?(?:\?(.*))?$/.exec(path);
    if (!match) return { kind: 'data', output: await this.proxy(tenant, { method: 'GET', path }) };
    const [entity, id] = [match[1]!, match[2]];
    const params = parseBracketQuery(match[3] ?? '');
    const where = id ? params.where : yesNoWhere(entity, params.where);
    // Rebuilt only when an item changed; otherwise the path goes as the planner wrote it.
    const rewritten = JSON.stringify(where) !== JSON.stringify(params.where);
    const sent = rewritten ? { ...params, where } : params;
    const output = await this.proxy(tenant, {
      method: 'GET',
      path: rewritten ? `/${entity}?${espoQueryString(Object.entries(sent))}` : path,
    });
    return interpretRead(output, { verb: id ? 'get' : 'list', entity }, sent);
  }

  async formSchema(
    tenant: Tenant,
    entity: string,
    operation: 'create' | 'update',
  ): Promise<Record<string, unknown> | undefined> {
    return this.withConnection(
      tenant,
      { what: `open a form for ${actionNouns(entity).plural}`, isWrite: false },
      async (connection) => {
        const key = ROUTES[operation].actionKey(entity);
        const action = (await this.catalog(tenant, connection)).find((entry) => entry.key === key);
        return formSchemaFromAction(action?.inputSchema) ?? formSchemaFromDefinitions(entity);
      },
    );
  }

  checkFields(schema: Record<string, unknown>, fields: Record<string, unknown>): { field: string; problem: string }[] {
    return fieldProblems(schema, fields);
  }

  // ---- the doctor ----------------------------------------------------------------------------

  /**
   * Harmless reads against the live connection, one check per assumption: where the proxy's base
   * path is, what EspoCRM's settings say (its address, version, page limit), whether the API user
   * may manage webhooks, which actions exist and how their lists page. What it finds is kept for
   * the tenant (its profile), and the gateway works with it from then on.
   */
  async examine(tenant: Tenant): Promise<Examination> {
    const connection = await this.readyConnection(tenant, true);
    const { connectionId } = connection;
    const findings: CrmFindings = { connectionId, checkedAt: Date.now() };
    const get = (path: string) => this.forward(tenant, connectionId, { method: 'GET', path }, true);
    const words = (error: unknown, what: string) => toCrmError(error, { what, isWrite: false }).userMessage;
    const checks: DoctorCheck[] = [];

    // EspoCRM's API answers /User with a list. A 404, or a page that is not one (the site's own
    // front page), means the connection's base URL is the site: its API is under /api/v1.
    let refusal: unknown;
    for (const prefix of ['', '/api/v1'] as const) {
      try {
        const output = await get(`${prefix}/User?maxSize=1`);
        if (isObject(output) && Array.isArray(output.list)) {
          findings.proxyPrefix = prefix;
          break;
        }
      } catch (error) {
        if (httpStatus(error) !== 404) refusal ??= error;
      }
    }
    if (findings.proxyPrefix === '')
      checks.push({
        name: 'REST proxy',
        status: 'ok',
        detail: "`GET /User?maxSize=1` answers through the proxy: the connection points at EspoCRM's API.",
      });
    else if (findings.proxyPrefix)
      checks.push({
        name: 'REST proxy',
        status: 'adapted',
        detail:
          'The connection points at the EspoCRM site, not its API: `GET /api/v1/User?maxSize=1` answers, so the bot puts `/api/v1` before every REST path.',
      });
    else
      checks.push({
        name: 'REST proxy',
        status: 'problem',
        detail: `\`GET /User?maxSize=1\` does not answer through the proxy, with or without \`/api/v1\`${refusal ? `: ${words(refusal, 'read users')}` : '.'} Lists of meetings, calls and cases, deletes, alerts and digests need it.`,
      });

    if (findings.proxyPrefix !== undefined) {
      const prefix = findings.proxyPrefix;
      const settings = settingsOf(await get(`${prefix}/Settings`).catch(() => undefined));
      Object.assign(findings, settings);
      try {
        const webhooks = await get(`${prefix}/Webhook?maxSize=1`);
        findings.webhooks = 'allowed';
        const total = isObject(webhooks) && typeof webhooks.total === 'number' ? webhooks.total : undefined;
        checks.push({
          name: 'Webhooks',
          status: 'ok',
          detail: `The API user may manage webhooks${total === undefined ? '' : ` (${total} of EspoCRM's 50 per user in use)`}: alerts can arrive at once.`,
        });
      } catch (error) {
        if (httpStatus(error) === 403) {
          findings.webhooks = 'refused';
          checks.push({
            name: 'Webhooks',
            status: 'adapted',
            detail:
              'The API user may not manage webhooks (403), so alerts are polled. For alerts at once, give its role access to Webhooks (EspoCRM: Administration → Roles).',
          });
        } else {
          checks.push({
            name: 'Webhooks',
            status: 'adapted',
            detail: `Could not tell whether the API user may manage webhooks: ${words(error, 'read webhooks')}`,
          });
        }
      }
      const pageSize = settings.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
      findings.maxPageSize = pageSize;
      checks.push(
        pageSize >= DEFAULT_MAX_PAGE_SIZE
          ? {
              name: 'Page size',
              status: 'ok',
              detail: `EspoCRM serves up to ${pageSize} records a page (recordListMaxSizeLimit${settings.maxPageSize ? '' : ', its default'}): alert polling reads ${DEFAULT_MAX_PAGE_SIZE} at a time.`,
            }
          : {
              name: 'Page size',
              status: 'adapted',
              detail: `EspoCRM serves at most ${pageSize} records a page (recordListMaxSizeLimit): alert polling and long lists read ${pageSize} at a time.`,
            },
      );
      checks.push(
        settings.version
          ? { name: 'EspoCRM version', status: 'ok', detail: `EspoCRM ${settings.version}.` }
          : { name: 'EspoCRM version', status: 'adapted', detail: "EspoCRM's settings do not say its version." },
      );
    }

    const catalog = await this.catalog(tenant, connection, true);
    checks.push(catalogCheck(catalog));
    const probes = await Promise.all(
      catalog
        .filter((entry) => entry.key.startsWith('list-') && PACKAGE_ACTIONS.includes(entry.key))
        .map(async (entry): Promise<ListProbe> => {
          const paging = listPaging(entry.inputSchema);
          const input = probeInput(entry.inputSchema);
          if (!paging || !input) return { key: entry.key };
          try {
            const output = await this.run(tenant, entry.key, input, connectionId, true);
            return {
              key: entry.key,
              paging,
              readable: toPage(output, { entity: 'User', filters: [], limit: 1, offset: 0 }) !== undefined,
            };
          } catch (error) {
            return { key: entry.key, paging, failure: words(error, `run ${entry.key}`) };
          }
        }),
    );
    checks.push(listActionsCheck(probes));
    const avoid = unusable(probes);
    if (avoid.length) findings.unusableActions = avoid;

    await this.options.cache.putFindings(tenant.key, tenant.teamId, findings);
    return { checks, findings };
  }

  private async catalogFor(tenant: Tenant): Promise<CatalogEntry[]> {
    return this.withConnection(tenant, { what: 'read the action catalog', isWrite: false }, (connection) =>
      this.catalog(tenant, connection),
    );
  }

  private async run(
    tenant: Tenant,
    key: string,
    input: unknown,
    connectionId: string,
    isRead: boolean,
  ): Promise<unknown> {
    const attempt = () =>
      this.call(`action.run:${key}`, tenant, isRead, (c) => c.action(key).run(input, { connectionId })) as Promise<{
        output?: unknown;
      }>;
    const result = isRead ? await attempt() : await this.guardWrite(tenant, attempt);
    return result?.output;
  }

  /**
   * A write that fails with a connection error may have started: the connector raises them from
   * EspoCRM's answers (its response handlers' keys: SDK dist/index.node.mjs ~4561), after a
   * request went out. So it is never repeated; the cached connection goes, and the person is told
   * the outcome is unknown. Only "that connection does not exist" proves nothing ran.
   */
  private async guardWrite<T>(tenant: Tenant, attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!isConnectionGone(error) || refusedBeforeStart(error)) throw error;
      await this.options.cache.delete(tenant.key);
      throw new AppError(
        'outcome_unknown',
        `The EspoCRM connection failed while the change was being made, so I cannot tell whether it went through. Please check in EspoCRM; ${commandText('status')} shows the connection.`,
        { cause: error },
      );
    }
  }

  async proxy(tenant: Tenant, request: ProxyRequest): Promise<unknown> {
    const failure = { what: `call ${request.method} ${request.path}`, isWrite: request.method !== 'GET' };
    return this.withConnection(tenant, failure, (connection) => this.send(tenant, connection, request));
  }

  /** A REST call, under the base path the doctor found the connection needs (`/api/v1` when it points at the site). */
  private async send(tenant: Tenant, connection: CachedConnection, request: ProxyRequest): Promise<unknown> {
    const isRead = request.method === 'GET';
    const path = `${connection.findings?.proxyPrefix ?? ''}${request.path}`;
    const attempt = () => this.forward(tenant, connection.connectionId, { ...request, path }, isRead);
    return isRead ? attempt() : this.guardWrite(tenant, attempt);
  }

  private forward(tenant: Tenant, connectionId: string, request: ProxyRequest, isRead: boolean): Promise<unknown> {
    return this.call(`proxy:${request.method}`, tenant, isRead, (c) => {
      const proxy = c.connection(connectionId).proxy;
      switch (request.method) {
        case 'GET':
          return proxy.get(request.path);
        case 'DELETE':
          return proxy.delete(request.path);
        case 'POST':
          return proxy.post(request.path, request.body);
        case 'PUT':
          return proxy.put(request.path, request.body);
        case 'PATCH':
          return proxy.patch(request.path, request.body);
      }
    });
  }

  // ---- records: the routing table in use ---------------------------------------------------

  /**
   * Runs a record operation through its pre-built action when the catalog has one whose schema can
   * carry the request, else through the REST proxy. `viaAction` returns how to do it with the
   * action (given a way to run it with an input), or undefined when the schema cannot express it;
   * what that gives back is the result, undefined when the action's output made no sense.
   */
  private async route<T>(
    tenant: Tenant,
    operation: RecordOperation,
    entity: string,
    failure: FailureContext,
    viaAction: ViaAction<T>,
    viaProxy: (connection: CachedConnection) => Promise<T>,
  ): Promise<T> {
    return this.withConnection(tenant, failure, (connection) =>
      this.routeOn(tenant, connection, operation, entity, viaAction, viaProxy),
    );
  }

  /** `route` on a connection in hand. An action the doctor found unreadable is passed over. */
  private async routeOn<T>(
    tenant: Tenant,
    connection: CachedConnection,
    operation: RecordOperation,
    entity: string,
    viaAction: ViaAction<T>,
    viaProxy: (connection: CachedConnection) => Promise<T>,
  ): Promise<T> {
    const key = ROUTES[operation].actionKey(entity);
    const usable = !connection.findings?.unusableActions?.includes(key);
    const action = usable ? (await this.catalog(tenant, connection)).find((entry) => entry.key === key) : undefined;
    const perform = action ? viaAction(action.inputSchema as JsonSchema | undefined) : undefined;
    if (perform) {
      const result = await perform((input) =>
        this.run(tenant, key, input, connection.connectionId, ROUTES[operation].isRead),
      );
      if (result !== undefined) return result;
      throw new AppError('crm_unavailable', `The ${key} action answered in a shape I do not understand.`);
    }
    return viaProxy(connection);
  }

  /**
   * A page of records, never larger than EspoCRM serves (its recordListMaxSizeLimit, as the doctor
   * or EspoCRM's own 403 "Max size should not exceed N" said): a larger page is cut to it, and the
   * caller pages on by the records it got (alert polling does).
   */
  async list(tenant: Tenant, query: ListQuery): Promise<RecordPage> {
    const failure = {
      what: `list ${actionNouns(query.entity).plural}`,
      entity: actionNouns(query.entity).singular,
      isWrite: false,
    };
    return this.withConnection(tenant, failure, async (connection) => {
      const largest = connection.findings?.maxPageSize;
      const sized = largest && query.limit > largest ? { ...query, limit: largest } : query;
      try {
        return await this.listOn(tenant, connection, sized);
      } catch (error) {
        const limit = maxSizeRefused(error);
        if (limit === undefined || limit < 1 || limit >= sized.limit) throw error;
        await this.learn(tenant, connection, { maxPageSize: limit });
        return this.listOn(tenant, connection, { ...sized, limit });
      }
    });
  }

  private listOn(tenant: Tenant, connection: CachedConnection, query: ListQuery): Promise<RecordPage> {
    return this.routeOn(
      tenant,
      connection,
      'list',
      query.entity,
      (schema) => {
        const call = listInput(schema, query);
        if (!call) return undefined;
        return call.paging === 'cursor'
          ? (run) => pageByCursor(query, call.input, run)
          : async (run) => toPage(await run(call.input), query);
      },
      async (on) => {
        const output = await this.send(tenant, on, { method: 'GET', path: espoListPath(query) });
        const page = toPage(output, query);
        if (!page) throw new AppError('crm_unavailable', 'EspoCRM answered the list request in an unexpected shape.');
        return page;
      },
    );
  }

  /** Adds to what is known about the tenant's connection, for every instance. */
  private async learn(tenant: Tenant, connection: CachedConnection, learned: Partial<CrmFindings>): Promise<void> {
    const findings: CrmFindings = { ...(connection.findings ?? { connectionId: connection.connectionId }), ...learned };
    connection.findings = findings;
    await this.options.cache.putFindings(tenant.key, tenant.teamId, findings);
  }

  async get(tenant: Tenant, entity: string, id: string): Promise<CrmRecord> {
    const noun = actionNouns(entity).singular;
    const readRecord = (output: unknown) =>
      toRecord(
        output && typeof output === 'object' && 'record' in output ? (output as { record: unknown }).record : output,
      );
    return this.route(
      tenant,
      'get',
      entity,
      { what: `open that ${noun}`, entity: noun, isWrite: false },
      (schema) => {
        const input = idInput(schema, id);
        return input && (async (run) => readRecord(await run(input)));
      },
      async (connection) => {
        const record = readRecord(await this.send(tenant, connection, ROUTES.get.rest(entity, id)));
        if (!record) throw new AppError('not_found', `I could not find that ${noun} in EspoCRM.`);
        return record;
      },
    );
  }

  create(tenant: Tenant, entity: string, fields: Record<string, unknown>): Promise<CrmRecord> {
    return this.write(tenant, 'create', entity, fields);
  }

  update(tenant: Tenant, entity: string, id: string, fields: Record<string, unknown>): Promise<CrmRecord> {
    return this.write(tenant, 'update', entity, fields, id);
  }

  /** Create (no id) or update (with id): the action when its schema takes every field, else the proxy. */
  private async write(
    tenant: Tenant,
    operation: 'create' | 'update',
    entity: string,
    fields: Record<string, unknown>,
    id?: string,
  ): Promise<CrmRecord> {
    const noun = actionNouns(entity).singular;
    const read = (output: unknown) => toWrittenRecord(output, fields, id);
    return this.route(
      tenant,
      operation,
      entity,
      { what: `${operation} the ${noun}`, entity: noun, isWrite: true },
      (schema) => {
        const input = writeInput(schema, fields, id);
        return input && (async (run) => read(await run(input)));
      },
      async (connection) =>
        read(await this.send(tenant, connection, { ...ROUTES[operation].rest(entity, id), body: fields })),
    );
  }

  async remove(tenant: Tenant, entity: string, id: string): Promise<void> {
    const noun = actionNouns(entity).singular;
    await this.route(
      tenant,
      'delete',
      entity,
      { what: `delete the ${noun}`, entity: noun, isWrite: true },
      (schema) => {
        const input = idInput(schema, id);
        return input && (async (run) => (await run(input), true));
      },
      async (connection) => this.send(tenant, connection, ROUTES.delete.rest(entity, id)),
    );
  }
}

/** How a record operation is done with an action: given a way to run it, the result (undefined: its output made no sense). */
type ViaAction<T> = (
  schema: JsonSchema | undefined,
) => ((run: (input: Record<string, unknown>) => Promise<unknown>) => Promise<T | undefined>) | undefined;

/**
 * A connection as the person must hear it. Only CONFIGURATION_ERROR and SETUP_FAILED are failures
 * (start over); a defunct or disconnected connection needs reconnecting, and DISCONNECTING is one
 * on its way out (the SDK's WorkspaceElementState and ConnectionApiResponse in @membranehq/sdk).
 */
function describe(connection: MembraneConnection): ConnectionStatus {
  if (connection.disconnected || connection.isDefunct) {
    return {
      state: 'action_required',
      connectionId: connection.id,
      url: connection.clientAction?.uiUrl,
      description: 'The connection was disconnected; reconnect it.',
    };
  }
  switch (connection.state) {
    case 'READY':
      return { state: 'ready', connectionId: connection.id, name: connection.name };
    case 'BUILDING':
      return { state: 'building', connectionId: connection.id };
    case 'DISCONNECTING':
      return {
        state: 'action_required',
        connectionId: connection.id,
        description: 'The connection is being disconnected; connect again in a minute.',
      };
    case 'CLIENT_ACTION_REQUIRED': {
      const action = connection.clientAction;
      // `provide-input` may come without a page to open: then its instructions are all there is to go on.
      const description = [action?.description, action?.uiUrl ? undefined : action?.agentInstructions]
        .filter(Boolean)
        .join(' ');
      return {
        state: 'action_required',
        connectionId: connection.id,
        url: action?.uiUrl,
        description: description || 'Open the link to connect your EspoCRM.',
      };
    }
    default: {
      const message =
        connection.error?.message ??
        connection.errors?.[0]?.message ??
        `Membrane reports the connection as ${connection.state ?? 'unknown'}.`;
      return { state: 'failed', connectionId: connection.id, message };
    }
  }
}

export function httpStatus(error: unknown): number | undefined {
  const response = (error as { response?: { status?: unknown } } | undefined)?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}
