import type { CrmRecord, ListQuery, RecordPage } from '../core/ports.js';
import { espoWhere } from './espo/routes.js';

/**
 * Membrane's actions for EspoCRM do not all speak one dialect: some take EspoCRM's own list
 * parameters (`maxSize`, `where`) and answer `{total, list}`, others follow Membrane's data
 * collection shape (`filter`, `cursor`, `{fields}`) and answer `{records, cursor}`. The action's
 * JSON Schema is the contract, so inputs are built from what the schema declares, and when it
 * cannot express a request the caller falls back to the REST proxy instead of dropping a filter.
 */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  maximum?: number;
  enum?: unknown[];
  items?: JsonSchema;
  format?: string;
};

const propertiesOf = (schema: JsonSchema | undefined) => schema?.properties ?? {};

function accepts(schema: JsonSchema | undefined, field: string): boolean {
  if (!schema) return false;
  if (schema.properties && field in schema.properties) return true;
  // Only an explicit open schema takes fields it does not list; Membrane drops unknown ones silently.
  return (
    schema.additionalProperties === true ||
    (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null)
  );
}

/** Coerces text that core could not type (unknown fields) to what the schema asks for. */
function coerce(value: unknown, schema: JsonSchema | undefined): unknown {
  const type = Array.isArray(schema?.type) ? schema?.type.find((t) => t !== 'null') : schema?.type;
  if (
    typeof value === 'string' &&
    (type === 'number' || type === 'integer') &&
    value.trim() !== '' &&
    Number.isFinite(Number(value))
  ) {
    return Number(value);
  }
  if (typeof value === 'string' && type === 'boolean' && /^(true|false)$/i.test(value))
    return value.toLowerCase() === 'true';
  return value;
}

function coerceFields(fields: Record<string, unknown>, schema: JsonSchema | undefined): Record<string, unknown> {
  const properties = propertiesOf(schema);
  return Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, coerce(value, properties[field])]));
}

/**
 * How a list action is called for a query: `sized` when it takes a page size (`limit`, `maxSize`)
 * and so answers one page of ours; `cursor` when, like Membrane's own list request (`filter`,
 * `cursor`, no size: SDK dist/index.node.mjs ~8990), it picks its page size, and our pages are
 * cut from its pages (`pageByCursor`).
 */
export interface ListCall {
  input: Record<string, unknown>;
  paging: 'sized' | 'cursor';
}

/** The action call for a list query, or undefined when this action cannot express it. */
export function listInput(schema: JsonSchema | undefined, query: ListQuery): ListCall | undefined {
  const props = propertiesOf(schema);
  const input: Record<string, unknown> = {};

  // A page size the action cannot return would break paging; the proxy can.
  const sizeParam = props.limit ? 'limit' : props.maxSize ? 'maxSize' : undefined;
  if (sizeParam) {
    if (query.limit > (props[sizeParam]!.maximum ?? Infinity)) return undefined;
    input[sizeParam] = query.limit;
  }

  if (props.where) {
    if (!sizeParam) return undefined;
    // EspoCRM dialect: everything a list query can say has a parameter.
    if (query.offset) {
      if (!props.offset) return undefined;
      input.offset = query.offset;
    }
    if (query.sort) {
      if (!props.orderBy || (!props.order && query.sort.order !== 'asc')) return undefined;
      input.orderBy = query.sort.field;
      if (props.order) input.order = query.sort.order;
    }
    if (query.text) {
      if (!props.textFilter) return undefined;
      input.textFilter = query.text;
    }
    const where = espoWhere(query.filters);
    if (where.length) input.where = where;
    return { input, paging: 'sized' };
  }

  // Membrane dialect: equality filters on declared fields, cursor paging, no sort or free text.
  if (query.sort || query.text) return undefined;
  if (query.filters.length) {
    if (!props.filter) return undefined;
    const filter: Record<string, unknown> = {};
    for (const item of query.filters) {
      if (item.op !== 'equals' || !accepts(props.filter, item.field)) return undefined;
      filter[item.field] = coerce(item.value, props.filter.properties?.[item.field]);
    }
    input.filter = filter;
  }
  if (!sizeParam) {
    if (!props.cursor) return undefined;
    return query.offset && !decodePosition(query.cursor) ? undefined : { input, paging: 'cursor' };
  }
  if (query.offset && !query.cursor) return undefined;
  if (query.cursor) {
    if (!props.cursor) return undefined;
    input.cursor = query.cursor;
  }
  return { input, paging: 'sized' };
}

/**
 * Where a page of ours starts among an action's pages: that page's cursor (none: the first) and the records before
 * ours.
 */
interface PagePosition {
  cursor?: string;
  skip: number;
}

const POSITION_PREFIX = 'p1.';

function encodePosition(position: PagePosition): string {
  return POSITION_PREFIX + Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodePosition(token: string | undefined): PagePosition | undefined {
  if (!token?.startsWith(POSITION_PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token.slice(POSITION_PREFIX.length), 'base64url').toString('utf8'));
    if (!isObject(value) || !Number.isInteger(value.skip) || Number(value.skip) < 0) return undefined;
    if (value.cursor !== undefined && typeof value.cursor !== 'string') return undefined;
    return { skip: Number(value.skip), ...(typeof value.cursor === 'string' ? { cursor: value.cursor } : {}) };
  } catch {
    return undefined;
  }
}

/** Action pages read for one page of ours at most: an action that pages in ones cannot cost more. */
const MAX_ACTION_PAGES = 5;

/**
 * One page of `query.limit` records from an action that picks its own page size: its pages are
 * read from the position in `query.cursor` until ours is full, and the next page's position
 * (inside an action page, or at its cursor) becomes our cursor. No total: only "more".
 */
export async function pageByCursor(
  query: ListQuery,
  input: Record<string, unknown>,
  run: (input: Record<string, unknown>) => Promise<unknown>,
): Promise<RecordPage | undefined> {
  let at: PagePosition = decodePosition(query.cursor) ?? { skip: 0 };
  const records: CrmRecord[] = [];
  const done = (next: PagePosition | undefined): RecordPage => ({
    records,
    hasMore: next !== undefined,
    ...(next ? { nextCursor: encodePosition(next) } : {}),
  });
  for (let calls = 0; calls < MAX_ACTION_PAGES; calls++) {
    const page = toPage(await run({ ...input, ...(at.cursor ? { cursor: at.cursor } : {}) }), {
      ...query,
      offset: 0,
      limit: Number.MAX_SAFE_INTEGER,
    });
    if (!page) return undefined;
    const taken = page.records.slice(at.skip, at.skip + query.limit - records.length);
    records.push(...taken);
    const end = at.skip + taken.length;
    if (end < page.records.length) return done({ ...(at.cursor ? { cursor: at.cursor } : {}), skip: end });
    if (!page.nextCursor) return done(undefined);
    at = { cursor: page.nextCursor, skip: 0 };
    if (records.length >= query.limit) break;
  }
  return done(at);
}

export function idInput(schema: JsonSchema | undefined, id: string): Record<string, unknown> | undefined {
  return propertiesOf(schema).id ? { id } : undefined;
}

/** Input for create (no id) or update (with id): flat fields, or nested under `fields`. */
export function writeInput(
  schema: JsonSchema | undefined,
  fields: Record<string, unknown>,
  id?: string,
): Record<string, unknown> | undefined {
  const props = propertiesOf(schema);
  if (id !== undefined && !props.id) return undefined;
  const base = id !== undefined ? { id } : {};
  const nested = props.fields;
  const target = nested ?? schema;
  if (!Object.keys(fields).every((field) => accepts(target, field))) return undefined;
  const typed = coerceFields(fields, target);
  // The target id goes last: nothing in `fields` may redirect the write to another record.
  return nested ? { fields: typed, ...base } : { ...typed, ...base };
}

/** Membrane's data-record action types (SDK dist/dts/.../actions/action-types.d.ts) that only read... */
const READ_TYPES = new Set(['list-data-records', 'find-data-record-by-id', 'search-data-record', 'match-data-record']);
/** ...and those that write, whatever the key says (`find-or-create-data-record` creates). */
const WRITE_TYPES = new Set([
  'create-data-record',
  'update-data-record',
  'delete-data-record',
  'find-or-create-data-record',
]);
/** Inputs of a list or search and nothing else: EspoCRM's search params, Membrane's list and search requests. */
const QUERY_INPUTS = new Set([
  'cursor',
  'filter',
  'unifiedFilter',
  'limit',
  'maxSize',
  'offset',
  'where',
  'orderBy',
  'order',
  'textFilter',
  'query',
  'select',
]);
/** A key word that may change something, anywhere in the key: `find-or-create-lead`, `get-and-archive`. */
const WRITE_WORD =
  /(^|-)(create|update|upsert|delete|remove|archive|add|set|put|post|patch|send|write|save|convert|merge|assign|link|unlink|import|sync|mass|purge|clear|reset|move|copy|run|execute|trigger|start|stop|cancel|approve|reject|close|complete)(-|$)/i;

/**
 * Reads run at once, everything else waits for Confirm. A data-record type decides when there is
 * one; a missing type (`type` is optional in ActionApiResponse) or one that says nothing about
 * reading (`connector-operation`, `api-request`, ...) is a write unless the key says read
 * (`list-`, `get-`, `search-`, `find-` with no word that writes) or the input is only a query.
 */
export function isReadAction(action: { key: string; type?: string; inputSchema?: unknown }): boolean {
  if (action.type && READ_TYPES.has(action.type)) return true;
  if (action.type && WRITE_TYPES.has(action.type)) return false;
  if (WRITE_WORD.test(action.key)) return false;
  if (/^(list|get|search|find)-/i.test(action.key)) return true;
  const names = Object.keys(propertiesOf(action.inputSchema as JsonSchema | undefined));
  return names.length > 0 && names.every((name) => QUERY_INPUTS.has(name));
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A record from any of the shapes actions and EspoCRM use: flat, `{fields}`, `{rawFields}`. */
export function toRecord(value: unknown): CrmRecord | undefined {
  if (!isObject(value)) return undefined;
  const id = value.id;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  const nested = isObject(value.fields) ? value.fields : isObject(value.rawFields) ? value.rawFields : undefined;
  const fields = nested ? { ...(isObject(value.rawFields) ? value.rawFields : {}), ...nested } : { ...value };
  const name = typeof value.name === 'string' ? value.name : typeof fields.name === 'string' ? fields.name : undefined;
  return { id: String(id), name, fields };
}

/** A page from `{list,total}`, `{records,cursor}`, `{items}`, `{data}` or a bare array. */
export function toPage(output: unknown, query: ListQuery): RecordPage | undefined {
  const container = isObject(output) ? output : undefined;
  const list = Array.isArray(output)
    ? output
    : [container?.list, container?.records, container?.items, container?.data].find((candidate) =>
        Array.isArray(candidate),
      );
  if (!Array.isArray(list)) return undefined;
  const records = list.map(toRecord).filter((record): record is CrmRecord => record !== undefined);
  const rawTotal = container?.total;
  // EspoCRM answers -1 ("more exist") or -2 (counting off) when it does not count.
  const total = typeof rawTotal === 'number' && rawTotal >= 0 ? rawTotal : undefined;
  const cursorValue = container?.cursor ?? container?.nextCursor;
  const nextCursor = typeof cursorValue === 'string' && cursorValue !== '' ? cursorValue : undefined;
  const hasMore =
    nextCursor !== undefined ||
    (total !== undefined ? query.offset + records.length < total : rawTotal === -1 || records.length === query.limit);
  return { records, total, nextCursor, hasMore };
}

/** The record an action returned (`{record}`, flat, or only `{id}` merged with what was sent). */
export function toWrittenRecord(output: unknown, sent: Record<string, unknown>, id?: string): CrmRecord {
  const inner = isObject(output) && isObject(output.record) ? output.record : output;
  const record = toRecord(inner);
  const recordId = record?.id ?? id ?? '';
  const fields = { ...sent, ...(record?.fields ?? {}) };
  const name = record?.name ?? (typeof fields.name === 'string' ? fields.name : undefined);
  return { id: recordId, name, fields };
}
