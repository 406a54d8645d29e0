import type { Filter, HttpMethod, ListQuery } from '../../core/ports.js';
import { actionNouns, EspoEntityDirectory, recordPath } from './entities.js';

/**
 * The routing table: for each record operation, the Membrane action that serves it when the
 * connection has one (`list-leads`, `get-contact`, ...) and the EspoCRM REST call to use when it
 * does not (Meetings, Cases, deletes, custom entities, or a query the action cannot express).
 */
export type RecordOperation = 'list' | 'get' | 'create' | 'update' | 'delete';

interface Route {
  /** Reads may be tried again after a passing failure; writes never are. */
  isRead: boolean;
  actionKey(entity: string): string;
  rest(entity: string, id?: string): { method: HttpMethod; path: string };
}

export const ROUTES: Record<RecordOperation, Route> = {
  list: {
    isRead: true,
    actionKey: (e) => `list-${actionNouns(e).plural}`,
    rest: (e) => ({ method: 'GET', path: recordPath(e) }),
  },
  get: {
    isRead: true,
    actionKey: (e) => `get-${actionNouns(e).singular}`,
    rest: (e, id) => ({ method: 'GET', path: recordPath(e, id) }),
  },
  create: {
    isRead: false,
    actionKey: (e) => `create-${actionNouns(e).singular}`,
    rest: (e) => ({ method: 'POST', path: recordPath(e) }),
  },
  update: {
    isRead: false,
    actionKey: (e) => `update-${actionNouns(e).singular}`,
    rest: (e, id) => ({ method: 'PUT', path: recordPath(e, id) }),
  },
  delete: {
    isRead: false,
    actionKey: (e) => `delete-${actionNouns(e).singular}`,
    rest: (e, id) => ({ method: 'DELETE', path: recordPath(e, id) }),
  },
};

/**
 * EspoCRM `where` items for our filters. Core has typed each value for its field (see parseFilter
 * in core/command/parse.ts); what is sent, read against EspoCRM's Core/Select/Where:
 * - a boolean: `isTrue`/`isFalse` with no value (ItemGeneralConverter::processIsTrue compares with
 *   PHP `true`). `equals` would carry it as the text 'true' (a query string has no booleans),
 *   which is not converted, and MySQL compares 'true' with a bool column as 0: the inactive ones;
 * - numbers, enums and ids: `equals`, `notEquals`, `in`, `notIn`, `greaterThan`... unchanged
 *   (`attribute=` value; MySQL reads '10000' against a number column as 10000);
 * - days and times: already UTC `YYYY-MM-DD HH:mm:ss` bounds of the person's day (or their time)
 *   for datetime attributes, plain `YYYY-MM-DD` for date ones. The same bounds EspoCRM's
 *   DefaultDateTimeItemTransformer computes for `on`/`before`/`after` with `dateTime` and
 *   `timeZone`, but it leaves `greaterThanOrEquals`, `lessThanOrEquals` and `equals` untouched,
 *   so the bot converts every one itself;
 * - a link by name: `accountName`, a foreign attribute EspoCRM joins (Where/Scanner);
 * - empty or not: `isNull`/`isNotNull` with no value (ItemGeneralConverter: IS NULL; an email or
 *   a phone field's own `where` in its field metadata).
 * Multi-enum and array fields (`arrayAnyOf`, `arrayAllOf`, `arrayNoneOf`) and links to many
 * records (`linkedWith`) are never sent: no built-in entity the bot knows has a multi-enum, and
 * parseFilter refuses links to many records; the planner's REST tool can send them itself.
 */
export function espoWhere(filters: Filter[]): Record<string, unknown>[] {
  return filters.map((filter) => {
    if (typeof filter.value === 'boolean' && (filter.op === 'equals' || filter.op === 'notEquals')) {
      return { type: filter.value === (filter.op === 'equals') ? 'isTrue' : 'isFalse', attribute: filter.field };
    }
    if (filter.op === 'isNull' || filter.op === 'isNotNull') return { type: filter.op, attribute: filter.field };
    return { type: filter.op, attribute: filter.field, value: filter.value };
  });
}

const directory = new EspoEntityDirectory();
const YES = new Set(['true', '1']);
const NO = new Set(['false', '0']);

/** A yes/no value as it may come from a model or a query string (`true`, `'true'`, `1`, `'0'`), else undefined. */
function yesNo(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'number' || typeof value === 'string' ? String(value).trim().toLowerCase() : undefined;
  return text === undefined ? undefined : YES.has(text) ? true : NO.has(text) ? false : undefined;
}

/**
 * A `where` the planner wrote (an action's input, a REST query), with its items on yes/no fields
 * as espoWhere sends them: `{type: 'equals', attribute: 'isActive', value: 'true'}` (or `true`) is
 * `isTrue`, `notEquals` the opposite. EspoCRM would pass the value on unconverted and MySQL read
 * 'true' as 0: the inactive ones. Groups (`or`, `and`, `not`) are walked; anything else is kept.
 * Yes/no fields are the entity's `bool` ones (field-types.json).
 */
export function yesNoWhere(entity: string, where: unknown): unknown {
  if (!Array.isArray(where)) return where;
  const info = directory.resolve(entity);
  const item = (node: unknown): unknown => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
    const { type, attribute, value } = node as Record<string, unknown>;
    if (Array.isArray(value) && (type === 'or' || type === 'and' || type === 'not'))
      return { ...node, value: value.map(item) };
    const yes = yesNo(value);
    if (
      (type !== 'equals' && type !== 'notEquals') ||
      typeof attribute !== 'string' ||
      info.fieldType(attribute) !== 'bool' ||
      yes === undefined
    )
      return node;
    return { type: yes === (type === 'equals') ? 'isTrue' : 'isFalse', attribute };
  };
  return where.map(item);
}

/**
 * EspoCRM's search parameters as its bracketed query string, brackets percent-encoded so no proxy in between can mangle
 * them.
 */
export function espoQueryString(params: [string, unknown][]): string {
  const pairs: [string, string][] = [];
  for (const [key, value] of params) flatten(key, value, pairs);
  return pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
}

/**
 * `GET /Lead?maxSize=10&offset=0&orderBy=name&order=asc&where[0][type]=equals&...`; `select`: only those attributes,
 * comma-separated (Core/Record/SearchParamsFetcher reads `select` or `attributeSelect`).
 */
export function espoListPath(query: ListQuery, select?: string[]): string {
  const params: [string, unknown][] = [
    ['maxSize', query.limit],
    ['offset', query.offset],
  ];
  if (select?.length) params.push(['select', select.join(',')]);
  if (query.sort) params.push(['orderBy', query.sort.field], ['order', query.sort.order]);
  // EspoCRM's quick search over the entity's text fields (name, email, ...), as its own UI does.
  if (query.text) params.push(['textFilter', query.text]);
  const where = espoWhere(query.filters);
  if (where.length) params.push(['where', where]);
  return `${ROUTES.list.rest(query.entity).path}?${espoQueryString(params)}`;
}

function flatten(prefix: string, value: unknown, into: [string, string][]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => flatten(`${prefix}[${index}]`, item, into));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) flatten(`${prefix}[${key}]`, inner, into);
  } else if (value !== undefined) {
    into.push([prefix, String(value)]);
  }
}
