import type { ReadResult, Tenant, TenantConnectionCache } from '../../core/ports.js';
import { isObject, isReadAction } from '../action-io.js';
import { yesNoWhere } from '../espo/routes.js';
import type { MembraneCalls } from './calls.js';
import type { ActionCatalog } from './catalog.js';
import type { MembraneConnections } from './connections.js';
import { interpretRead, readShapeOf } from './reads.js';
import { guardWrite } from './write-guard.js';

/** Running a connection's actions: a read may be tried again, a write only when nothing started. */
export class MembraneActions {
  constructor(
    private readonly calls: MembraneCalls,
    private readonly connections: MembraneConnections,
    private readonly catalog: ActionCatalog,
    private readonly cache: TenantConnectionCache,
  ) {}

  /** One run on a connection in hand; what the action put out. */
  async run(tenant: Tenant, key: string, input: unknown, connectionId: string, isRead: boolean): Promise<unknown> {
    const attempt = () =>
      this.calls.call(`action.run:${key}`, tenant, isRead, (c) =>
        c.action(key).run(input, { connectionId }),
      ) as Promise<{
        output?: unknown;
      }>;
    const result = isRead ? await attempt() : await guardWrite(this.cache, tenant, attempt);
    return result?.output;
  }

  async runAction(tenant: Tenant, key: string, input: unknown): Promise<unknown> {
    // Whether to confirm was decided from the same catalog entry before; here it decides the
    // error wording and whether a failed run may be tried again.
    const entry = (await this.catalog.forTenant(tenant)).find((action) => action.key === key);
    const isRead = isReadAction(entry ?? { key });
    return this.connections.withConnection(tenant, { what: `run ${key}`, isWrite: !isRead }, ({ connectionId }) =>
      this.run(tenant, key, input, connectionId, isRead),
    );
  }

  /** A read the planner chose; the yes/no items of a list's `where` are sent as EspoCRM compares them (yesNoWhere). */
  async readAction(tenant: Tenant, key: string, input: unknown): Promise<ReadResult> {
    const entry = (await this.catalog.forTenant(tenant)).find((action) => action.key === key);
    const shape = readShapeOf(entry?.type, key);
    const sent =
      shape?.verb === 'list' && isObject(input) && Array.isArray(input.where)
        ? { ...input, where: yesNoWhere(shape.entity, input.where) }
        : input;
    const output = await this.runAction(tenant, key, sent);
    return interpretRead(output, shape, isObject(sent) ? sent : {});
  }
}
