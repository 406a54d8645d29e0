import type { CrmRecord, Filter } from '../ports.js';

/**
 * The reads of a person's work that the Home tab and the digests share: open tasks and planned
 * meetings, as EspoCRM filters them. A leaf: it imports nothing but the shared ports.
 */

const CLOSED_TASK_STATUSES = ['Completed', 'Canceled'];

/**
 * Open tasks (not Completed or Canceled): one EspoCRM user's, or everyone's without `userId`. The digest reads them
 * too.
 */
export function openTaskFilters(userId?: string): Filter[] {
  return [
    ...(userId ? [{ field: 'assignedUserId', op: 'equals' as const, value: userId }] : []),
    ...CLOSED_TASK_STATUSES.map((status) => ({ field: 'status', op: 'notEquals' as const, value: status })),
  ];
}

/** Planned meetings starting at or after `from` (and before `until`, when given): one user's, or everyone's. */
export function plannedMeetingFilters(userId: string | undefined, from: Date, until?: Date): Filter[] {
  return [
    ...(userId ? [{ field: 'assignedUserId', op: 'equals' as const, value: userId }] : []),
    { field: 'status', op: 'equals', value: 'Planned' },
    { field: 'dateStart', op: 'greaterThanOrEquals', value: espoDateTime(from) },
    ...(until ? [{ field: 'dateStart', op: 'lessThan' as const, value: espoDateTime(until) }] : []),
  ];
}

/** A task's due moment as EspoCRM's UTC `YYYY-MM-DD[ HH:mm:ss]` text (sortable), or undefined. */
export function dueOf(record: CrmRecord): string | undefined {
  const value = record.fields.dateEnd ?? record.fields.dateEndDate;
  return typeof value === 'string' && value.trim() ? value : undefined;
}

/** EspoCRM's UTC datetime format, `YYYY-MM-DD HH:mm:ss`. */
export function espoDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}
