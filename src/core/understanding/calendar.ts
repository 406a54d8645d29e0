/** Days as YYYY-MM-DD strings: the person's calendar, computed without time zones (the caller's day is local). */

const toUtc = (day: string) => {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, date);
};
const fromUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function addDays(day: string, days: number): string {
  return fromUtc(toUtc(day) + days * 86_400_000);
}

/** 0 for Monday through 6 for Sunday. */
export function weekdayOf(day: string): number {
  return (new Date(toUtc(day)).getUTCDay() + 6) % 7;
}

/** The first day of the month `months` after `day`'s. */
export function monthStart(day: string, months = 0): string {
  const [year, month] = day.split('-').map(Number) as [number, number];
  return fromUtc(Date.UTC(year, month - 1 + months, 1));
}

/** The first day of the quarter `quarters` after `day`'s. */
export function quarterStart(day: string, quarters = 0): string {
  const month = Number(day.slice(5, 7));
  const first = `${day.slice(0, 5)}${String(month - ((month - 1) % 3)).padStart(2, '0')}-01`;
  return monthStart(first, quarters * 3);
}

export function yearStart(day: string, years = 0): string {
  return `${Number(day.slice(0, 4)) + years}-01-01`;
}

/** Monday of the week `weeks` after `day`'s (weeks start on Monday, as ISO 8601 has it). */
export function weekStart(day: string, weeks = 0): string {
  return addDays(day, -weekdayOf(day) + weeks * 7);
}

export function isValidDay(day: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && fromUtc(toUtc(day)) === day;
}
