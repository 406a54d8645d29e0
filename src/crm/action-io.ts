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
  return schema.additionalProperties === true || (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null);
}

/** Coerces text that core could not type (unknown fields) to what the schema asks for. */
function coerce(value: unknown, schema: JsonSchema | undefined): unknown {
  const type = Array.isArray(schema?.type) ? schema?.type.find((t) => t !== 'null') : schema?.type;
  if (typeof value === 'string' && (type === 'number' || type === 'integer') && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  if (typeof value === 'string' && type === 'boolean' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}

function coerceFields(fields: Record<string, unknown>, schema: JsonSchema | undefined): Record<string, unknown> {
  const properties = propertiesOf(schema);
  return Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, coerce(value, properties[field])]));
}

/** The action input for a list query, or undefined when this action cannot express it. */
export function listInput(schema: JsonSchema | undefined, query: ListQuery): Record<string, unknown> | undefined {
  const props = propertiesOf(schema);
  const input: Record<string, unknown> = {};

  // A page size the action cannot return would break paging; the proxy can.
  const sizeParam = props.limit ? 'limit' : props.maxSize ? 'maxSize' : undefined;
  if (!sizeParam || query.limit > (props[sizeParam]!.maximum ?? Infinity)) return undefined;
  input[sizeParam] = query.limit;

  if (props.where) {
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
    return input;
  }

  // Membrane dialect: equality filters on declared fields, cursor paging, no sort or free text.
  if (query.sort || query.text) return undefined;
  if (query.offset && !query.cursor) return undefined;
  if (query.filters.length) {
    if (!props.filter) return undefined;
    const filter: Record<string, unknown> = {};
    for (const item of query.filters) {
      if (item.op !== 'equals' || !accepts(props.filter, item.field)) return undefined;
      filter[item.field] = coerce(item.value, props.filter.properties?.[item.field]);
    }
    input.filter = filter;
  }
  if (query.cursor) {
    if (!props.cursor) return undefined;
    input.cursor = query.cursor;
  }
  return input;
}

export function idInput(schema: JsonSchema | undefined, id: string): Record<string, unknown> | undefined {
  return propertiesOf(schema).id ? { id } : undefined;
}

/** Input for create (no id) or update (with id): flat fields, or nested under `fields`. */
export function writeInput(schema: JsonSchema | undefined, fields: Record<string, unknown>, id?: string): Record<string, unknown> | undefined {
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

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

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
    : [container?.list, container?.records, container?.items, container?.data].find((candidate) => Array.isArray(candidate));
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
