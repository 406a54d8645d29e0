// A fake Membrane API on 127.0.0.1 for the real `@membranehq/sdk`: tenant auth (workspace JWT or static
// token), connections (ensure / get / archive with scripted states), action search and runs against a
// per-tenant in-memory EspoCRM, the EspoCRM proxy, and fault injection (failNext, latencyMs).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import { FakeEspoCrm } from '../espocrm/model.js';
import { espoActionCatalog, searchActions, type ActionDef, type CatalogOptions } from './catalog.js';
import { DEFAULT_PAGE_SIZE, runAction } from './run-action.js';
import { validateAgainstSchema } from './schema.js';

// The SDK's WorkspaceElementState (dist/bundle.d.ts).
export type ConnectionState =
  'READY' | 'BUILDING' | 'CLIENT_ACTION_REQUIRED' | 'SETUP_FAILED' | 'CONFIGURATION_ERROR' | 'DISCONNECTING';

export interface FakeConnection {
  id: string;
  name: string;
  state: ConnectionState;
  clientAction?: { type: 'connect' | 'provide-input'; description: string; uiUrl?: string; agentInstructions?: string };
  error?: { message: string };
  disconnected?: boolean;
  /** ConnectionApiResponse.isDefunct: the connection no longer works. */
  isDefunct?: boolean;
  archived?: boolean;
  createdAt?: string;
  updatedAt?: string;
}

export interface StateOptions {
  uiUrl?: string;
  message?: string;
  /**
   * CLIENT_ACTION_REQUIRED only: `provide-input` asks for input, with a page to give it on only
   * when `uiUrl` is set, and `agentInstructions` (the SDK's ConnectionClientAction).
   */
  provideInput?: { description: string; agentInstructions?: string };
  /** BUILDING only: the Nth GET of the connection returns it READY (default 1). */
  buildingPolls?: number;
}

export interface EnsureState extends StateOptions {
  state: ConnectionState;
}

export interface FakeTenant {
  key: string;
  espo: FakeEspoCrm;
  /** Mutable copy of the catalog (remove one to force the app onto the proxy path). */
  actions: ActionDef[];
  /** Replaces the catalog with one of another shape: untyped or generic actions, cursor-only lists. */
  setCatalog(options: CatalogOptions): void;
  /** Records a Membrane-style list without `limit` answers per page (the connector's choice). */
  listPageSize: number;
  /**
   * Where the connection's base URL points, which Membrane does not document for EspoCRM:
   * `api` (default) at `{site}/api/v1`, so proxy paths are EspoCRM's API paths (`/Lead`); `site` at
   * the site itself, so they must start with `/api/v1` and anything else is the web server's 404.
   */
  proxyBase: 'api' | 'site';
  connection?: FakeConnection;
  /** What the next ensure creates when the tenant has no live connection (default READY). */
  ensureState: EnsureState;
  /** Change the live connection, or (without one) what the next ensure creates. */
  setConnectionState(state: ConnectionState, extra?: StateOptions): void;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, unknown>;
  /** Tenant key from a valid token; undefined when authentication failed. */
  tenant?: string;
  body: unknown;
  /** The caller's `x-request-id` header, if it sent one. */
  requestId?: string;
  /** Wall-clock ms (Date.now()) when the request arrived. */
  at: number;
  /** The fake's own time for this request (injected latency included), set once it has answered. */
  durationMs?: number;
}

export interface FailMatch {
  method?: string;
  pathPrefix?: string;
  times?: number;
}

export interface FailResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  dropConnection?: boolean;
  /**
   * Do the work first (the action runs, EspoCRM writes), then answer with this failure: what a
   * connector does when EspoCRM's answer trips its response handler, e.g. a connection error
   * (`connection_is_defunct` is one of the keys those handlers raise: SDK dist/index.node.mjs
   * ~4561, REST_API_CLIENT_RESPONSE_HANDLERS_SCHEMA).
   */
  afterHandling?: boolean;
}

export interface FakeMembrane {
  url: string;
  close(): Promise<void>;
  calls: RecordedCall[];
  resetCalls(): void;
  /** Artificial delay added to every response. */
  latencyMs: number;
  tenant(key: string): FakeTenant;
  failNext(match: FailMatch, response: FailResponse): void;
  /** Credentials accepted for workspace JWTs (defaults when neither they nor staticToken were given). */
  workspaceKey?: string;
  workspaceSecret?: string;
}

export interface FakeMembraneOptions {
  workspaceKey?: string;
  workspaceSecret?: string;
  staticToken?: string;
  /** Clock for EspoCRM data and connection timestamps (token expiry always uses the real clock). */
  now?: () => Date;
  /** Each tenant's EspoCRM `siteUrl` setting (every real instance has one, set at install). */
  siteUrlOf?: (tenantKey: string) => string | undefined;
}

// ---- tokens ---------------------------------------------------------------------------------------

const HASH_BY_ALG: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

const base64UrlJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hmac = (hash: string, secret: string, input: string) => createHmac(hash, secret).update(input).digest();

function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** An HS256 JWT as a Membrane workspace would sign it (handy for expired or foreign tokens in tests). */
export function signWorkspaceToken(payload: Record<string, unknown>, secret: string): string {
  const input = `${base64UrlJson({ alg: 'HS256', typ: 'JWT' })}.${base64UrlJson(payload)}`;
  return `${input}.${hmac('sha256', secret, input).toString('base64url')}`;
}

function verifyJwt(token: string, secret: string): Record<string, unknown> | undefined {
  const [header, payload, signature, ...extra] = token.split('.');
  if (!header || !payload || !signature || extra.length) return undefined;
  const hash = HASH_BY_ALG[String(decodeJsonSegment(header)?.alg)];
  if (!hash) return undefined;
  const expected = hmac(hash, secret, `${header}.${payload}`);
  const actual = Buffer.from(signature, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  return decodeJsonSegment(payload);
}

// ---- HTTP plumbing --------------------------------------------------------------------------------

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by handlers to answer with an error reply. */
class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

const ok = (body: unknown): Reply => ({ status: 200, body });

function membraneError(status: number, type: string, message: string, key?: string): ReplyError {
  return new ReplyError({ status, body: { type, ...(key ? { key } : {}), message } });
}

const notFound = (message = 'Not found') => membraneError(404, 'bad_request', message, 'not_found');
const invalidInput = (message: string) => membraneError(400, 'bad_request', message, 'invalid_input');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bracket notation like PHP (EspoCRM) reads it: deep nesting and long arrays stay arrays. */
const parseQuery = (raw: string) => qs.parse(raw, { depth: 20, arrayLimit: 1000 }) as Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonBody(raw: string): { ok: true; value: unknown } | { ok: false } {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
}

function send(res: ServerResponse, reply: Reply): void {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  // Reasons can echo request text (e.g. an unknown attribute); Node refuses non-ASCII header values.
  const headers = Object.entries(reply.headers ?? {}).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, '?')]);
  res.writeHead(reply.status, {
    ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...Object.fromEntries(headers),
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

// ---- tenants and connections ----------------------------------------------------------------------

interface Clock {
  now: () => Date;
  baseUrl: () => string;
}

class Tenant implements FakeTenant {
  readonly espo: FakeEspoCrm;
  actions: ActionDef[] = espoActionCatalog();
  listPageSize = DEFAULT_PAGE_SIZE;
  proxyBase: 'api' | 'site' = 'api';
  connection?: FakeConnection;
  ensureState: EnsureState = { state: 'READY' };
  /** GETs left before a BUILDING connection turns READY. */
  buildingPollsLeft = 0;

  constructor(
    readonly key: string,
    private readonly clock: Clock,
    siteUrl?: string,
  ) {
    this.espo = new FakeEspoCrm({ now: clock.now, siteUrl }).seedDefaults();
  }

  setCatalog(options: CatalogOptions): void {
    this.actions = espoActionCatalog(options);
  }

  setConnectionState(state: ConnectionState, extra: StateOptions = {}): void {
    if (this.connection && !this.connection.archived) this.applyState(this.connection, { state, ...extra });
    else this.ensureState = { state, ...extra };
  }

  /** Put a connection into a state with the details Membrane attaches to it. */
  applyState(connection: FakeConnection, spec: EnsureState): void {
    connection.state = spec.state;
    delete connection.clientAction;
    delete connection.error;
    if (spec.state === 'CLIENT_ACTION_REQUIRED') {
      connection.clientAction = spec.provideInput
        ? { type: 'provide-input', ...spec.provideInput, ...(spec.uiUrl ? { uiUrl: spec.uiUrl } : {}) }
        : {
            type: 'connect',
            description: 'Connect your EspoCRM instance',
            uiUrl: spec.uiUrl ?? `${this.clock.baseUrl()}/ui/connections/${connection.id}/connect`,
          };
    }
    if (spec.state === 'SETUP_FAILED' || spec.state === 'CONFIGURATION_ERROR') {
      connection.error = { message: spec.message ?? 'EspoCRM rejected the API key' };
    }
    this.buildingPollsLeft = spec.state === 'BUILDING' ? (spec.buildingPolls ?? 1) : 0;
    connection.updatedAt = this.clock.now().toISOString();
  }

  /** The tenant's connection with this id, unless it is unknown or archived (→ 404). */
  liveConnection(id: unknown): FakeConnection {
    const connection = this.connection;
    if (!connection || connection.id !== id || connection.archived) throw notFound('Connection not found');
    return connection;
  }

  /**
   * Actions and proxy calls need a READY, connected connection. Otherwise a ConnectionError with one
   * of the SDK's ConnectionErrorKey values (dist/dts/errors/index.d.ts): the key alone does not
   * say whether anything ran, as it does not for the real connector.
   */
  readyConnection(id: unknown): FakeConnection {
    if (typeof id !== 'string' || id === '') throw invalidInput('connectionId is required');
    const connection = this.liveConnection(id);
    if (connection.state !== 'READY' || connection.disconnected || connection.isDefunct) {
      throw membraneError(400, 'connection', 'Connection is not ready', 'connection_is_defunct');
    }
    return connection;
  }
}

// ---- the server -----------------------------------------------------------------------------------

interface RequestContext {
  method: string;
  query: Record<string, unknown>;
  body: unknown;
  headers: IncomingHttpHeaders;
  tenant: Tenant;
}

/** Handlers get up to two decoded capture groups ('' when a group did not match). */
type Route = [method: string, pattern: RegExp, handler: (ctx: RequestContext, params: [string, string]) => Reply];

class FakeMembraneServer implements FakeMembrane {
  url = '';
  latencyMs = 0;
  readonly calls: RecordedCall[] = [];
  readonly workspaceKey?: string;
  readonly workspaceSecret?: string;
  private readonly staticToken?: string;
  private readonly now: () => Date;
  private readonly siteUrlOf?: (tenantKey: string) => string | undefined;
  private readonly tenants = new Map<string, Tenant>();
  private readonly failures: { match: FailMatch; remaining: number; response: FailResponse }[] = [];
  private connectionCounter = 0;
  private runCounter = 0;
  private readonly http = createServer((req, res) => void this.handle(req, res));

  private readonly routes: Route[] = [
    ['*', /^\/connections\/([^/]+)\/proxy(\/.*)?$/, (ctx, [id, path]) => this.proxy(ctx, id, path)],
    ['POST', /^\/connections\/ensure$/, (ctx) => ok(this.ensure(ctx))],
    [
      'GET',
      /^\/connections$/,
      ({ tenant }) => ok({ items: tenant.connection && !tenant.connection.archived ? [tenant.connection] : [] }),
    ],
    ['GET', /^\/connections\/([^/]+)$/, (ctx, [id]) => ok(this.pollConnection(ctx.tenant, id))],
    ['DELETE', /^\/connections\/([^/]+)$/, (ctx, [id]) => ok(this.archive(ctx.tenant, id))],
    ['GET', /^\/actions$/, (ctx) => ok(this.findActions(ctx))],
    ['POST', /^\/actions\/([^/]+)\/run$/, (ctx, [key]) => this.run(ctx, key)],
    ['GET', /^\/actions\/([^/]+)$/, (ctx, [key]) => ok(this.action(ctx.tenant, key))],
    ['GET', /^\/self$/, ({ tenant }) => ok(this.self(tenant))],
  ];

  constructor(opts: FakeMembraneOptions) {
    this.now = opts.now ?? (() => new Date());
    this.siteUrlOf = opts.siteUrlOf;
    this.staticToken = opts.staticToken;
    const useDefaults = !opts.staticToken && !opts.workspaceKey && !opts.workspaceSecret;
    this.workspaceKey = opts.workspaceKey ?? (useDefaults ? 'test-workspace-key' : undefined);
    this.workspaceSecret = opts.workspaceSecret ?? (useDefaults ? 'test-workspace-secret' : undefined);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.close((error) => (error ? reject(error) : resolve()));
      // The SDK's HTTP agent keeps sockets alive; without this close() waits for them to time out.
      this.http.closeAllConnections();
    });
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  tenant(key: string): Tenant {
    let tenant = this.tenants.get(key);
    if (!tenant) {
      tenant = new Tenant(key, { now: this.now, baseUrl: () => this.url }, this.siteUrlOf?.(key));
      this.tenants.set(key, tenant);
    }
    return tenant;
  }

  failNext(match: FailMatch, response: FailResponse): void {
    this.failures.push({ match, remaining: match.times ?? 1, response });
  }

  private takeFailure(method: string, path: string): FailResponse | undefined {
    const rule = this.failures.find(({ match }) => {
      const prefix = match.pathPrefix && (match.pathPrefix.startsWith('/') ? match.pathPrefix : `/${match.pathPrefix}`);
      return (!match.method || match.method.toUpperCase() === method) && (!prefix || path.startsWith(prefix));
    });
    if (!rule) return undefined;
    if (--rule.remaining <= 0) this.failures.splice(this.failures.indexOf(rule), 1);
    return rule.response;
  }

  /** Tenant key for a valid bearer token, else undefined. */
  private authenticate(authorization: string | undefined): string | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return undefined;
    if (this.staticToken && token === this.staticToken) return 'static';
    if (!this.workspaceKey || !this.workspaceSecret) return undefined;
    const payload = verifyJwt(token, this.workspaceSecret);
    if (!payload || payload.iss !== this.workspaceKey) return undefined;
    if (typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now()) return undefined;
    return typeof payload.id === 'string' && payload.id !== '' ? payload.id : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let call: RecordedCall | undefined;
    try {
      const method = (req.method ?? 'GET').toUpperCase();
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = parseQuery(url.search.slice(1));
      const rawBody = await readBody(req);
      const body = parseJsonBody(rawBody);
      const tenantKey = this.authenticate(req.headers.authorization);
      const requestId = req.headers['x-request-id'];
      call = {
        method,
        path: url.pathname,
        query,
        tenant: tenantKey,
        body: body.ok ? body.value : rawBody,
        ...(typeof requestId === 'string' ? { requestId } : {}),
        at: Date.now(),
      };
      this.calls.push(call);

      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const failure = this.takeFailure(method, url.pathname);
      if (failure && !failure.afterHandling) {
        if (failure.delayMs) await sleep(failure.delayMs);
        if (failure.dropConnection) req.socket.destroy();
        else send(res, failure);
        return;
      }
      if (!tenantKey) throw membraneError(401, 'bad_request', 'Not authenticated', 'not_authenticated');
      if (!body.ok) throw invalidInput('Request body is not valid JSON');

      const ctx: RequestContext = {
        method,
        query,
        body: body.value,
        headers: req.headers,
        tenant: this.tenant(tenantKey),
      };
      const reply = this.route(ctx, url.pathname);
      send(res, failure ?? reply);
    } catch (error) {
      if (error instanceof ReplyError) send(res, error.reply);
      else send(res, { status: 500, body: { type: 'internal', message: String(error) } });
    } finally {
      if (call) call.durationMs = performance.now() - started;
    }
  }

  private route(ctx: RequestContext, path: string): Reply {
    for (const [method, pattern, handler] of this.routes) {
      const match = pattern.exec(path);
      if (!match || (method !== '*' && method !== ctx.method)) continue;
      let params: [string, string];
      try {
        params = [decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? '')];
      } catch {
        throw invalidInput('Malformed URL');
      }
      return handler(ctx, params);
    }
    throw notFound();
  }

  // ---- the tenant itself ----

  /**
   * `GET /self`: the customer the token acts for, as the SDK reads it (`client.self.get()`,
   * SelfAccessor in dist/index.node.mjs; shape `TenantSelfResponse` in
   * dist/dts/workspace-elements/api/customers-api.d.ts). Like every route, it answers 401
   * not_authenticated to a token that does not verify.
   */
  private self(tenant: Tenant): Record<string, unknown> {
    return {
      id: `cust_${Buffer.from(tenant.key).toString('hex').slice(0, 24)}`,
      name: tenant.key,
      internalId: tenant.key,
      isActive: true,
      ...(this.workspaceKey && tenant.key !== 'static' ? { workspaceKey: this.workspaceKey } : {}),
    };
  }

  // ---- connections ----

  private ensure(ctx: RequestContext): FakeConnection {
    const { body, tenant } = ctx;
    if (!isPlainObject(body) || typeof body.appUrl !== 'string' || body.appUrl === '') {
      throw invalidInput('appUrl is required');
    }
    // Ensure is idempotent: it returns the live connection as it is, or creates a new one.
    if (tenant.connection && !tenant.connection.archived) return tenant.connection;
    const timestamp = this.now().toISOString();
    const connection: FakeConnection = {
      id: `conn_${++this.connectionCounter}`,
      name: typeof body.name === 'string' && body.name ? body.name : 'EspoCRM',
      state: 'READY',
      disconnected: false,
      archived: false,
      createdAt: timestamp,
      updatedAt: timestamp,
    };
    tenant.applyState(connection, tenant.ensureState);
    tenant.connection = connection;
    return connection;
  }

  private pollConnection(tenant: Tenant, id: string): FakeConnection {
    const connection = tenant.liveConnection(id);
    if (connection.state === 'BUILDING' && --tenant.buildingPollsLeft <= 0)
      tenant.applyState(connection, { state: 'READY' });
    return connection;
  }

  private archive(tenant: Tenant, id: string): Record<string, never> {
    const connection = tenant.liveConnection(id);
    connection.archived = true;
    connection.updatedAt = this.now().toISOString();
    return {};
  }

  // ---- actions ----

  /** Intent search answers one ranked page; the plain listing pages by `limit` and `cursor`, as Membrane's lists do. */
  private findActions(ctx: RequestContext): { items: ActionDef[]; cursor?: string } {
    const { query, tenant } = ctx;
    if (query.connectionId !== undefined) tenant.liveConnection(query.connectionId);
    const intent = typeof query.intent === 'string' ? query.intent.trim() : '';
    const limit = Number(query.limit ?? 10);
    if (!Number.isInteger(limit) || limit < 1) throw invalidInput('limit must be a positive integer');
    if (intent) return { items: searchActions(tenant.actions, intent, limit) };
    const offset = Number(query.cursor ?? 0);
    const next = offset + limit;
    return {
      items: tenant.actions.slice(offset, next),
      cursor: next < tenant.actions.length ? String(next) : undefined,
    };
  }

  private action(tenant: Tenant, keyOrId: string): ActionDef {
    const action = tenant.actions.find((a) => a.key === keyOrId || a.id === keyOrId);
    if (!action) throw notFound('Action not found');
    return action;
  }

  private run(ctx: RequestContext, keyOrId: string): Reply {
    ctx.tenant.readyConnection(ctx.query.connectionId);
    const action = this.action(ctx.tenant, keyOrId);
    const input = isPlainObject(ctx.body) && ctx.body.input !== undefined ? ctx.body.input : {};
    const problem = validateAgainstSchema(action.inputSchema, input);
    if (problem || !isPlainObject(input)) throw invalidInput(`Invalid input: ${problem ?? '(root) must be object'}`);

    const outcome = runAction(action, input, ctx.tenant.espo, ctx.tenant.listPageSize);
    if (outcome.kind === 'invalid') throw invalidInput(outcome.message);
    if (outcome.kind === 'espo-error') {
      const { status, headers, body } = outcome.response;
      const reason = headers['X-Status-Reason'];
      throw new ReplyError({
        status: 400,
        body: {
          type: 'action_run',
          message: `EspoCRM responded with HTTP ${status}${reason ? ` (${reason})` : ''}`,
          data: { response: { status, headers: reason ? { 'x-status-reason': reason } : {}, data: body } },
        },
      });
    }
    return ok({ output: outcome.output, actionRunId: `run_${++this.runCounter}` });
  }

  // ---- proxy ----

  /** Forward to EspoCRM and answer verbatim (status, X-Status-Reason, body): no Membrane envelope. */
  private proxy(ctx: RequestContext, connectionId: string, espoPath: string): Reply {
    ctx.tenant.readyConnection(connectionId);
    let apiPath = espoPath || '/';
    if (ctx.tenant.proxyBase === 'site') {
      // The site's web server: only /api/v1/... reaches EspoCRM's API.
      if (!/^\/api\/v1(\/|$)/.test(apiPath)) return { status: 404, body: undefined };
      apiPath = apiPath.slice('/api/v1'.length) || '/';
    }
    const response = ctx.tenant.espo.request({
      method: ctx.method,
      path: apiPath,
      query: ctx.query,
      body: ctx.body,
      headers: flattenHeaders(ctx.headers),
    });
    const reason = response.headers['X-Status-Reason'];
    return { status: response.status, body: response.body, headers: reason ? { 'X-Status-Reason': reason } : {} };
  }
}

export async function startFakeMembrane(opts: FakeMembraneOptions = {}): Promise<FakeMembrane> {
  const server = new FakeMembraneServer(opts);
  await server.listen();
  return server;
}
