import { AppError } from '../../core/errors.js';
import type { CachedConnection, CrmRecord, ListQuery, RecordPage, Tenant } from '../../core/ports.js';
import {
  idInput,
  listInput,
  pageByCursor,
  toPage,
  toRecord,
  toWrittenRecord,
  writeInput,
  type JsonSchema,
} from '../action-io.js';
import { actionNouns } from '../espo/entities.js';
import { espoListPath, ROUTES, type RecordOperation } from '../espo/routes.js';
import type { MembraneActions } from './actions.js';
import type { ActionCatalog } from './catalog.js';
import type { MembraneConnections } from './connections.js';
import { maxSizeRefused, type FailureContext } from './errors.js';
import type { MembraneProxy } from './proxy.js';

/**
 * How a record operation is done with an action: given a way to run it, the result (undefined: its output made no
 * sense).
 */
type ViaAction<T> = (
  schema: JsonSchema | undefined,
) => ((run: (input: Record<string, unknown>) => Promise<unknown>) => Promise<T | undefined>) | undefined;

/**
 * Record operations by the routing table: a connection's pre-built action where its schema can
 * carry the request, EspoCRM's REST API through the proxy where it cannot.
 */
export class MembraneRecords {
  constructor(
    private readonly connections: MembraneConnections,
    private readonly catalog: ActionCatalog,
    private readonly actions: MembraneActions,
    private readonly proxy: MembraneProxy,
  ) {}

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
    return this.connections.withConnection(tenant, failure, (connection) =>
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
    const action = usable ? (await this.catalog.of(tenant, connection)).find((entry) => entry.key === key) : undefined;
    const perform = action ? viaAction(action.inputSchema as JsonSchema | undefined) : undefined;
    if (perform) {
      const result = await perform((input) =>
        this.actions.run(tenant, key, input, connection.connectionId, ROUTES[operation].isRead),
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
    return this.connections.withConnection(tenant, failure, (connection) =>
      this.sized(tenant, connection, query.limit, (limit) => this.listOn(tenant, connection, { ...query, limit })),
    );
  }

  /**
   * A read of a page of up to `limit` records, at most as many as EspoCRM serves (the page size the
   * doctor found, or EspoCRM's 403 "Max size should not exceed N", learned for next time): `read`
   * is given the page size to ask for.
   */
  async sized<T>(
    tenant: Tenant,
    connection: CachedConnection,
    limit: number,
    read: (limit: number) => Promise<T>,
  ): Promise<T> {
    const largest = connection.findings?.maxPageSize;
    const size = largest && limit > largest ? largest : limit;
    try {
      return await read(size);
    } catch (error) {
      const refused = maxSizeRefused(error);
      if (refused === undefined || refused < 1 || refused >= size) throw error;
      await this.connections.learn(tenant, connection, { maxPageSize: refused });
      return read(refused);
    }
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
        const output = await this.proxy.send(tenant, on, { method: 'GET', path: espoListPath(query) });
        const page = toPage(output, query);
        if (!page) throw new AppError('crm_unavailable', 'EspoCRM answered the list request in an unexpected shape.');
        return page;
      },
    );
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
        const record = readRecord(await this.proxy.send(tenant, connection, ROUTES.get.rest(entity, id)));
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
        read(await this.proxy.send(tenant, connection, { ...ROUTES[operation].rest(entity, id), body: fields })),
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
      async (connection) => this.proxy.send(tenant, connection, ROUTES.delete.rest(entity, id)),
    );
  }
}
