import type { CrmRecord, EntityInfo, FieldView } from '../../core/ports.js';
import { SYSTEM_FIELDS } from '../../crm/espo/system-fields.js';
import { fieldsSection, type AnyBlock } from './blocks.js';
import { escape, truncate } from './mrkdwn.js';

/**
 * Beside EspoCRM's system fields, what a card leaves out: the name (the card's title), who
 * created or changed it, and link lists (ids, names of teams, columns of a many-to-many link).
 */
const NOT_SHOWN = /^(name|createdBy\w*|modifiedBy\w*|teamsNames|\w+Ids|\w+Columns)$/;

/** What a record is called in a card, a list or an alert: its name, else its id. */
export function titleOf(record: CrmRecord): string {
  const fields = record.fields;
  const candidate = record.name ?? fields.name ?? fields.subject ?? fields.userName;
  return typeof candidate === 'string' && candidate.trim() ? candidate : record.id;
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

const dayFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

/** One field value as safe mrkdwn, formatted the way a salesperson reads it. */
export function formatValue(value: unknown, format: FieldView['format'], record?: CrmRecord, field?: string): string {
  if (isEmpty(value)) return '—';
  // A structure where a scalar was expected (a custom field, an odd API answer) is shown as data.
  if (typeof value === 'object') return escape(truncate(escape(value), 200));
  switch (format) {
    case 'currency': {
      const amount = Number(value);
      const currency = String(record?.fields[`${field}Currency`] ?? 'USD');
      if (!Number.isFinite(amount)) return escape(value);
      try {
        return escape(
          new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount),
        );
      } catch {
        return escape(`${amount.toLocaleString('en-US')} ${currency}`);
      }
    }
    case 'date': {
      const date = new Date(`${String(value).slice(0, 10)}T00:00:00Z`);
      return Number.isNaN(date.getTime()) ? escape(value) : dayFormat.format(date);
    }
    case 'datetime': {
      const text = String(value);
      // EspoCRM datetimes are UTC `YYYY-MM-DD HH:mm:ss`; Slack shows them in each reader's own zone.
      const when = new Date(
        /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text) ? `${text.replace(' ', 'T')}Z` : `${text.slice(0, 10)}T00:00:00Z`,
      );
      if (Number.isNaN(when.getTime())) return escape(text);
      if (text.length <= 10) return dayFormat.format(when);
      return `<!date^${Math.floor(when.getTime() / 1000)}^{date_short_pretty} {time}|${escape(text)} UTC>`;
    }
    case 'email': {
      const text = String(value);
      return /^[^\s<>|@]+@[^\s<>|@]+$/.test(text) ? `<mailto:${text}|${escape(text)}>` : escape(text);
    }
    case 'url': {
      const text = String(value);
      return /^https?:\/\/[^\s<>|]+$/i.test(text) ? `<${text}|${escape(text)}>` : escape(text);
    }
    case 'bool':
      return value === true || value === 'true' ? 'Yes' : 'No';
    default:
      return escape(value);
  }
}

/** The fields worth showing for a record: the entity's key fields, or for custom entities the first few present. */
export function shownFields(entity: EntityInfo, record: CrmRecord, max: number): FieldView[] {
  if (entity.keyFields.length)
    return entity.keyFields.filter((view) => !isEmpty(record.fields[view.field])).slice(0, max);
  return Object.entries(record.fields)
    .filter(
      ([field, value]) =>
        !SYSTEM_FIELDS.has(field) && !NOT_SHOWN.test(field) && !isEmpty(value) && typeof value !== 'object',
    )
    .slice(0, max)
    .map(([field]) => ({ field, label: field, format: 'text' as const }));
}

/** A record's key fields as one section of label-over-value pairs, or nothing when none has a value. */
export function keyFieldsSection(entity: EntityInfo, record: CrmRecord, max: number): AnyBlock | undefined {
  const views = shownFields(entity, record, max);
  return views.length
    ? fieldsSection(
        views.map(
          (view) =>
            `*${escape(view.label)}*\n${formatValue(record.fields[view.field], view.format, record, view.field)}`,
        ),
      )
    : undefined;
}
