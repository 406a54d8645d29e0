import type { Filter } from '../ports.js';
import type { AlertRule, CrmChange } from './types.js';
import { filterText } from '../text.js';

/**
 * Alerts, the pure part: which changes a subscription is about, and whether a record matches its
 * conditions. No I/O here, so every rule is unit-tested on its own (test/core/alerts/match.test.ts).
 * The CRM's names for webhook events are the adapter's (RecordWebhooks).
 */

/** The EspoCRM field behind the `assigned` event. */
export const ASSIGNED_FIELD = 'assignedUser';

/** The fields whose changes a tenant's subscriptions to `entity` watch, which polling must tell apart. */
export function watchedFields(rules: Pick<AlertRule, 'entity' | 'event' | 'field'>[], entity: string): string[] {
  const fields = rules
    .filter((rule) => rule.entity === entity)
    .flatMap((rule) =>
      rule.event === 'assigned' ? [ASSIGNED_FIELD] : rule.event === 'updated' && rule.field ? [rule.field] : [],
    );
  return [...new Set(fields)];
}

/** The attributes a field's value is read from (EspoCRM's metadata/fields/*.json naming). */
export function attributesOfField(field: string, fieldType: string | undefined): string[] {
  switch (fieldType) {
    case 'link':
      return [`${field}Id`];
    case 'linkParent':
      return [`${field}Type`, `${field}Id`];
    case 'currency':
      return [field, `${field}Currency`];
    default:
      // `assignedUser` also for entities the bot has no field types for.
      return field === ASSIGNED_FIELD ? [`${field}Id`] : [field];
  }
}

/** An attribute a filter names (`assignedUserId`) → the EspoCRM field it belongs to (`assignedUser`). */
export function fieldOfAttribute(attribute: string, isLinkField: (field: string) => boolean): string {
  const base = attribute.replace(/(Id|Name|Ids|Names)$/, '');
  return base !== attribute && isLinkField(base) ? base : attribute;
}

/** Whether a change is the kind of event the rule is about (before looking at field values). */
export function eventMatches(rule: AlertRule, change: CrmChange): boolean {
  if (rule.entity !== change.entity) return false;
  switch (rule.event) {
    case 'created':
      return change.kind === 'created';
    case 'deleted':
      return change.kind === 'deleted';
    case 'updated':
      if (change.kind !== 'updated') return false;
      // Polling tells a field's change by the value the last poll saw; any change counts without a field.
      if (change.source === 'polling') return !rule.field || (change.changed?.includes(rule.field) ?? true);
      // Each rule answers to its own webhook only, so one change never alerts twice through `.update` and
      // `.fieldUpdate.x`.
      return rule.field ? change.field === rule.field : change.field === undefined;
    case 'assigned':
      if (change.kind === 'created') return !isEmpty(change.attributes.assignedUserId);
      if (change.kind !== 'updated') return false;
      return change.source === 'polling'
        ? (change.changed?.includes(ASSIGNED_FIELD) ?? true)
        : change.field === ASSIGNED_FIELD;
  }
}

/**
 * The rule's conditions on the record: `true`, `false`, or `undefined` when a condition names a
 * field the values do not carry (an update webhook sends only what changed; the caller then reads
 * the whole record and asks again).
 */
export function filtersHold(filters: Filter[], values: Record<string, unknown>): boolean | undefined {
  let unknown = false;
  for (const filter of filters) {
    if (!(filter.field in values)) {
      unknown = true;
      continue;
    }
    if (!filterHolds(filter, values[filter.field])) return false;
  }
  return unknown ? undefined : true;
}

/** One condition, with the semantics of `/espo list` filters (EspoCRM's where operators). */
export function filterHolds(filter: Filter, actual: unknown): boolean {
  const { op, value } = filter;
  switch (op) {
    case 'equals':
      return same(actual, value);
    case 'notEquals':
      return !same(actual, value);
    case 'in':
      return Array.isArray(value) && value.some((option) => same(actual, option));
    case 'notIn':
      return Array.isArray(value) && !value.some((option) => same(actual, option));
    case 'isNull':
      return isEmpty(actual);
    case 'isNotNull':
      return !isEmpty(actual);
    case 'contains':
      return !isEmpty(actual) && String(actual).toLowerCase().includes(String(value).toLowerCase());
    case 'greaterThan':
    case 'lessThan':
    case 'greaterThanOrEquals':
    case 'lessThanOrEquals': {
      if (isEmpty(actual)) return false;
      const order = compare(actual, value);
      if (order === undefined) return false;
      if (op === 'greaterThan') return order > 0;
      if (op === 'lessThan') return order < 0;
      if (op === 'greaterThanOrEquals') return order >= 0;
      return order <= 0;
    }
  }
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/** EspoCRM compares text without regard to case (MySQL's default collation); numbers as numbers. */
function same(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'boolean') return actual === expected || String(actual) === String(expected);
  if (typeof expected === 'number') return actual !== null && actual !== '' && Number(actual) === expected;
  if (isEmpty(actual)) return isEmpty(expected);
  return String(actual).toLowerCase() === String(expected).toLowerCase();
}

function compare(actual: unknown, expected: unknown): number | undefined {
  if (typeof expected === 'number') {
    const number = Number(actual);
    return Number.isFinite(number) ? number - expected : undefined;
  }
  // Dates and datetimes are ISO-like strings in UTC: they sort as text.
  const a = String(actual);
  const b = String(expected);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Everything a subscription is about, in words: "Opportunity updates of stage where stage = Closed Won". */
export function describeRule(rule: AlertRule & { dm?: boolean }): string {
  const what =
    rule.event === 'created'
      ? `new ${rule.entity} records`
      : rule.event === 'deleted'
        ? `deleted ${rule.entity} records`
        : rule.event === 'assigned'
          ? `${rule.entity} records assigned${rule.dm ? ' to you' : ''}`
          : rule.field
            ? `${rule.entity} ${rule.field} changes`
            : `${rule.entity} updates`;
  const shown = rule.filters.filter((filter) => !(rule.dm && filter.field === 'assignedUserId'));
  const conditions = shown.map(filterText);
  return `${what}${conditions.length ? ` where ${conditions.join(' and ')}` : ''}`;
}

/**
 * What a polled record says happened since the cursor: created after it, or updated. The cursor's
 * own second is ambiguous (EspoCRM's times have whole seconds): a record created in it is new only
 * if the last round did not already see it.
 */
export function polledKind(
  record: { id: string; fields: Record<string, unknown> },
  cursor: { at: string; ids: readonly string[] },
): 'created' | 'updated' {
  const created = record.fields.createdAt;
  if (typeof created !== 'string') return 'updated';
  return created > cursor.at || (created === cursor.at && !cursor.ids.includes(record.id)) ? 'created' : 'updated';
}
