import type { EntityInfo, Filter, FilterOperator } from '../ports.js';
import { usageError, type ParseContext, type Subcommand } from './grammar.js';
import { periodValue } from '../understanding/time.js';
import type { Token } from './tokenize.js';
import { coerceValue, dayStartUtc, isoDate } from './values.js';

const ASSIGNMENT = /^([A-Za-z_][\w.]*)(>=|<=|!=|=|>|<|~)([\s\S]*)$/;
const OPERATORS: Record<string, FilterOperator> = {
  '=': 'equals',
  '!=': 'notEquals',
  '>': 'greaterThan',
  '<': 'lessThan',
  '>=': 'greaterThanOrEquals',
  '<=': 'lessThanOrEquals',
  '~': 'contains',
};

/** `field<op>value`, as one token: `status=New`, `amount>10k`, `name~acme`. */
export function splitAssignment(token: Token): { field: string; op: string; raw: string } | undefined {
  const match = ASSIGNMENT.exec(token.text);
  return match ? { field: match[1]!, op: match[2]!, raw: match[3]! } : undefined;
}

const DATETIME_TYPES = new Set(['datetime', 'datetimeOptional']);
const NUMERIC_TYPES = new Set(['int', 'float', 'currency', 'autoincrement']);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)$/;
/** EspoCRM's record ids: 17 hex characters by default, a UUID when the instance is set to. */
const RECORD_ID = /^([0-9a-f]{17}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * `field<op>value` as filters on attributes whose values EspoCRM compares as meant. EspoCRM's where
 * items do not convert values (Core/Select/Where/ItemGeneralConverter: `equals` is `attribute=`
 * value) and MySQL converts text compared with a number or date its own way (`'10k'` is 10, `'$10k'`
 * and `'true'` are 0), so each value is typed here, or refused with what to type instead:
 * - bool: true/false (yes/no, 1/0), sent as isTrue/isFalse (crm/espo/routes.ts);
 * - int, float, currency amounts: a number (`10k`, `1.5m`); the amount as stored, in the record's
 *   own currency, which is its own attribute (`amountCurrency=EUR`);
 * - date: a day, `today`, `tomorrow` or `yesterday` in the person's time zone;
 * - date or datetime: a period, `this-quarter`, `next-month`, `last-week` (this/next/last week, month,
 *   quarter or year), as the bounds of its days;
 * - datetime: a day is the person's whole day, a time is theirs: both sent as UTC, as stored;
 * - enum: one option, or several (`stage=Proposal,Negotiation`) as in/notIn;
 * - link (`account=Acme`): the linked record's id (`accountId`) or name (`accountName`, a column
 *   EspoCRM joins), so the same filter also holds for alert conditions on webhook payloads;
 *   a parent link only by id; a link to many records (teams) is not a column and is refused.
 * Fields the bot has no type for (custom entities) are sent as typed, with dates by their name.
 */
export function parseFilter(
  sub: Subcommand,
  entity: EntityInfo,
  field: string,
  op: string,
  raw: string,
  context: ParseContext,
): Filter[] {
  const type = entity.fieldType(field);
  const operator = OPERATORS[op]!;
  const refuse = (problem: string) => usageError(sub, problem);
  const list = raw.split(',').map((v) => v.trim());
  const isList = raw.includes(',') && (operator === 'equals' || operator === 'notEquals');
  switch (type) {
    case 'enum':
      return [
        isList
          ? { field, op: operator === 'equals' ? 'in' : 'notIn', value: list }
          : { field, op: operator, value: raw },
      ];
    case 'link':
    case 'linkParent': {
      const values = isList ? list : [raw];
      const byId = values.every((value) => RECORD_ID.test(value));
      if (!byId && type === 'linkParent')
        throw refuse(`\`${field}\` can be filtered by the record's id only, like \`${field}Id=5f3a9b2c1d4e6f708\`.`);
      if (operator !== 'equals' && operator !== 'notEquals' && !(operator === 'contains' && !byId)) {
        throw refuse(
          `\`${field}\` links to a record: use \`=\`, \`!=\` or \`~\` (part of its name), like \`${field}=Acme\`.`,
        );
      }
      const attribute = `${field}${byId ? 'Id' : 'Name'}`;
      return [
        isList
          ? { field: attribute, op: operator === 'equals' ? 'in' : 'notIn', value: values }
          : { field: attribute, op: operator, value: raw },
      ];
    }
    case 'linkMultiple':
    case 'attachmentMultiple':
      throw refuse(`\`${field}\` holds a list of records, so it cannot be a filter here.`);
    case 'bool': {
      const value = coerceValue(field, raw, type, context.now, context.timeZone);
      if (typeof value !== 'boolean' || (operator !== 'equals' && operator !== 'notEquals'))
        throw refuse(`\`${field}\` is yes or no: \`${field}=true\` or \`${field}=false\`.`);
      return [{ field, op: operator, value }];
    }
  }
  const isDate = type ? type === 'date' || DATETIME_TYPES.has(type) : /(^date|Date$)/.test(field);
  const period = isDate ? periodValue(raw, isoDate(context.now, context.timeZone)) : undefined;
  if (period) {
    const bounds = periodBounds(operator, period);
    if (!bounds) throw refuse(`\`${field}\` compares with a period by \`=\`, \`<\`, \`<=\`, \`>\` or \`>=\`.`);
    const datetime = type !== undefined && DATETIME_TYPES.has(type);
    return bounds.map(({ op, day }) => ({ field, op, value: datetime ? dayStartUtc(day, context.timeZone) : day }));
  }
  const value = coerceValue(field, raw, type, context.now, context.timeZone);
  if (type && NUMERIC_TYPES.has(type) && typeof value !== 'number') {
    throw refuse(
      `\`${field}\` is a number, like \`${field}>10k\`${type === 'currency' ? ` (the currency is \`${field}Currency=EUR\`)` : ''}.`,
    );
  }
  if (type === 'date' && (typeof value !== 'string' || !DAY.test(value))) {
    throw refuse(
      `\`${field}\` is a day: YYYY-MM-DD, \`today\`, \`tomorrow\`, \`yesterday\` or a period like \`this-quarter\`.`,
    );
  }
  if (type && DATETIME_TYPES.has(type)) {
    const text = String(value);
    if (DAY.test(text)) return dayBounds(field, operator, text, context.timeZone);
    const moment = LOCAL_DATETIME.exec(text);
    if (!moment)
      throw refuse(
        `\`${field}\` is a day or a time: YYYY-MM-DD, \`"YYYY-MM-DD HH:MM"\` (your time), \`today\`, \`tomorrow\` or \`yesterday\`.`,
      );
    return [{ field, op: operator, value: dayStartUtc(moment[1]!, context.timeZone, 0, moment[2]!) }];
  }
  return [{ field, op: operator, value }];
}

/**
 * A day compared with a datetime field means the person's whole day: `dateEnd<=today` must include
 * a task due at 17:00 today, which a plain comparison with `2026-11-25` (midnight) would miss.
 * EspoCRM stores datetimes in UTC, so the day's bounds in the person's zone are sent in UTC.
 */
function dayBounds(field: string, operator: FilterOperator, date: string, timeZone: string): Filter[] {
  const start = dayStartUtc(date, timeZone);
  const end = dayStartUtc(date, timeZone, 1);
  switch (operator) {
    case 'equals':
      return [
        { field, op: 'greaterThanOrEquals', value: start },
        { field, op: 'lessThan', value: end },
      ];
    case 'lessThan':
      return [{ field, op: 'lessThan', value: start }];
    case 'lessThanOrEquals':
      return [{ field, op: 'lessThan', value: end }];
    case 'greaterThan':
      return [{ field, op: 'greaterThanOrEquals', value: end }];
    case 'greaterThanOrEquals':
      return [{ field, op: 'greaterThanOrEquals', value: start }];
    default:
      return [{ field, op: operator, value: date }];
  }
}

/**
 * A period compared with a date: `=` is within its days, `<` before its first, `<=` before its end,
 * `>` after its end, `>=` from its first; `!=` would be two ranges, which one filter list cannot say.
 */
function periodBounds(
  operator: FilterOperator,
  period: { from: string; to: string },
): { op: FilterOperator; day: string }[] | undefined {
  switch (operator) {
    case 'equals':
      return [
        { op: 'greaterThanOrEquals', day: period.from },
        { op: 'lessThan', day: period.to },
      ];
    case 'lessThan':
      return [{ op: 'lessThan', day: period.from }];
    case 'lessThanOrEquals':
      return [{ op: 'lessThan', day: period.to }];
    case 'greaterThan':
      return [{ op: 'greaterThanOrEquals', day: period.to }];
    case 'greaterThanOrEquals':
      return [{ op: 'greaterThanOrEquals', day: period.from }];
    default:
      return undefined;
  }
}
