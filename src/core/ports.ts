/**
 * The small interfaces core needs from the other layers, and the plain data that crosses them.
 * Core imports nothing from Slack, Membrane, OpenAI or the database: whoever builds the app
 * passes implementations of these in.
 */

/** Who a request acts for. `key` is the Membrane customer: the team, or team + user in user scope. */
export interface Tenant {
  key: string;
  teamId: string;
  userId: string;
}

export interface FieldView {
  field: string;
  label: string;
  format: 'text' | 'enum' | 'currency' | 'date' | 'datetime' | 'email' | 'phone' | 'url' | 'link' | 'number' | 'bool';
}

/** What core and rendering need to know about an EspoCRM entity type. */
export interface EntityInfo {
  /** EspoCRM's entity type, e.g. `Lead`, `Opportunity`, `CProject`. */
  name: string;
  label: string;
  plural: string;
  keyFields: FieldView[];
  fieldType(field: string): string | undefined;
}

export interface EntityDirectory {
  /** Resolves a word (`deals`, `people`, `lead`, `CProject`) to an entity; unknown words become custom entities. */
  resolve(word: string): EntityInfo;
  /** Words that name the built-in entities, for help and "did you mean". */
  words(): string[];
}

export interface CrmRecord {
  id: string;
  name?: string;
  fields: Record<string, unknown>;
}

export type FilterOperator = 'equals' | 'notEquals' | 'greaterThan' | 'lessThan' | 'greaterThanOrEquals' | 'lessThanOrEquals' | 'contains' | 'in';

export interface Filter {
  field: string;
  op: FilterOperator;
  value: string | number | boolean | (string | number)[];
}

export interface ListQuery {
  entity: string;
  filters: Filter[];
  sort?: { field: string; order: 'asc' | 'desc' };
  limit: number;
  offset: number;
  /** Opaque paging token when the action pages by cursor instead of offset. */
  cursor?: string;
  /** Cursors of the pages before this one, so Previous works for cursor paging too. */
  previousCursors?: string[];
  /** Free-text search (EspoCRM's textFilter) for `find`. */
  text?: string;
}

export interface RecordPage {
  records: CrmRecord[];
  /** Total matching records when the CRM says; undefined when only "more" is known. */
  total?: number;
  nextCursor?: string;
  hasMore: boolean;
}

export type ConnectionStatus =
  | { state: 'ready'; connectionId: string; name?: string }
  | { state: 'action_required'; connectionId?: string; url?: string; description: string }
  | { state: 'building'; connectionId: string }
  | { state: 'failed'; connectionId?: string; message: string }
  | { state: 'none' };

export interface ActionSummary {
  key: string;
  name: string;
  description?: string;
  isRead: boolean;
}

export interface ActionInfo extends ActionSummary {
  inputSchema?: Record<string, unknown>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ProxyRequest {
  method: HttpMethod;
  path: string;
  body?: unknown;
}

/** Everything core asks of the CRM. The Membrane implementation lives in src/crm. */
export interface CrmGateway {
  connect(tenant: Tenant): Promise<ConnectionStatus>;
  status(tenant: Tenant): Promise<ConnectionStatus>;
  disconnect(tenant: Tenant): Promise<void>;
  list(tenant: Tenant, query: ListQuery): Promise<RecordPage>;
  get(tenant: Tenant, entity: string, id: string): Promise<CrmRecord>;
  create(tenant: Tenant, entity: string, fields: Record<string, unknown>): Promise<CrmRecord>;
  update(tenant: Tenant, entity: string, id: string, fields: Record<string, unknown>): Promise<CrmRecord>;
  remove(tenant: Tenant, entity: string, id: string): Promise<void>;
  searchActions(tenant: Tenant, intent: string, limit: number): Promise<ActionSummary[]>;
  describeAction(tenant: Tenant, key: string): Promise<ActionInfo>;
  /** Returns the schema's complaint about `input`, or undefined when it is valid. */
  checkActionInput(action: ActionInfo, input: unknown): string | undefined;
  runAction(tenant: Tenant, key: string, input: unknown): Promise<unknown>;
  proxy(tenant: Tenant, request: ProxyRequest): Promise<unknown>;
}

/** A write waiting for its requester's Confirm, as stored. */
export interface PendingWrite {
  id: string;
  tenantKey: string;
  teamId: string;
  userId: string;
  channelId?: string;
  plan: WritePlan;
  createdAt: Date;
  expiresAt: Date;
}

export type WritePlan =
  | { kind: 'create'; entity: string; fields: Record<string, unknown> }
  | { kind: 'update'; entity: string; id: string; fields: Record<string, unknown>; before?: Record<string, unknown> }
  | { kind: 'delete'; entity: string; id: string; name?: string }
  | { kind: 'run'; key: string; name: string; input: unknown }
  | { kind: 'proxy'; request: ProxyRequest }
  | { kind: 'disconnect' };

export type ClaimOutcome =
  | { ok: true; write: PendingWrite }
  | { ok: false; reason: 'missing' | 'expired' | 'not_yours' | 'used' };

export interface ConfirmationStore {
  save(write: PendingWrite): Promise<void>;
  /** Atomically moves a pending write to `running` for its requester; at most one caller ever wins. */
  claim(id: string, userId: string, now: Date): Promise<ClaimOutcome>;
  /** Cancels a pending write for its requester (same checks as claim). */
  cancel(id: string, userId: string, now: Date): Promise<ClaimOutcome>;
  finish(id: string, outcome: 'done' | 'failed' | 'unknown'): Promise<void>;
  /** Forgets writes that expired before `olderThan` (the audit log keeps what happened). */
  prune(olderThan: Date): Promise<number>;
}

export interface AuditEntry {
  tenantKey: string;
  teamId: string;
  userId: string;
  action: string;
  input: unknown;
  outcome: 'done' | 'failed' | 'unknown' | 'cancelled';
  detail?: string;
  at: Date;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

/** Slack event ids already handled, shared by every instance, so a retry is processed once. */
export interface EventLedger {
  /** Records an event id; false when it was seen before (a Slack retry, or another instance got it). */
  firstSighting(eventId: string, now: Date): Promise<boolean>;
  prune(olderThan: Date): Promise<number>;
}

export interface Clock {
  now(): Date;
}

export interface Logger {
  info(data: Record<string, unknown>, message: string): void;
  warn(data: Record<string, unknown>, message: string): void;
  error(data: Record<string, unknown>, message: string): void;
}
