// EspoCRM `where` items ({type, attribute, value}, nestable with and/or/not) compiled to predicates over
// API records. Semantics follow EspoCRM on its default database (MySQL): NULL never matches a
// comparison, LIKE-style matches are case-insensitive, `equals`/`in` are exact. Source: EspoCRM's
// application/Espo/Core/Select/Where/ItemGeneralConverter.php (each type's SQL: isNull, isTrue,
// equals, in, between, the date types...) and Where/Item/Type.php (the type names).
import { DATE_RE, addDays, formatDate, formatDateTime, shiftMonth } from './dates.js';

export type EspoRecord = Record<string, unknown>;
export type Predicate = (record: EspoRecord) => boolean;

/** An error EspoCRM reports as an HTTP status plus an `X-Status-Reason` header (and sometimes a body). */
export class EspoError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly body?: unknown,
  ) {
    super(reason);
  }
}

export const badRequest = (reason: string): EspoError => new EspoError(400, reason);

export interface WhereContext {
  /** Attributes a where item may name; anything else is a 400 like in EspoCRM. */
  attributes: ReadonlySet<string>;
  now: Date;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Arrays arrive as real arrays, as JSON, or from qs as objects keyed by index (past its arrayLimit). */
export function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'object') return Object.values(value);
  return [value];
}

/**
 * The number MySQL reads from a value compared with a number (or bool, TINYINT) column. EspoCRM
 * sends where values as they came (Core/Select/Where/ItemGeneralConverter: `equals` is
 * `attribute=` value, no conversion) and quotes text as text (ORM BaseQueryComposer::quote; only
 * PHP booleans become 1/0), so MySQL converts: text to its leading number, else 0 (MySQL manual,
 * "Type Conversion in Expression Evaluation"). A query string's `'true'` is 0: the inactive ones.
 */
function mysqlNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const leading = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(String(value));
  return leading ? Number(leading[0]) : 0;
}

const isNumberColumn = (value: unknown) => typeof value === 'number' || typeof value === 'boolean';

/** `=` as MySQL evaluates it: a number or bool column against the number MySQL reads from the value. */
function sameValue(actual: unknown, expected: unknown): boolean {
  if (actual == null || expected == null) return actual == null && expected == null;
  if (isNumberColumn(actual)) return mysqlNumber(actual) === mysqlNumber(expected);
  return String(actual) === String(expected);
}

/** Ordering used by sorting and by range items: NULL first, numbers numerically, text case-insensitively. */
export function compareValues(a: unknown, b: unknown): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
  if (isNumberColumn(a) || isNumberColumn(b)) return mysqlNumber(a) - mysqlNumber(b);
  let x = String(a).toLowerCase();
  let y = String(b).toLowerCase();
  // A day against a datetime is that day's midnight, as MySQL converts a DATE for a DATETIME
  // comparison: `dateEnd <= '2026-11-25'` leaves out a task due at 17:00 that day.
  if (DATE_RE.test(x) && !DATE_RE.test(y)) x = `${x} 00:00:00`;
  if (DATE_RE.test(y) && !DATE_RE.test(x)) y = `${y} 00:00:00`;
  return x < y ? -1 : x > y ? 1 : 0;
}

function likeRegExp(pattern: unknown): RegExp {
  const escaped = String(pattern).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/%/g, '.*').replace(/_/g, '.')}$`, 'is');
}

type ValueTest = (value: unknown) => boolean;
type TestBuilder = (itemValue: unknown, ctx: WhereContext) => ValueTest;

const notNull =
  (test: (value: NonNullable<unknown>) => boolean): ValueTest =>
  (value) =>
    value != null && test(value);

const likeTest = (wrap: (s: string) => string, negate = false): TestBuilder => {
  return (x) => {
    const re = likeRegExp(wrap(String(x)));
    return notNull((v) => re.test(String(v)) !== negate);
  };
};

const rangeTest =
  (accept: (cmp: number) => boolean): TestBuilder =>
  (x) =>
    notNull((v) => accept(compareValues(v, x)));

const VALUE_TESTS: Record<string, TestBuilder> = {
  equals: (x) => (v) => sameValue(v, x),
  notEquals: (x) => notNull((v) => !sameValue(v, x)),
  contains: likeTest((s) => `%${s}%`),
  notContains: likeTest((s) => `%${s}%`, true),
  startsWith: likeTest((s) => `${s}%`),
  endsWith: likeTest((s) => `%${s}`),
  like: likeTest((s) => s),
  notLike: likeTest((s) => s, true),
  in: (x) => {
    const list = asList(x);
    return (v) => list.some((e) => sameValue(v, e));
  },
  notIn: (x) => {
    const list = asList(x);
    return notNull((v) => !list.some((e) => sameValue(v, e)));
  },
  greaterThan: rangeTest((c) => c > 0),
  lessThan: rangeTest((c) => c < 0),
  greaterThanOrEquals: rangeTest((c) => c >= 0),
  lessThanOrEquals: rangeTest((c) => c <= 0),
  between: (x) => {
    const [from, to] = asList(x);
    if (from == null || to == null) throw badRequest('Bad where item: between needs [from, to].');
    return notNull((v) => compareValues(v, from) >= 0 && compareValues(v, to) <= 0);
  },
  isNull: () => (v) => v == null,
  isNotNull: () => (v) => v != null,
  isTrue: () => (v) => v === true,
  isFalse: () => (v) => v === false,
};

/** Relative date items test the day part of a date or datetime value against the injected clock. */
type DayTest = (day: string, value: string, today: string, nowDateTime: string, n: number) => boolean;

const DATE_TESTS: Record<string, DayTest> = {
  today: (d, _v, today) => d === today,
  past: (d, v, today, now) => (v.length > 10 ? v < now : d < today),
  future: (d, v, today, now) => (v.length > 10 ? v > now : d > today),
  lastSevenDays: (d, _v, today) => d >= addDays(today, -7) && d <= today,
  lastXDays: (d, _v, today, _now, n) => d >= addDays(today, -n) && d <= today,
  nextXDays: (d, _v, today, _now, n) => d >= today && d <= addDays(today, n),
  olderThanXDays: (d, _v, today, _now, n) => d < addDays(today, -n),
  afterXDays: (d, _v, today, _now, n) => d > addDays(today, n),
  currentMonth: (d, _v, today) => d.startsWith(shiftMonth(today, 0)),
  lastMonth: (d, _v, today) => d.startsWith(shiftMonth(today, -1)),
  nextMonth: (d, _v, today) => d.startsWith(shiftMonth(today, 1)),
  currentYear: (d, _v, today) => d.startsWith(today.slice(0, 4)),
  lastYear: (d, _v, today) => d.startsWith(String(Number(today.slice(0, 4)) - 1)),
};

const N_DAYS_TYPES = new Set(['lastXDays', 'nextXDays', 'olderThanXDays', 'afterXDays']);

function dateTestBuilder(type: string, test: DayTest): TestBuilder {
  return (x, ctx) => {
    const n = Number(x);
    if (N_DAYS_TYPES.has(type) && !Number.isInteger(n)) throw badRequest(`Bad where item: ${type} needs a number.`);
    const today = formatDate(ctx.now);
    const now = formatDateTime(ctx.now);
    return (v) => typeof v === 'string' && v !== '' && test(v.slice(0, 10), v, today, now, n);
  };
}

const TESTS: Record<string, TestBuilder> = {
  ...VALUE_TESTS,
  ...Object.fromEntries(Object.entries(DATE_TESTS).map(([type, test]) => [type, dateTestBuilder(type, test)])),
};

function compileItem(item: unknown, ctx: WhereContext): Predicate {
  if (!isPlainObject(item) || typeof item.type !== 'string') throw badRequest('Bad where item.');
  const { type, attribute, value } = item;

  if (type === 'and' || type === 'or' || type === 'not') {
    const parts = asList(value).map((child) => compileItem(child, ctx));
    if (type === 'or') return parts.length === 0 ? () => true : (r) => parts.some((p) => p(r));
    const all: Predicate = (r) => parts.every((p) => p(r));
    return type === 'not' ? (r) => !all(r) : all;
  }

  const build = TESTS[type];
  if (!build) throw badRequest(`Bad where item. Unknown type '${type}'.`);
  if (typeof attribute !== 'string' || !ctx.attributes.has(attribute)) {
    throw badRequest(`Bad where item. Unknown attribute '${String(attribute)}'.`);
  }
  const test = build(value, ctx);
  return (record) => test(record[attribute]);
}

/** Compile a top-level `where` (a list of items, all of which must hold). */
export function compileWhere(where: unknown, ctx: WhereContext): Predicate {
  const parts = asList(where).map((item) => compileItem(item, ctx));
  return (record) => parts.every((p) => p(record));
}
