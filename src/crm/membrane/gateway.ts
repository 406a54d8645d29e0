import type {
  ActionInfo,
  ConnectionStatus,
  CrmGateway,
  CrmRecord,
  Examination,
  ListQuery,
  ProxyRequest,
  ReadResult,
  RecordPage,
  Tenant,
} from '../../core/ports.js';
import { actionNouns } from '../espo/entities.js';
import { ROUTES } from '../espo/routes.js';
import { formSchemaFromAction, formSchemaFromDefinitions } from '../forms.js';
import { fieldProblems, validateAgainstSchema } from '../validate.js';
import { MembraneActions } from './actions.js';
import { MembraneCalls, type MembraneCallOptions } from './calls.js';
import { ActionCatalog } from './catalog.js';
import { MembraneConnections, type MembraneConnectionOptions, type ReadyListener } from './connections.js';
import { examine, type DoctorParts } from './doctor.js';
import { MembraneProxy } from './proxy.js';
import { MembraneRecords } from './records.js';
import { MembraneRecordScan } from './scan.js';

export interface MembraneGatewayOptions extends MembraneCallOptions, MembraneConnectionOptions {
  catalogTtlMs?: number;
}

/**
 * The CRM gateway over Membrane: one SDK client per tenant (a Membrane customer), connection
 * ensure with a bounded wait, the action catalog cached with the connection, pre-built actions
 * where they fit and the EspoCRM REST proxy where they do not. Each of those is a part in this
 * folder; the gateway puts them together behind core's port.
 */
export class MembraneGateway implements CrmGateway {
  private readonly connections: MembraneConnections;
  private readonly catalog: ActionCatalog;
  private readonly actions: MembraneActions;
  private readonly restProxy: MembraneProxy;
  private readonly records: MembraneRecords;
  private readonly doctorParts: DoctorParts;
  /** Reports' bounded reads of every matching record (core/reports). */
  readonly scan: MembraneRecordScan;

  constructor(options: MembraneGatewayOptions) {
    const calls = new MembraneCalls(options);
    this.connections = new MembraneConnections(calls, options);
    this.catalog = new ActionCatalog(calls, this.connections, options);
    this.actions = new MembraneActions(calls, this.connections, this.catalog, options.cache);
    this.restProxy = new MembraneProxy(calls, this.connections, options.cache);
    this.records = new MembraneRecords(this.connections, this.catalog, this.actions, this.restProxy);
    this.scan = new MembraneRecordScan(this.connections, this.records, this.restProxy);
    this.doctorParts = {
      connections: this.connections,
      catalog: this.catalog,
      actions: this.actions,
      proxy: this.restProxy,
      cache: options.cache,
    };
  }

  /** The doctor's cue: told once per connection found READY that nothing was learned about yet. */
  onConnectionReady(listener: ReadyListener): void {
    this.connections.whenReady(listener);
  }

  connect(tenant: Tenant): Promise<ConnectionStatus> {
    return this.connections.connect(tenant);
  }

  status(tenant: Tenant): Promise<ConnectionStatus> {
    return this.connections.status(tenant);
  }

  isConnected(tenant: Tenant): Promise<boolean> {
    return this.connections.isConnected(tenant);
  }

  disconnect(tenant: Tenant): Promise<void> {
    return this.connections.disconnect(tenant);
  }

  list(tenant: Tenant, query: ListQuery): Promise<RecordPage> {
    return this.records.list(tenant, query);
  }

  get(tenant: Tenant, entity: string, id: string): Promise<CrmRecord> {
    return this.records.get(tenant, entity, id);
  }

  create(tenant: Tenant, entity: string, fields: Record<string, unknown>): Promise<CrmRecord> {
    return this.records.create(tenant, entity, fields);
  }

  update(tenant: Tenant, entity: string, id: string, fields: Record<string, unknown>): Promise<CrmRecord> {
    return this.records.update(tenant, entity, id, fields);
  }

  remove(tenant: Tenant, entity: string, id: string): Promise<void> {
    return this.records.remove(tenant, entity, id);
  }

  searchActions(tenant: Tenant, intent: string, limit: number): Promise<ActionInfo[]> {
    return this.catalog.search(tenant, intent, limit);
  }

  describeAction(tenant: Tenant, key: string): Promise<ActionInfo> {
    return this.catalog.describe(tenant, key);
  }

  checkActionInput(action: ActionInfo, input: unknown): string | undefined {
    return validateAgainstSchema(action.inputSchema, input);
  }

  runAction(tenant: Tenant, key: string, input: unknown): Promise<unknown> {
    return this.actions.runAction(tenant, key, input);
  }

  readAction(tenant: Tenant, key: string, input: unknown): Promise<ReadResult> {
    return this.actions.readAction(tenant, key, input);
  }

  proxy(tenant: Tenant, request: ProxyRequest): Promise<unknown> {
    return this.restProxy.proxy(tenant, request);
  }

  readPath(tenant: Tenant, path: string): Promise<ReadResult> {
    return this.restProxy.readPath(tenant, path);
  }

  async formSchema(
    tenant: Tenant,
    entity: string,
    operation: 'create' | 'update',
  ): Promise<Record<string, unknown> | undefined> {
    return this.connections.withConnection(
      tenant,
      { what: `open a form for ${actionNouns(entity).plural}`, isWrite: false },
      async (connection) => {
        const key = ROUTES[operation].actionKey(entity);
        const action = (await this.catalog.of(tenant, connection)).find((entry) => entry.key === key);
        return formSchemaFromAction(action?.inputSchema) ?? formSchemaFromDefinitions(entity);
      },
    );
  }
  checkFields(schema: Record<string, unknown>, fields: Record<string, unknown>): { field: string; problem: string }[] {
    return fieldProblems(schema, fields);
  }

  /**
   * Harmless reads against the live connection, one check per assumption; what it finds is kept
   * for the tenant (its profile), and the gateway works with it from then on.
   */
  examine(tenant: Tenant): Promise<Examination> {
    return examine(this.doctorParts, tenant);
  }
}
