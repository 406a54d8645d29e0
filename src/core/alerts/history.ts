import type { CrmRecord, EntityInfo, Logger, Tenant } from '../ports.js';
import type { RecordHistory } from './ports.js';
import type { AlertChange, CrmChange } from './types.js';

/**
 * What an update changed. EspoCRM's webhook sends the new values only; the old ones are in the
 * record's history, read when present (RecordHistory: in EspoCRM the record's stream, audited
 * fields in was/became, the status and the assignee in the notes before this change's). A link's
 * change shows its names (`assignedUserName`), which people read, rather than its ids.
 */
export async function changesOf(
  deps: { history: RecordHistory; logger: Logger },
  tenant: Tenant,
  change: CrmChange,
  record: CrmRecord,
  entity: EntityInfo,
): Promise<AlertChange[]> {
  if (change.source === 'polling') return [];
  const changed = Object.keys(change.attributes).filter((name) => !deps.history.isSystemAttribute(name));
  // `assignedUserName` beside `assignedUserId` is that link's name and goes with its change; a
  // `…Name` with no such id beside it (`firstName`, a lead's `accountName`) is a field of its own.
  const linkNames = new Set(changed.map(nameAttributeOf));
  const fields = changed.filter((name) => !linkNames.has(name));
  if (!fields.length) return [];
  let was: Record<string, unknown> = {};
  try {
    const values = Object.fromEntries(fields.map((field) => [field, change.attributes[field]]));
    const at = { entity: change.entity, id: change.recordId, statusField: entity.statusField };
    was = await deps.history.valuesBefore(tenant, at, values);
  } catch (error) {
    deps.logger.info(
      { err: error, tenant: tenant.key, entity: change.entity },
      'the record stream could not be read: alerts show new values only',
    );
  }
  const changes: AlertChange[] = fields.map((field) => {
    const name = nameAttributeOf(field);
    if (!name || !(name in record.fields))
      return { field, after: change.attributes[field], ...(field in was ? { before: { value: was[field] } } : {}) };
    // The old name is known when the stream recorded it; the old id alone says nothing to a reader.
    return {
      field: name,
      after: namesOf(record.fields[name]),
      ...(name in was ? { before: { value: namesOf(was[name]) } } : {}),
    };
  });
  // A `fieldUpdate` payload carries all of its field's attributes, changed or not (Webhook\Manager
  // processUpdateField): `amountCurrency` comes with every new `amount`. Each attribute is shown
  // only if it changed: its old value differs, or (old value unknown) it is not a currency that
  // the amount's own line already shows.
  const amounts = new Set(changes.map((c) => c.field));
  return changes.filter((c) =>
    c.before
      ? !sameValue(c.before.value, c.after)
      : !(change.field && c.field.endsWith('Currency') && amounts.has(c.field.slice(0, -'Currency'.length))),
  );
}

/** The attribute holding a link's name: `assignedUserId` → `assignedUserName` (`teamsIds` → `teamsNames`). */
function nameAttributeOf(attribute: string): string | undefined {
  const link = /^(\w+)Id(s?)$/.exec(attribute);
  return link ? `${link[1]}Name${link[2]}` : undefined;
}

/** A link-multiple's names come as `{id: name}`: the names, listed. */
function namesOf(value: unknown): unknown {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.values(value).join(', ') : value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
