import { MAX_PAGE_SIZE } from '../../core/commands/grammar.js';
import { FILTER_OPERATORS, type Filter, type FilterOperator, type ListQuery } from '../../core/ports.js';
import { isObject } from '../action-io.js';

/**
 * A list call the planner made (an action's input, or the query string of a REST GET), read back
 * as the ListQuery `/espo list` would have built, when its filters can say all of it. Then the
 * records page and share like any `/espo list`; when they cannot (a `between`, a cursor, an
 * unknown parameter), undefined, and the records are shown without paging.
 */
const OPERATORS = new Set<string>(FILTER_OPERATORS);
/** Items with no value, as espoWhere sends booleans. */
const BOOLEAN_ITEMS: Record<string, boolean> = { isTrue: true, isFalse: false };
const KNOWN_PARAMETERS = new Set(['maxSize', 'limit', 'offset', 'orderBy', 'order', 'where', 'filter', 'textFilter']);
const FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;

type Scalar = string | number | boolean;
const isScalar = (value: unknown): value is Scalar => ['string', 'number', 'boolean'].includes(typeof value);

function size(value: unknown): number | undefined {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isInteger(number) && number >= 0 ? number : undefined;
}

function filterOf(item: unknown): Filter | undefined {
  if (!isObject(item)) return undefined;
  const { type, attribute, value } = item;
  if (typeof type !== 'string' || typeof attribute !== 'string' || !FIELD.test(attribute)) return undefined;
  if (Object.hasOwn(BOOLEAN_ITEMS, type)) return { field: attribute, op: 'equals', value: BOOLEAN_ITEMS[type]! };
  if (!OPERATORS.has(type)) return undefined;
  if (type === 'isNull' || type === 'isNotNull') return { field: attribute, op: type, value: true };
  if (type === 'in' || type === 'notIn') {
    const values = Array.isArray(value) ? value : undefined;
    return values?.every((v) => typeof v === 'string' || typeof v === 'number')
      ? { field: attribute, op: type, value: values as (string | number)[] }
      : undefined;
  }
  return isScalar(value) ? { field: attribute, op: type as FilterOperator, value } : undefined;
}

/** `hasMore` of the page that came back: without an explicit page size, only a complete answer can be re-run. */
export function listQueryOf(entity: string, input: Record<string, unknown>, hasMore: boolean): ListQuery | undefined {
  if (Object.keys(input).some((key) => !KNOWN_PARAMETERS.has(key))) return undefined;
  const explicit = size(input.maxSize ?? input.limit);
  const limit = explicit ?? (hasMore ? undefined : MAX_PAGE_SIZE);
  if (limit === undefined || limit < 1 || limit > MAX_PAGE_SIZE) return undefined;

  const filters: Filter[] = [];
  if (input.where !== undefined) {
    if (!Array.isArray(input.where)) return undefined;
    for (const item of input.where) {
      const filter = filterOf(item);
      if (!filter) return undefined;
      filters.push(filter);
    }
  }
  if (input.filter !== undefined) {
    if (!isObject(input.filter)) return undefined;
    for (const [field, value] of Object.entries(input.filter)) {
      if (!FIELD.test(field) || !isScalar(value)) return undefined;
      filters.push({ field, op: 'equals', value });
    }
  }
  const query: ListQuery = { entity, filters, limit, offset: size(input.offset) ?? 0 };
  if (typeof input.orderBy === 'string' && FIELD.test(input.orderBy))
    query.sort = { field: input.orderBy, order: input.order === 'desc' ? 'desc' : 'asc' };
  else if (input.orderBy !== undefined) return undefined;
  if (typeof input.textFilter === 'string' && input.textFilter.trim()) query.text = input.textFilter;
  return query;
}

/**
 * EspoCRM's bracketed query string (`where[0][type]=in&where[0][value][]=New`) as the nested
 * object it stands for, so a REST GET and an action input are read the same way.
 */
export function parseBracketQuery(search: string): Record<string, unknown> {
  // Prototype-less nodes: a key such as `__proto__[x]` (the path may come from the model) is then
  // only a key, and cannot reach Object.prototype.
  const root: Record<string, unknown> = Object.create(null);
  for (const [key, value] of new URLSearchParams(search)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    path.forEach((part, index) => {
      const name = part === '' ? String(Object.keys(node).length) : part;
      if (index === path.length - 1) node[name] = value;
      else node = (node[name] = isObject(node[name]) ? node[name] : Object.create(null)) as Record<string, unknown>;
    });
  }
  return arraysOf(root) as Record<string, unknown>;
}

/** Objects whose keys are 0..n-1 become arrays, as PHP (and so EspoCRM) reads them. */
function arraysOf(value: unknown): unknown {
  if (!isObject(value)) return value;
  const entries = Object.entries(value).map(([key, inner]) => [key, arraysOf(inner)] as const);
  const isList = entries.length > 0 && entries.every(([key], index) => key === String(index));
  return isList ? entries.map(([, inner]) => inner) : Object.fromEntries(entries);
}
