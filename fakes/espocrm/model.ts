// An in-memory EspoCRM instance answering like its REST API (paths after /api/v1). Only what the Slack
// app relies on is modelled: CRUD, list search params, validation/duplicate errors, App/user, Metadata.
import {
  builtinEntityDefs,
  builtinScopes,
  entityAttributes,
  isPersonEntity,
  type AttributeInfo,
  type EntityDef,
  type EntityDefs,
  type FieldDef,
  type ScopeDef,
} from './defs.js';
import { DATE_RE, DATETIME_RE, formatDate, formatDateTime } from './dates.js';
import { seedDefaultData } from './seed.js';
import { FakeEspoWebhooks } from './webhooks.js';
import {
  EspoError,
  asList,
  badRequest,
  compareValues,
  compileWhere,
  isPlainObject,
  type EspoRecord,
  type Predicate,
  type WhereContext,
} from './where.js';

export type { AttributeInfo, EntityDef, EspoRecord, FieldDef };
export { EspoError };

export interface EspoRequest {
  method: string;
  /** EspoCRM path after /api/v1, e.g. `/Lead` or `/Lead/5f3e2a1b0c9d8e7f6`. */
  path: string;
  /** Query already parsed with qs (bracket notation → nested objects). */
  query: Record<string, unknown>;
  body?: unknown;
  headers?: Record<string, string | undefined>;
}

export interface EspoResponse {
  status: number;
  headers: Record<string, string>;
  /** `undefined` means an empty body (EspoCRM's plain errors carry only X-Status-Reason). */
  body: unknown;
}

/**
 * Settings an API user reads with `GET /Settings` (Tools/App/SettingsService::getConfigData: every
 * parameter that is not internal, system or admin-only, and these three are none of them:
 * Resources/defaults/systemConfig.php). `recordListMaxSizeLimit` is admin-configurable, default
 * 200 (Resources/defaults/config.php; Core/Record/SearchParamsFetcher::MAX_SIZE_LIMIT).
 */
export interface EspoSettings {
  siteUrl?: string;
  version: string;
  recordListMaxSizeLimit: number;
  /**
   * Currencies (Resources/defaults/config.php: USD, no rates). `currencyRates`: what one unit of a
   * currency is worth in the base currency (Core/Currency/ConfigDataProvider::getCurrencyRates).
   */
  baseCurrency: string;
  defaultCurrency: string;
  currencyList: string[];
  currencyRates: Record<string, number>;
}
const TASK_DONE_STATUSES = ['Completed', 'Canceled'];
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Primary filters (selectDefs) expressed as where items so they share the where engine. */
const PRIMARY_FILTERS: Record<string, Record<string, unknown[]>> = {
  Lead: {
    actual: [{ type: 'notIn', attribute: 'status', value: ['Converted', 'Recycled', 'Dead'] }],
    active: [{ type: 'notIn', attribute: 'status', value: ['Converted', 'Recycled', 'Dead'] }],
    converted: [{ type: 'equals', attribute: 'status', value: 'Converted' }],
  },
  Opportunity: {
    open: [{ type: 'notIn', attribute: 'stage', value: ['Closed Won', 'Closed Lost'] }],
    won: [{ type: 'equals', attribute: 'stage', value: 'Closed Won' }],
    lost: [{ type: 'equals', attribute: 'stage', value: 'Closed Lost' }],
  },
  Task: {
    actual: [{ type: 'notIn', attribute: 'status', value: TASK_DONE_STATUSES }],
    completed: [{ type: 'equals', attribute: 'status', value: 'Completed' }],
    deferred: [{ type: 'equals', attribute: 'status', value: 'Deferred' }],
    overdue: [{ type: 'isTrue', attribute: 'isOverdue' }],
    todays: [{ type: 'today', attribute: 'dateEnd' }],
  },
  Case: {
    open: [{ type: 'notIn', attribute: 'status', value: ['Closed', 'Rejected', 'Duplicate'] }],
    closed: [{ type: 'equals', attribute: 'status', value: 'Closed' }],
  },
  Account: {
    customers: [{ type: 'equals', attribute: 'type', value: 'Customer' }],
    partners: [{ type: 'equals', attribute: 'type', value: 'Partner' }],
    resellers: [{ type: 'equals', attribute: 'type', value: 'Reseller' }],
  },
};

/** Attributes compared case-insensitively by EspoCRM's default duplicate checkers. */
const DUPLICATE_KEYS: Record<string, string[]> = {
  Lead: ['name', 'emailAddress'],
  Contact: ['name', 'emailAddress'],
  Account: ['name'],
};

/** Fields every custom ("Base") entity gets in EspoCRM. */
const BASE_ENTITY_FIELDS: Record<string, FieldDef> = {
  name: { type: 'varchar', required: true, maxLength: 255 },
  description: { type: 'text' },
  createdAt: { type: 'datetime', readOnly: true },
  modifiedAt: { type: 'datetime', readOnly: true },
  createdBy: { type: 'link', entity: 'User', readOnly: true },
  modifiedBy: { type: 'link', entity: 'User', readOnly: true },
  assignedUser: { type: 'link', entity: 'User' },
};

const ok = (body: unknown): EspoResponse => ({ status: 200, headers: {}, body });
const notFound = (): EspoError => new EspoError(404, 'Not Found');

function validationError(field: string, type: string): EspoError {
  return new EspoError(400, 'validationFailure', {
    messageTranslation: { label: 'validationFailure', scope: null, data: { field, type } },
  });
}

function isBlank(value: unknown): boolean {
  return value == null || value === '' || (Array.isArray(value) && value.length === 0);
}

function sameText(a: unknown, b: unknown): boolean {
  return (
    typeof a === 'string' &&
    typeof b === 'string' &&
    a.trim() !== '' &&
    a.trim().toLowerCase() === b.trim().toLowerCase()
  );
}

/** A non-negative integer query param; numbers arrive as strings from a query string. */
function intParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Bad ${name}.`);
  return n;
}

function personName(record: EspoRecord): string | null {
  const parts = [record.firstName, record.lastName].filter((p) => typeof p === 'string' && p !== '');
  return parts.length ? parts.join(' ') : null;
}

/**
 * A note in a record's stream (Entities/Note.php), of the kinds EspoCRM writes when records are
 * saved (Tools/Stream/Service): `Create` (noteCreate), `Update` (handleAudited), `Assign` (noteAssign).
 */
interface StreamNote {
  id: string;
  type: 'Create' | 'Update' | 'Assign';
  parentType: string;
  parentId: string;
  data: Record<string, unknown>;
  createdAt: string;
  createdById: string;
  createdByName: string;
}

export class FakeEspoCrm {
  /** Webhooks registered through `POST /Webhook`, with the events queued for them (see webhooks.ts). */
  readonly webhooks = new FakeEspoWebhooks();
  private readonly notes = new Map<string, StreamNote[]>();
  private readonly now: () => Date;
  private readonly defs: EntityDefs = builtinEntityDefs();
  private readonly scopes: Record<string, ScopeDef> = builtinScopes();
  private readonly tables = new Map<string, Map<string, EspoRecord>>();
  private readonly attributeCache = new Map<string, AttributeInfo[]>();
  private readonly autoincrements = new Map<string, number>();
  private idCounter = 0;
  private noteCounter = 0;
  /** Bumped by every write, so presented records are presented again (see presentAll). */
  private version = 0;
  private presented?: { key: string; records: Map<string, EspoRecord[]> };

  /** The instance's configuration; tests change it (a lower `recordListMaxSizeLimit`, another `siteUrl`). */
  readonly settings: EspoSettings;
  /**
   * Whether reads carry `<field>Converted` of currency fields and a deal's `amountWeightedConverted`,
   * as EspoCRM computes them (see `converted`); false: the shape of an API that gives only the amount
   * and its currency, so nothing says what amounts in several currencies come to together.
   */
  currencyConverted = true;

  constructor(opts: { now?: () => Date; siteUrl?: string } = {}) {
    this.now = opts.now ?? (() => new Date());
    this.settings = {
      version: '10.0.0',
      recordListMaxSizeLimit: 200,
      baseCurrency: 'USD',
      defaultCurrency: 'USD',
      currencyList: ['USD'],
      currencyRates: {},
      ...(opts.siteUrl ? { siteUrl: opts.siteUrl } : {}),
    };
  }

  /** Load the fixed demo data set (dates are relative to the injected clock). */
  seedDefaults(): this {
    seedDefaultData(this, this.now());
    return this;
  }

  /** Add a custom entity (e.g. 'CProject'); it also gets EspoCRM's Base fields unless overridden. */
  defineEntity(name: string, fields: Record<string, FieldDef>, collection: EntityDef['collection'] = {}): void {
    this.defs[name] = {
      collection: { orderBy: 'createdAt', order: 'desc', textFilterFields: ['name'], ...collection },
      fields: { ...BASE_ENTITY_FIELDS, ...fields },
    };
    this.attributeCache.delete(name);
    this.version += 1;
  }

  /**
   * Change one field's definition as an admin does in EspoCRM's Entity Manager: new stage names and
   * probabilities, new statuses. Records keep their values, as EspoCRM's do.
   */
  redefineField(entity: string, field: string, def: FieldDef): void {
    this.entityDef(entity).fields[field] = def;
    this.attributeCache.clear();
  }

  /**
   * Insert records as-is (no validation, no duplicate check; readOnly attributes allowed), each
   * with the Create note EspoCRM wrote when it was made, as records created in EspoCRM have.
   */
  seed(entity: string, records: EspoRecord[]): EspoRecord[] {
    if (!this.defs[entity]) throw new Error(`FakeEspoCrm: unknown entity ${entity}`);
    return records.map((input) => {
      const record: EspoRecord = { ...input };
      this.splitPersonName(entity, record, input);
      this.applyDefaults(entity, record);
      this.applyBusinessRules(entity, record);
      const created = this.present(entity, this.insert(entity, record));
      this.noteCreate(entity, created);
      return created;
    });
  }

  /** All records of an entity as the API would return them, in insertion order. */
  all(entity: string): EspoRecord[] {
    return this.presentAll(entity).map((record) => ({ ...record }));
  }

  /**
   * Every record of an entity presented, kept until any record changes (or the day does: `isOverdue`):
   * a report pages through thousands of records, and presenting them all for each page would make the
   * fake, not the bot, the slow part of a benchmark. Read only; callers copy what they hand out.
   */
  private presentAll(entity: string): EspoRecord[] {
    const key = `${this.version}|${formatDate(this.now())}`;
    if (this.presented?.key !== key) this.presented = { key, records: new Map() };
    let records = this.presented.records.get(entity);
    if (!records) {
      records = [...this.table(entity).values()].map((record) => this.present(entity, record));
      this.presented.records.set(entity, records);
    }
    return records;
  }

  get(entity: string, id: string): EspoRecord | undefined {
    const record = this.table(entity).get(id);
    return record && this.present(entity, record);
  }

  request(req: EspoRequest): EspoResponse {
    try {
      return this.route(req);
    } catch (error) {
      if (!(error instanceof EspoError)) throw error;
      return { status: error.status, headers: { 'X-Status-Reason': error.reason }, body: error.body };
    }
  }

  private route(req: EspoRequest): EspoResponse {
    const method = req.method.toUpperCase();
    const [scope, id, sub, ...rest] = req.path.split('/').filter(Boolean);
    if (!scope || rest.length > 0) throw notFound();
    if (scope === 'Webhook' && !sub) {
      if (method === 'GET' && id === undefined) return ok(this.listWebhooks());
      if (method === 'POST' && id === undefined) {
        const answer = this.webhooks.create(req.body);
        if (answer.status !== 200)
          throw new EspoError(answer.status, answer.status === 403 ? 'Access denied' : 'Bad request');
        return ok(answer.body);
      }
      if (method === 'DELETE' && id !== undefined) {
        if (!this.webhooks.delete(id)) throw notFound();
        return ok(true);
      }
      throw notFound();
    }
    if (sub !== undefined) {
      if (sub !== 'stream' || method !== 'GET' || !this.defs[scope] || id === undefined) throw notFound();
      this.read(scope, id);
      const list = [...(this.notes.get(`${scope}:${id}`) ?? [])].reverse();
      const maxSize = intParam(req.query.maxSize, 'maxSize') ?? 20;
      return ok({ total: list.length, list: list.slice(0, maxSize) });
    }

    if (method === 'GET' && scope === 'App' && id === 'user') return ok(this.appUser());
    if (method === 'GET' && scope === 'Settings' && id === undefined) return ok(this.publicSettings());
    if (method === 'GET' && scope === 'Metadata' && id === undefined) return ok(this.metadata(req.query.key));
    if (!this.defs[scope]) throw notFound();

    if (id === undefined) {
      if (method === 'GET') return ok(this.list(scope, req.query));
      if (method === 'POST') return ok(this.create(scope, req.body, req.headers ?? {}));
    } else {
      if (method === 'GET') return ok(this.read(scope, id));
      if (method === 'PUT' || method === 'PATCH') return ok(this.update(scope, id, req.body));
      if (method === 'DELETE') {
        if (!this.table(scope).delete(id)) throw notFound();
        this.version += 1;
        this.webhooks.emit(`${scope}.delete`, { id });
        return ok(true);
      }
    }
    throw notFound();
  }

  // ---- reading ---------------------------------------------------------------------------------

  private list(entity: string, query: Record<string, unknown>): { total: number; list: EspoRecord[] } {
    const params = this.searchParams(query);
    // SearchParamsFetcher::handleMaxSize: no maxSize means the limit; more is Forbidden, its
    // message in X-Status-Reason (Core/Api/ErrorOutput prints Forbidden's reason).
    const limit = this.settings.recordListMaxSizeLimit;
    const maxSize = intParam(params.maxSize, 'maxSize') ?? limit;
    if (maxSize > limit) throw new EspoError(403, `Max size should not exceed ${limit}. Use offset and limit.`);
    const offset = intParam(params.offset, 'offset') ?? 0;

    const matched = this.presentAll(entity)
      .filter(this.listPredicate(entity, params))
      .sort(this.listOrder(entity, params));
    const select = this.selectList(params.select ?? params.attributeSelect);
    const page = matched.slice(offset, offset + maxSize).map((record) => this.converted(entity, record));
    return {
      total: matched.length,
      list: select
        ? page.map((r) => Object.fromEntries(select.filter((a) => Object.hasOwn(r, a)).map((a) => [a, r[a]])))
        : page,
    };
  }

  /** The official JS client sends everything as one JSON `searchParams` query param. */
  private searchParams(query: Record<string, unknown>): Record<string, unknown> {
    if (typeof query.searchParams !== 'string') return query;
    let parsed: unknown;
    try {
      parsed = JSON.parse(query.searchParams);
    } catch {
      throw badRequest('Bad searchParams.');
    }
    if (!isPlainObject(parsed)) throw badRequest('Bad searchParams.');
    return parsed;
  }

  private listPredicate(entity: string, params: Record<string, unknown>): Predicate {
    const ctx: WhereContext = { attributes: this.attributeNames(entity), now: this.now() };
    const parts = [compileWhere(params.where ?? params.whereGroup, ctx)];

    const filter = params.primaryFilter;
    if (typeof filter === 'string' && filter !== '' && filter !== 'all') {
      const items = PRIMARY_FILTERS[entity]?.[filter];
      if (!items) throw badRequest(`Primary filter '${filter}' does not exist.`);
      parts.push(compileWhere(items, ctx));
    }

    const text = params.textFilter ?? params.q;
    if (typeof text === 'string' && text.trim() !== '') {
      // Quick search: contains over the entity's textFilterFields; `*` is EspoCRM's wildcard.
      const pattern = `%${text.trim().replace(/\*/g, '%')}%`;
      const fields = this.entityDef(entity).collection.textFilterFields ?? ['name'];
      const or = fields.map((attribute) => ({ type: 'like', attribute, value: pattern }));
      parts.push(compileWhere([{ type: 'or', value: or }], ctx));
    }
    return (record) => parts.every((p) => p(record));
  }

  private listOrder(entity: string, params: Record<string, unknown>): (a: EspoRecord, b: EspoRecord) => number {
    const collection = this.entityDef(entity).collection;
    const requested = params.orderBy ?? params.sortBy;
    const orderBy = requested === undefined || requested === '' ? (collection.orderBy ?? 'createdAt') : requested;
    if (typeof orderBy !== 'string' || !this.attributeNames(entity).has(orderBy)) throw badRequest('Bad orderBy.');

    const defaultOrder = orderBy === collection.orderBy ? (collection.order ?? 'asc') : 'asc';
    const order = params.order === undefined || params.order === '' ? defaultOrder : String(params.order).toLowerCase();
    if (order !== 'asc' && order !== 'desc') throw badRequest('Bad order.');

    const direction = order === 'asc' ? 1 : -1;
    // EspoCRM appends `id` to every order so pages are stable.
    return (a, b) => direction * (compareValues(a[orderBy], b[orderBy]) || compareValues(a.id, b.id));
  }

  private selectList(select: unknown): string[] | undefined {
    const names = typeof select === 'string' ? select.split(',') : asList(select).map(String);
    const wanted = names.map((s) => s.trim()).filter(Boolean);
    return wanted.length ? [...new Set(['id', ...wanted])] : undefined;
  }

  private read(entity: string, id: string): EspoRecord {
    const record = this.get(entity, id);
    if (!record) throw notFound();
    return this.converted(entity, record);
  }

  /**
   * A read record with what EspoCRM computes from its amounts on read. `<field>Converted` of each
   * currency field: the amount times its currency's rate into the default currency
   * (Core/Utils/Database/Orm/FieldConverters/Currency.php, no-join mode, EspoCRM's default). A
   * deal's `amountWeightedConverted`: amount × probability × the rate of its currency into the
   * base currency / 100 (Modules/Crm/Resources/metadata/entityDefs/Opportunity.json `select`).
   */
  private converted(entity: string, record: EspoRecord): EspoRecord {
    const out = { ...record };
    if (!this.currencyConverted) return out;
    for (const [field, def] of Object.entries(this.entityDef(entity).fields)) {
      if (def.type !== 'currency') continue;
      const amount = record[field];
      out[`${field}Converted`] =
        typeof amount === 'number' ? amount * this.rateIntoDefault(String(record[`${field}Currency`])) : null;
    }
    if (entity === 'Opportunity') {
      const { amount, probability, amountCurrency } = record;
      const rate = this.baseRate(String(amountCurrency));
      out.amountWeightedConverted =
        typeof amount === 'number' && typeof probability === 'number' && rate !== null
          ? (amount * probability * rate) / 100
          : null;
    }
    return out;
  }

  /**
   * CURRENCY_RATE (Core/ORM/QueryComposer/Part/FunctionConverters/CurrencyRate.php): 1 for the
   * default currency, 0 for one not in the currency list, a listed one without a rate 1.0; the
   * rates exchanged into the default currency when it is not the base one.
   */
  private rateIntoDefault(currency: string): number {
    const { baseCurrency, defaultCurrency, currencyList, currencyRates } = this.settings;
    if (currency === defaultCurrency) return 1;
    if (!currencyList.includes(currency)) return 0;
    if (defaultCurrency === baseCurrency) return currencyRates[currency] ?? 1;
    const defaultRate = 1 / (currencyRates[defaultCurrency] ?? 1);
    return currency === baseCurrency ? defaultRate : (currencyRates[currency] ?? 1) * defaultRate;
  }

  /** The rate of the Currency row of a code (Core/Utils/Currency/DatabasePopulator: one per listed currency). */
  private baseRate(currency: string): number | null {
    const { baseCurrency, currencyList, currencyRates } = this.settings;
    if (currency === baseCurrency) return 1;
    return currencyList.includes(currency) ? (currencyRates[currency] ?? 1) : null;
  }

  private currentUser(): { id: string; userName: string; name: string } {
    // The API user the connection authenticates as: the first seeded user.
    const [user] = this.all('User');
    if (!user) return { id: '1', userName: 'admin', name: 'Admin' };
    return { id: String(user.id), userName: String(user.userName), name: String(user.name ?? user.userName) };
  }

  /** `GET /App/user`: the user, and the rates as app params (Classes/AppParams/CurrencyRates.php formats them as text). */
  private appUser(): Record<string, unknown> {
    const rates = Object.entries(this.settings.currencyRates).map(([code, rate]) => [code, rate.toFixed(6)]);
    return { user: this.currentUser(), appParams: { currencyRates: Object.fromEntries(rates) } };
  }

  /** What `GET /Settings` shows an API user: non-admin parameters only (see EspoSettings). */
  private publicSettings(): Record<string, unknown> {
    return {
      ...this.settings,
      applicationName: 'EspoCRM',
      language: 'en_US',
      timeZone: 'UTC',
      dateFormat: 'DD.MM.YYYY',
      timeFormat: 'HH:mm',
    };
  }

  /**
   * `GET /Webhook`: an API user's own webhooks (Select/Webhook/AccessControlFilters/Mandatory),
   * or 403 without the Webhooks scope (Acl/Webhook/AccessChecker::check), as POST is refused.
   */
  private listWebhooks(): { total: number; list: Record<string, unknown>[] } {
    if (this.webhooks.refuseWith === 403) throw new EspoError(403, 'Access denied');
    const list = [...this.webhooks.registered.values()].map(({ id, event, url }) => ({
      id,
      event,
      url,
      isActive: true,
    }));
    return { total: list.length, list };
  }

  /**
   * `GET /Metadata?key=a.b.c`: the metadata a user may read, or the value at the key's dotted path,
   * null where there is none (Controllers/Metadata.php `getActionRead`,
   * Tools/App/MetadataService.php `getDataForFrontendByKey`, Core/Utils/Util.php `getValueByKey`).
   * The fake holds entityDefs and scopes, the parts the bot reads.
   */
  private metadata(key: unknown): unknown {
    const data: unknown = structuredClone({ entityDefs: this.defs, scopes: this.scopes });
    if (typeof key !== 'string' || !key) return data;
    let item = data;
    for (const part of key.split('.')) {
      if (!item || typeof item !== 'object' || !Object.hasOwn(item, part)) return null;
      item = (item as Record<string, unknown>)[part];
    }
    return item;
  }

  // ---- writing ---------------------------------------------------------------------------------

  private create(entity: string, body: unknown, headers: Record<string, string | undefined>): EspoRecord {
    if (!isPlainObject(body)) throw badRequest('No payload.');
    const record: EspoRecord = {};
    this.assign(entity, record, body);
    this.applyDefaults(entity, record);
    this.checkRequired(entity, record);
    this.applyBusinessRules(entity, record);

    const skipHeader = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-skip-duplicate-check')?.[1];
    if (skipHeader !== 'true' && body._skipDuplicateCheck !== true) {
      const duplicates = this.findDuplicates(entity, record);
      if (duplicates.length) throw new EspoError(409, 'duplicate', duplicates);
    }
    record.createdById = this.currentUser().id;
    const created = this.present(entity, this.insert(entity, record));
    this.noteCreate(entity, created);
    this.webhooks.emit(`${entity}.create`, created);
    return created;
  }

  private update(entity: string, id: string, body: unknown): EspoRecord {
    const existing = this.table(entity).get(id);
    if (!existing) throw notFound();
    if (!isPlainObject(body)) throw badRequest('No payload.');

    const record = { ...existing };
    this.assign(entity, record, body);
    const touched = new Set(Object.keys(body));
    if (touched.has('name')) ['firstName', 'lastName'].forEach((a) => touched.add(a));
    this.checkRequired(entity, record, touched);
    this.applyBusinessRules(entity, record);
    record.modifiedAt = formatDateTime(this.now());
    record.modifiedById = this.currentUser().id;
    const before = this.present(entity, existing);
    this.table(entity).set(id, record);
    this.version += 1;
    const after = this.present(entity, record);
    this.recordChange(entity, before, after);
    return after;
  }

  /**
   * What EspoCRM does after saving a record: queue `update` (the changed attributes and the id) and
   * `fieldUpdate.<field>` (the id and that field's attributes) webhook events, and write its stream.
   */
  private recordChange(entity: string, before: EspoRecord, after: EspoRecord): void {
    const skip = new Set(['modifiedAt', 'versionNumber', 'streamUpdatedAt']);
    const changed = Object.keys(after).filter(
      (name) => !skip.has(name) && JSON.stringify(before[name] ?? null) !== JSON.stringify(after[name] ?? null),
    );
    if (!changed.length) return;
    this.webhooks.emit(`${entity}.update`, {
      ...Object.fromEntries(changed.map((name) => [name, after[name]])),
      id: after.id,
    });
    const attributes = this.attributes(entity);
    const fields = [...new Set(attributes.filter((info) => changed.includes(info.name)).map((info) => info.field))];
    for (const field of fields) {
      const names = attributes.filter((info) => info.field === field).map((info) => info.name);
      this.webhooks.emit(`${entity}.fieldUpdate.${field}`, {
        id: after.id,
        ...Object.fromEntries(names.map((name) => [name, after[name] ?? null])),
      });
    }
    this.noteUpdate(entity, before, after, changed);
  }

  /**
   * The notes an update writes (Tools/Stream/HookProcessor::afterSaveStreamNotNew1, afterSaveNoStream):
   * with a stream, a new assignee is an `Assign` note with the new user only (Service::noteAssign);
   * then, stream or not, `Update` (Service::handleAudited) with was/became of the audited fields that
   * changed, but not of the status field (`getAuditedFieldsData` skips the scope's `statusField` when
   * it has a stream): a new status is only `value`, the value it became (`getStatusUpdateDate`).
   */
  private noteUpdate(entity: string, before: EspoRecord, after: EspoRecord, changed: string[]): void {
    const scope = this.scopes[entity] ?? {};
    if (scope.stream && changed.includes('assignedUserId')) {
      this.addNote(
        entity,
        after,
        'Assign',
        after.assignedUserId
          ? { assignedUserId: after.assignedUserId, assignedUserName: after.assignedUserName }
          : { assignedUserId: null },
      );
    }
    const attributes = this.attributes(entity).filter((info) => info.kind !== 'computed');
    const audited = Object.entries(this.entityDef(entity).fields)
      .filter(([field, def]) => def.audited && !(scope.stream && field === scope.statusField))
      .map(([field]) => field)
      .filter((field) =>
        attributes.some((info) => info.field === field && info.kind === 'value' && changed.includes(info.name)),
      );
    const status = scope.statusField;
    const statusData = status && changed.includes(status) && after[status] ? { value: after[status] } : {};
    if (!audited.length && !('value' in statusData)) return;
    // A link's name goes beside its id (getNotActualAttributeList).
    const names = attributes.filter((info) => audited.includes(info.field)).map((info) => info.name);
    const pick = (record: EspoRecord) => Object.fromEntries(names.map((name) => [name, record[name] ?? null]));
    this.addNote(entity, after, 'Update', {
      fields: audited,
      attributes: { was: pick(before), became: pick(after) },
      ...statusData,
    });
  }

  /** Service::noteCreate: who the new record is assigned to and its status, on records with a stream. */
  private noteCreate(entity: string, record: EspoRecord): void {
    const scope = this.scopes[entity];
    if (!scope?.stream) return;
    const status = scope.statusField;
    this.addNote(entity, record, 'Create', {
      ...(record.assignedUserId
        ? { assignedUserId: record.assignedUserId, assignedUserName: record.assignedUserName }
        : {}),
      ...(status && record[status] ? { statusValue: record[status], statusField: status } : {}),
    });
  }

  private addNote(entity: string, record: EspoRecord, type: StreamNote['type'], data: Record<string, unknown>): void {
    const key = `${entity}:${String(record.id)}`;
    const user = this.currentUser();
    const notes = this.notes.get(key) ?? [];
    const createdAt =
      type === 'Create' && typeof record.createdAt === 'string' ? record.createdAt : formatDateTime(this.now());
    // Notes count apart, so the records' ids do not depend on how many notes came before them.
    this.noteCounter += 1;
    const id = `6650a1b9${this.noteCounter.toString(16).padStart(9, '0')}`;
    notes.push({
      id,
      type,
      parentType: entity,
      parentId: String(record.id),
      data,
      createdAt,
      createdById: user.id,
      createdByName: user.name,
    });
    this.notes.set(key, notes);
  }

  /** Copy writable attributes from a payload, validating each; unknown and readOnly ones are ignored. */
  private assign(entity: string, target: EspoRecord, input: Record<string, unknown>): void {
    for (const info of this.attributes(entity)) {
      if (info.kind === 'value' && !info.readOnly && info.name in input) {
        target[info.name] = this.normalize(info, input[info.name]);
      }
    }
    this.splitPersonName(entity, target, input);
    this.normalizeOptionalDates(entity, target, input);
  }

  private normalize(info: AttributeInfo, value: unknown): unknown {
    if (value === null) return null;
    const invalid = () => validationError(info.field, 'valid');
    switch (info.valueType) {
      case 'number': {
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isFinite(n)) throw invalid();
        return n;
      }
      case 'boolean':
        if (typeof value !== 'boolean') throw invalid();
        return value;
      case 'array':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalid();
        return [...value];
      case 'object':
        return value;
      case 'date':
      case 'datetime': {
        // datetimeOptional fields also take a bare date (an all-day value).
        const allowsDate = info.valueType === 'date' || info.fieldType === 'datetimeOptional';
        if (value === '') return null;
        if (typeof value !== 'string') throw invalid();
        if (allowsDate && DATE_RE.test(value)) return value;
        if (info.valueType === 'datetime' && DATETIME_RE.test(value))
          return value.length === 16 ? `${value}:00` : value;
        throw invalid();
      }
      default: {
        if (typeof value === 'object') throw invalid();
        const text = String(value);
        if (info.options && !info.options.includes(text)) throw invalid();
        if (info.maxLength !== undefined && text.length > info.maxLength)
          throw validationError(info.field, 'maxLength');
        if (info.valueType === 'email' && text !== '' && !EMAIL_RE.test(text)) throw invalid();
        return text;
      }
    }
  }

  /** personName: `name` is not stored; given alone it is split into firstName + lastName. */
  private splitPersonName(entity: string, target: EspoRecord, input: Record<string, unknown>): void {
    if (!isPersonEntity(this.defs, entity)) return;
    delete target.name;
    if (typeof input.name !== 'string' || input.firstName !== undefined || input.lastName !== undefined) return;
    const words = input.name.trim().split(/\s+/).filter(Boolean);
    target.lastName = words.pop() ?? null;
    target.firstName = words.length ? words.join(' ') : null;
  }

  /** datetimeOptional: a date-only value is stored as `<field>Date` plus midnight in `<field>`. */
  private normalizeOptionalDates(entity: string, target: EspoRecord, input: Record<string, unknown>): void {
    for (const [field, def] of Object.entries(this.entityDef(entity).fields)) {
      if (def.type !== 'datetimeOptional') continue;
      const dateAttr = `${field}Date`;
      const value = field in input ? target[field] : input[dateAttr];
      if (typeof value === 'string' && DATE_RE.test(value)) {
        target[dateAttr] = value;
        target[field] = `${value} 00:00:00`;
      } else if (field in input) {
        target[dateAttr] = null;
      }
    }
  }

  private applyDefaults(entity: string, record: EspoRecord): void {
    const fields = this.entityDef(entity).fields;
    for (const info of this.attributes(entity)) {
      if (info.kind !== 'value' || record[info.name] !== undefined || info.fieldType === 'personName') continue;
      const def = fields[info.field];
      if (info.primary && def?.default !== undefined) record[info.name] = structuredClone(def.default);
      else if (info.fieldType === 'currency' && !info.primary) record[info.name] = 'USD';
      else if (info.valueType === 'boolean') record[info.name] = false;
      else if (info.valueType === 'array') record[info.name] = [];
      else record[info.name] = null;
    }
  }

  /** Side effects EspoCRM's record hooks perform on save. */
  private applyBusinessRules(entity: string, record: EspoRecord): void {
    const probabilityMap = this.entityDef(entity).fields.stage?.probabilityMap;
    if (probabilityMap && record.probability == null && typeof record.stage === 'string') {
      record.probability = probabilityMap[record.stage] ?? null;
    }
    if (entity === 'Task' && record.status === 'Completed' && record.dateCompleted == null) {
      record.dateCompleted = formatDateTime(this.now());
    }
  }

  /**
   * Required fields must be non-blank, in field order, the first failure answered
   * (FieldValidationManager::processInternal); on update only the attributes the payload touched.
   */
  private checkRequired(entity: string, record: EspoRecord, touched?: ReadonlySet<string>): void {
    const fields = this.entityDef(entity).fields;
    for (const info of this.attributes(entity)) {
      const def = fields[info.field];
      if (!info.primary || info.kind !== 'value' || !def?.required || def.suppressValidationList?.includes('required'))
        continue;
      if (touched && !touched.has(info.name)) continue;
      if (isBlank(record[info.name])) throw validationError(info.field, 'required');
    }
  }

  private findDuplicates(entity: string, record: EspoRecord): EspoRecord[] {
    const keys = DUPLICATE_KEYS[entity];
    if (!keys) return [];
    const candidate = this.present(entity, record);
    return this.all(entity).filter((other) => keys.some((key) => sameText(candidate[key], other[key])));
  }

  private insert(entity: string, record: EspoRecord): EspoRecord {
    const timestamp = formatDateTime(this.now());
    const stored: EspoRecord = { ...record, id: typeof record.id === 'string' ? record.id : this.nextId() };
    stored.createdAt ??= timestamp;
    stored.modifiedAt ??= stored.createdAt;
    for (const [field, def] of Object.entries(this.entityDef(entity).fields)) {
      if (def.type !== 'autoincrement') continue;
      const counterKey = `${entity}.${field}`;
      let counter = this.autoincrements.get(counterKey) ?? 0;
      if (stored[field] == null) stored[field] = ++counter;
      else counter = Math.max(counter, Number(stored[field]));
      this.autoincrements.set(counterKey, counter);
    }
    this.table(entity).set(String(stored.id), stored);
    this.version += 1;
    return stored;
  }

  /** 17 lowercase hex chars like EspoCRM ids; deterministic per instance. */
  private nextId(): string {
    this.idCounter += 1;
    return `6650a1b2${this.idCounter.toString(16).padStart(9, '0')}`;
  }

  // ---- presentation ----------------------------------------------------------------------------

  /** A stored record as the API returns it: every attribute, link names and computed values filled. */
  private present(entity: string, record: EspoRecord): EspoRecord {
    const out: EspoRecord = { id: record.id };
    for (const info of this.attributes(entity)) out[info.name] = this.attributeValue(entity, info, record);
    return out;
  }

  private attributeValue(entity: string, info: AttributeInfo, record: EspoRecord): unknown {
    if (info.name === 'isOverdue') {
      const dateEnd = record.dateEnd;
      const today = formatDate(this.now());
      return (
        typeof dateEnd === 'string' &&
        dateEnd.slice(0, 10) < today &&
        !TASK_DONE_STATUSES.includes(String(record.status))
      );
    }
    if (info.fieldType === 'personName') return personName(record);
    if (info.kind === 'derived') return this.linkName(entity, info, record);
    const value = record[info.name] ?? null;
    return Array.isArray(value) ? [...value] : value;
  }

  /** Link names are resolved on read, so renaming an Account shows up on its Contacts. */
  private linkName(entity: string, info: AttributeInfo, record: EspoRecord): unknown {
    const def = this.entityDef(entity).fields[info.field];
    if (!def) return null;
    if (def.type === 'linkMultiple') {
      const ids = asList(record[`${info.field}Ids`]).map(String);
      return Object.fromEntries(ids.map((id) => [id, this.nameOf(def.entity, id)]));
    }
    const target = def.type === 'linkParent' ? record[`${info.field}Type`] : def.entity;
    return this.nameOf(target, record[`${info.field}Id`]);
  }

  private nameOf(entity: unknown, id: unknown): string | null {
    if (typeof entity !== 'string' || typeof id !== 'string') return null;
    const linked = this.tables.get(entity)?.get(id);
    if (!linked) return null;
    return isPersonEntity(this.defs, entity)
      ? personName(linked)
      : typeof linked.name === 'string'
        ? linked.name
        : null;
  }

  // ---- metadata helpers ------------------------------------------------------------------------

  private entityDef(entity: string): EntityDef {
    const def = this.defs[entity];
    if (!def) throw notFound();
    return def;
  }

  private attributes(entity: string): AttributeInfo[] {
    let cached = this.attributeCache.get(entity);
    if (!cached) {
      cached = entityAttributes(this.defs, entity);
      this.attributeCache.set(entity, cached);
    }
    return cached;
  }

  private attributeNames(entity: string): Set<string> {
    return new Set(['id', ...this.attributes(entity).map((a) => a.name)]);
  }

  private table(entity: string): Map<string, EspoRecord> {
    let table = this.tables.get(entity);
    if (!table) {
      table = new Map();
      this.tables.set(entity, table);
    }
    return table;
  }
}
