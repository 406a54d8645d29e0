import type { FakeEspoCrm } from '../fakes/espocrm/model.js';

/**
 * The sample CRM's small admin view: records newest first, and creating, editing and deleting
 * them. Every change goes through the fake EspoCRM's REST API, as someone working in EspoCRM
 * would make it, so EspoCRM's webhooks queue it; the queue is then sent at once. (A real EspoCRM
 * sends it from its "Process Webhook Queue" scheduled job, within a minute or so.)
 */
export const ADMIN_ENTITIES: Record<string, string[]> = {
  Opportunity: ['name', 'stage', 'amount', 'closeDate', 'accountName', 'assignedUserName'],
  Lead: ['name', 'status', 'source', 'accountName', 'emailAddress', 'assignedUserName'],
  Task: ['name', 'status', 'priority', 'dateEnd', 'parentName', 'assignedUserName'],
  Account: ['name', 'type', 'industry', 'billingAddressCity', 'assignedUserName'],
  Contact: ['name', 'accountName', 'emailAddress', 'phoneNumber', 'assignedUserName'],
  Meeting: ['name', 'status', 'dateStart', 'parentName', 'assignedUserName'],
  Call: ['name', 'status', 'direction', 'dateStart', 'assignedUserName'],
  Case: ['name', 'status', 'priority', 'accountName', 'assignedUserName'],
  User: ['name', 'userName', 'emailAddress', 'title'],
};

/**
 * Field types the admin form edits; others (links to other records but the assigned user, arrays) are read-only here.
 */
const EDITABLE = new Set([
  'varchar',
  'text',
  'enum',
  'int',
  'float',
  'currency',
  'date',
  'datetime',
  'datetimeOptional',
  'bool',
  'email',
  'phone',
  'url',
  'personName',
]);

export interface AdminField {
  name: string;
  type: string;
  required: boolean;
  options?: string[];
  /** For the assigned user: who can be chosen. */
  choices?: { id: string; name: string }[];
}

export interface AdminList {
  entity: string;
  columns: string[];
  fields: AdminField[];
  records: Record<string, unknown>[];
  total: number;
}

export interface AdminResult {
  status: number;
  /** EspoCRM's reason for a refusal (its X-Status-Reason), or the record. */
  reason?: string;
  record?: Record<string, unknown>;
  /** How many webhook batches went out, and how the bot answered them. */
  webhooks: number[];
}

export class CrmAdmin {
  constructor(private readonly crm: FakeEspoCrm) {}

  entities(): { name: string; total: number }[] {
    return Object.keys(ADMIN_ENTITIES).map((name) => ({ name, total: this.crm.all(name).length }));
  }

  list(entity: string): AdminList {
    const columns = this.columnsOf(entity);
    const answer = this.crm.request({
      method: 'GET',
      path: `/${entity}`,
      query: { orderBy: 'createdAt', order: 'desc', maxSize: '200' },
    });
    const body = answer.body as { total: number; list: Record<string, unknown>[] };
    return { entity, columns, fields: this.fields(entity), records: body.list, total: body.total };
  }

  async create(entity: string, fields: Record<string, unknown>): Promise<AdminResult> {
    this.columnsOf(entity);
    return this.change({ method: 'POST', path: `/${entity}`, query: {}, body: fields });
  }

  async update(entity: string, id: string, fields: Record<string, unknown>): Promise<AdminResult> {
    this.columnsOf(entity);
    return this.change({ method: 'PUT', path: `/${entity}/${encodeURIComponent(id)}`, query: {}, body: fields });
  }

  async remove(entity: string, id: string): Promise<AdminResult> {
    this.columnsOf(entity);
    return this.change({ method: 'DELETE', path: `/${entity}/${encodeURIComponent(id)}`, query: {} });
  }

  private async change(request: Parameters<FakeEspoCrm['request']>[0]): Promise<AdminResult> {
    const answer = this.crm.request(request);
    const delivered = await this.crm.webhooks.deliver().catch(() => []);
    const webhooks = delivered.map((d) => d.status);
    if (answer.status !== 200)
      return { status: answer.status, reason: answer.headers['X-Status-Reason'] ?? 'refused', webhooks };
    return {
      status: 200,
      ...(typeof answer.body === 'object' && answer.body ? { record: answer.body as Record<string, unknown> } : {}),
      webhooks,
    };
  }

  private columnsOf(entity: string): string[] {
    const columns = ADMIN_ENTITIES[entity];
    if (!columns) throw new RangeError(`unknown entity ${entity}`);
    return columns;
  }

  /** The entity's editable fields, from EspoCRM's metadata (the same API the bot reads). */
  private fields(entity: string): AdminField[] {
    const defs = (this.crm.request({ method: 'GET', path: '/Metadata', query: { key: `entityDefs.${entity}.fields` } })
      .body ?? {}) as Record<
      string,
      { type: string; required?: boolean; readOnly?: boolean; options?: string[]; entity?: string }
    >;
    const users = this.crm
      .all('User')
      .map((user) => ({ id: String(user.id), name: String(user.name ?? user.userName) }));
    return Object.entries(defs).flatMap(([name, def]): AdminField[] => {
      if (def.readOnly) return [];
      if (name === 'assignedUser')
        return [{ name: 'assignedUserId', type: 'user', required: Boolean(def.required), choices: users }];
      // A date-only datetime (`dateEnd`) is edited as itself, not through its `dateEndDate` half.
      if (!EDITABLE.has(def.type) || defs[name.replace(/Date$/, '')]?.type === 'datetimeOptional') return [];
      // A person's name is edited as its first and last names (EspoCRM's personName field).
      if (def.type === 'personName') return [];
      return [
        { name, type: def.type, required: Boolean(def.required), ...(def.options ? { options: def.options } : {}) },
      ];
    });
  }
}
