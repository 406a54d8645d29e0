// EspoCRM's wire formats: dates 'YYYY-MM-DD', datetimes 'YYYY-MM-DD HH:mm:ss', always UTC. Strings in
// these formats sort chronologically, so the fake compares them as plain strings.

export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
export const DATETIME_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/;

export function formatDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function formatDateTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** Shift a 'YYYY-MM-DD' date by whole days (negative = past). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return formatDate(d);
}

/** 'YYYY-MM' of the month `delta` months away from the month containing `date`. */
export function shiftMonth(date: string, delta: number): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7)) - 1 + delta;
  return formatDate(new Date(Date.UTC(year, month, 1))).slice(0, 7);
}
