import type { CachedConnection, ProxyRequest, ReadResult, Tenant, TenantConnectionCache } from '../../core/ports.js';
import { parseBracketQuery } from '../espo/list-call.js';
import { espoQueryString, yesNoWhere } from '../espo/routes.js';
import type { MembraneCalls } from './calls.js';
import type { MembraneConnections } from './connections.js';
import { interpretRead } from './reads.js';
import { guardWrite } from './write-guard.js';

/** EspoCRM's own REST API through Membrane's proxy (`/connections/{id}/proxy/{path}`). */
export class MembraneProxy {
  constructor(
    private readonly calls: MembraneCalls,
    private readonly connections: MembraneConnections,
    private readonly cache: TenantConnectionCache,
  ) {}

  async proxy(tenant: Tenant, request: ProxyRequest): Promise<unknown> {
    const failure = { what: `call ${request.method} ${request.path}`, isWrite: request.method !== 'GET' };
    return this.connections.withConnection(tenant, failure, (connection) => this.send(tenant, connection, request));
  }

  /** A REST call, under the base path the doctor found the connection needs (`/api/v1` when it points at the site). */
  async send(tenant: Tenant, connection: CachedConnection, request: ProxyRequest): Promise<unknown> {
    const isRead = request.method === 'GET';
    const path = `${connection.findings?.proxyPrefix ?? ''}${request.path}`;
    const attempt = () => this.forward(tenant, connection.connectionId, { ...request, path }, isRead);
    return isRead ? attempt() : guardWrite(this.cache, tenant, attempt);
  }

  /** A REST call with the path as given (no base path added). */
  forward(tenant: Tenant, connectionId: string, request: ProxyRequest, isRead: boolean): Promise<unknown> {
    return this.calls.call(`proxy:${request.method}`, tenant, isRead, (c) => {
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
}
