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

/** Who asked, and where. Built by the transport from the Slack payload. */
export interface RequestContext {
  teamId: string;
  userId: string;
  channelId?: string;
  /** IANA time zone of the person, for `today`/`tomorrow`; UTC when unknown. */
  timeZone?: string;
  /** Slack workspace admin or owner; only they may end a connection the whole workspace shares. */
  isWorkspaceAdmin?: boolean;
  /** The person's email and name in Slack, when known: "my deals" means their EspoCRM user's. */
  email?: string;
  displayName?: string;
  /** A Slack guest (single- or multi-channel): not a workspace member, so may not subscribe to alerts. */
  isGuest?: boolean;
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
  /** The fields the bot knows the type of, to say which ones a request could name; none for custom entities. */
  fields?(): readonly string[];
  /**
   * EspoCRM's `assignedUser` on this entity: whether a new record must have one (a task's, a
   * meeting's, a call's). Absent when it has none, or the bot does not know the entity's fields.
   */
  assignedUser?: { required: boolean };
  /**
   * The field EspoCRM's stream treats as the record's status (scopes `statusField`: a lead's
   * `status`, a deal's `stage`): its changes are noted apart from the audited fields.
   */
  statusField?: string;
}

/**
 * What core knows of the CRM's record types and how it names and addresses records, so it spells
 * none of it itself. The EspoCRM implementation is crm/espo/entities.ts.
 */
export interface EntityDirectory {
  /** Resolves a word (`deals`, `people`, `lead`, `CProject`) to an entity; unknown words become custom entities. */
  resolve(word: string): EntityInfo;
  /** Words that name the built-in entities, for help and "did you mean". */
  words(): string[];
  /** Whether a name is an EspoCRM record type the bot works with: a built-in one or a custom (C-prefixed) one. */
  isRecordType(name: string): boolean;
  /** Built-in entities a text names by any of their words ("deals", "a call"), in order of first mention. */
  mentionedIn(text: string): string[];
  /**
   * One compact line of an entity's writable fields, types and enum options, for the planner;
   * without the fields in `known` (the offered tools describe those), undefined when none is left.
   */
  fieldGuide(entity: string, known?: ReadonlySet<string>): string | undefined;
  /** Whether the CRM manages a field itself (ids, timestamps, versions): never set from Slack, never a condition. */
  isSystemField(field: string): boolean;
  /** The field that holds when a record was created: what "newest" sorts by, and a list given only an order. */
  creationField(): string;
  /** The record a text names by its web address (`https://crm.example.com/#Lead/view/5f3a…`), wherever it sits. */
  recordNamedIn(text: string): RecordAddress | undefined;
  /** The record a URL's fragment (`#Lead/view/5f3a…`) is exactly the web address of. */
  recordAt(fragment: string): RecordAddress | undefined;
  /** The REST request that creates a record of `entity`: for records no action writes (a note on a stream). */
  createRequest(entity: string, body: Record<string, unknown>): ProxyRequest;
  /** Why a REST request may not be made for someone (not a record path, a write to users...), or undefined. */
  refusalOf(request: ProxyRequest): string | undefined;
  /** The record a REST path is about (`/Lead/5f3a…`), when it names one. */
  recordOfPath(path: string): RecordAddress | undefined;
  /** The record type a write creates: an action's key (`create-lead`), or a REST request (`POST /Lead`). */
  createdBy(write: { actionKey: string } | { request: ProxyRequest }): string | undefined;
}

/** A record as its web address names it: the entity type as written there, and the id. */
export interface RecordAddress {
  entity: string;
  id: string;
}

/** Whom a new record is assigned to, as its preview says it: the person asking, or someone they named. */
export interface Assignee {
  id: string;
  name?: string;
  isRequester: boolean;
}

export interface CrmRecord {
  id: string;
  name?: string;
  fields: Record<string, unknown>;
}

export const FILTER_OPERATORS = [
  'equals',
  'notEquals',
  'greaterThan',
  'lessThan',
  'greaterThanOrEquals',
  'lessThanOrEquals',
  'contains',
  'in',
  'notIn',
  // "unassigned", "without a phone": EspoCRM's isNull/isNotNull.
  'isNull',
  'isNotNull',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface Filter {
  field: string;
  op: FilterOperator;
  /** `isNull` and `isNotNull` compare with nothing: their value is `true` and is not sent. */
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
  /** The record type whose record the action changes or deletes by its `id` input, when it has one. */
  entity?: string;
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

/**
 * What the bot learned about a tenant's live connection (`/espo doctor`, or EspoCRM's own
 * refusals), kept per tenant so it adapts. Valid for the connection it was learned on.
 */
export interface CrmFindings {
  connectionId: string;
  /** When the doctor checked the connection (epoch ms); absent while only EspoCRM's refusals taught something. */
  checkedAt?: number;
  /**
   * What the proxy needs before EspoCRM's API paths: '' when the connection's base URL is the API, '/api/v1' when it is
   * the site.
   */
  proxyPrefix?: '' | '/api/v1';
  /** EspoCRM's recordListMaxSizeLimit: the largest page it serves. */
  maxPageSize?: number;
  /** EspoCRM's version, as its settings say. */
  version?: string;
  /** EspoCRM's own address (its `siteUrl` setting). */
  siteUrl?: string;
  /** Actions whose answers could not be read: their records go through the proxy. */
  unusableActions?: string[];
  /** Whether the API user may manage webhooks (alerts without them poll). */
  webhooks?: 'allowed' | 'refused';
}

/**
 * One assumption the bot makes about the connection, and whether it holds: `ok`; `adapted` (it
 * does not, and the bot works around it); `problem` (someone has to act).
 */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'adapted' | 'problem';
  detail: string;
}

/** What `/espo doctor`'s probes found: each check, and the findings the bot now works with. */
export interface Examination {
  checks: DoctorCheck[];
  findings: CrmFindings;
}

/** What a read the planner chose turned out to return. */
export type ReadResult =
  /** `query`: the same read as a ListQuery, when the call's filters can say it (then it pages). */
  | { kind: 'records'; entity: string; page: RecordPage; offset: number; query?: ListQuery }
  | { kind: 'record'; entity: string; record: CrmRecord }
  | { kind: 'data'; output: unknown };

/** Everything core asks of the CRM. The Membrane implementation lives in src/crm. */
export interface CrmGateway {
  connect(tenant: Tenant): Promise<ConnectionStatus>;
  status(tenant: Tenant): Promise<ConnectionStatus>;
  /**
   * Whether the bot's connection cache holds a READY connection for the tenant; asks Membrane nothing and never starts
   * a connection.
   */
  isConnected(tenant: Tenant): Promise<boolean>;
  disconnect(tenant: Tenant): Promise<void>;
  list(tenant: Tenant, query: ListQuery): Promise<RecordPage>;
  get(tenant: Tenant, entity: string, id: string): Promise<CrmRecord>;
  create(tenant: Tenant, entity: string, fields: Record<string, unknown>): Promise<CrmRecord>;
  update(tenant: Tenant, entity: string, id: string, fields: Record<string, unknown>): Promise<CrmRecord>;
  remove(tenant: Tenant, entity: string, id: string): Promise<void>;
  /** Intent search; each action with the input schema the search gave (the planner's tool). */
  searchActions(tenant: Tenant, intent: string, limit: number): Promise<ActionInfo[]>;
  describeAction(tenant: Tenant, key: string): Promise<ActionInfo>;
  /** Returns the schema's complaint about `input`, or undefined when it is valid. */
  checkActionInput(action: ActionInfo, input: unknown): string | undefined;
  runAction(tenant: Tenant, key: string, input: unknown): Promise<unknown>;
  proxy(tenant: Tenant, request: ProxyRequest): Promise<unknown>;
  /** Runs a read action and recognises records or a record in its output, so they show as cards. */
  readAction(tenant: Tenant, key: string, input: unknown): Promise<ReadResult>;
  /** GETs an EspoCRM REST path through the proxy and recognises records or a record in the answer. */
  readPath(tenant: Tenant, path: string): Promise<ReadResult>;
  /** The JSON Schema of the fields a create or update form asks for; undefined when there is none. */
  formSchema(
    tenant: Tenant,
    entity: string,
    operation: 'create' | 'update',
  ): Promise<Record<string, unknown> | undefined>;
  /** The schema's complaints about a form's values, per field. */
  checkFields(schema: Record<string, unknown>, fields: Record<string, unknown>): { field: string; problem: string }[];
  /**
   * `/espo doctor`: harmless reads against the live connection, each assumption checked; what
   * they find is kept for the tenant, so the bot adapts (proxy base path, page size, actions).
   */
  examine(tenant: Tenant): Promise<Examination>;
}

/** What a plain-language request cost in model tokens. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  modelCalls: number;
}

export type WritePlan =
  | { kind: 'create'; entity: string; fields: Record<string, unknown> }
  | { kind: 'update'; entity: string; id: string; fields: Record<string, unknown>; before?: Record<string, unknown> }
  | { kind: 'delete'; entity: string; id: string; name?: string }
  /** `target`: the record a planned write changes, looked up so the preview can name it. */
  | { kind: 'run'; key: string; name: string; input: unknown; target?: RecordRef }
  | { kind: 'proxy'; request: ProxyRequest; target?: RecordRef }
  | { kind: 'disconnect' }
  /** An alert subscription (`/espo subscribe`): saved, and its EspoCRM webhooks registered, on Confirm. */
  | { kind: 'subscribe'; subscription: SubscriptionPlan }
  | { kind: 'unsubscribe'; id: string; description: string }
  /** A scheduled digest (`/espo digest daily 09:00`): stored, and sent by the scheduler, on Confirm. */
  | { kind: 'digest_schedule'; digest: DigestPlan }
  /** Stopping a digest (its Stop button); `digest` says which, for the audit log. */
  | { kind: 'digest_cancel'; id: string; digest: DigestPlan };

/**
 * Where and when a digest goes, as confirmed. `personal`: the person's own work, sent to their DM
 * with the bot (`channelId` is then their user id); otherwise the team's view, in `channelId`.
 */
export interface DigestPlan {
  channelId: string;
  personal: boolean;
  /** The person's EspoCRM user (personal digests), found by their Slack email when scheduled. */
  crmUserId?: string;
  time: string;
  days: 'daily' | 'weekdays';
  timeZone: string;
  /** The pipeline (open deals by stage, with a chart) in the first digest of each week. */
  pipeline?: boolean;
}

/** What a confirmed `/espo subscribe` saves. `dm`: alerts go to the subscriber's DM (`to=me`). */
export interface SubscriptionPlan {
  entity: string;
  event: 'created' | 'updated' | 'deleted' | 'assigned';
  field?: string;
  filters: Filter[];
  channelId: string;
  dm: boolean;
  /** Words for previews and lists: "new Lead records where source = Web Site". */
  description: string;
}

/** Who pressed Confirm or Cancel: the Slack workspace and the person. */
export interface Requester {
  teamId: string;
  userId: string;
}

/** A record a conversation showed, so a later turn can say "that deal" or "the second one". */
export interface RecordRef {
  entity: string;
  id: string;
  name?: string;
}

export interface Clock {
  now(): Date;
}

export interface Logger {
  info(data: Record<string, unknown>, message: string): void;
  warn(data: Record<string, unknown>, message: string): void;
  error(data: Record<string, unknown>, message: string): void;
}

// ---- The CRM gateway's connection cache (kept by store/, used by crm/; here so neither imports the other) ----

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
