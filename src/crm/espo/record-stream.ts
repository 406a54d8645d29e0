/**
 * The values a record had before a change, as its EspoCRM stream (`GET /{Entity}/{id}/stream`,
 * newest note first) keeps them. What EspoCRM writes there (Tools/Stream/Service, HookProcessor):
 * - an `Update` note (handleAudited) holds `was`/`became` of the audited fields that changed, but
 *   not of the entity's status field when it has a stream (getAuditedFieldsData skips the scope's
 *   `statusField`): of a new status only the value it became, `data.value` (getStatusUpdateDate);
 * - a `Create` note (noteCreate) holds the status the record began with (`statusValue`, with
 *   `statusField`) and its first assignee (`assignedUserId`, `assignedUserName`);
 * - an `Assign` note (noteAssign) holds a new assignee, and nothing of the one before.
 * So an old status or assignee is the one the note before this change's own note recorded.
 */
export interface StreamNote {
  type?: unknown;
  parentId?: unknown;
  data?: unknown;
}

type Values = Record<string, unknown>;

const isObject = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** What a note says the status became (undefined: the note says nothing of it). */
function statusOf(field: string): (type: unknown, data: Values) => Values | undefined {
  return (type, data) => {
    if (type === 'Update' && 'value' in data) return { [field]: data.value };
    if (type === 'Create') return { [field]: data.statusField === field ? data.statusValue : null };
    return undefined;
  };
}

/** What a note says the assignee became. */
function assigneeOf(type: unknown, data: Values): Values | undefined {
  if (type !== 'Assign' && type !== 'Create') return undefined;
  return { assignedUserId: data.assignedUserId ?? null, assignedUserName: data.assignedUserName ?? null };
}

/**
 * The value before `now`, by the notes that record `key`: the first (newest) note that recorded
 * `now` is this change's; the next older one that records it says what it was. Undefined when
 * either is not among the notes read, or nothing was set before.
 */
function previous(
  notes: { type: unknown; data: Values }[],
  read: (type: unknown, data: Values) => Values | undefined,
  key: string,
  now: unknown,
): Values | undefined {
  const readings = notes.map((note) => read(note.type, note.data));
  const at = readings.findIndex((reading) => reading !== undefined && sameValue(reading[key], now));
  if (at < 0) return undefined;
  const before = readings.slice(at + 1).find((reading) => reading !== undefined);
  return before && before[key] != null ? before : undefined;
}

/**
 * The old values of a change's attributes the stream tells: audited fields from the Update note
 * whose `became` is this change, the status and the assignee from the notes before theirs.
 * `statusField` is the entity's (EntityInfo.statusField); notes of other records (the stream
 * also shows those of the record's children) are passed over.
 */
export function valuesBefore(notes: StreamNote[], recordId: string, change: Values, statusField?: string): Values {
  const own = notes.flatMap((note) =>
    isObject(note.data) && (note.parentId === undefined || note.parentId === recordId)
      ? [{ type: note.type, data: note.data }]
      : [],
  );
  const fields = Object.keys(change);
  const update = own.find((note) => {
    const became = note.type === 'Update' && isObject(note.data.attributes) ? note.data.attributes.became : undefined;
    return isObject(became) && fields.some((field) => field in became && sameValue(became[field], change[field]));
  });
  const was =
    update && isObject(update.data.attributes) && isObject(update.data.attributes.was)
      ? { ...update.data.attributes.was }
      : {};
  if (statusField && statusField in change && !(statusField in was))
    Object.assign(was, previous(own, statusOf(statusField), statusField, change[statusField]));
  if ('assignedUserId' in change && !('assignedUserId' in was))
    Object.assign(was, previous(own, assigneeOf, 'assignedUserId', change.assignedUserId));
  return was;
}
