/**
 * Time windows as a rep means them, in their own time zone, from the evaluation's fixed `now`:
 * "this week" starts on Monday (WEEK_START), "this quarter" is the calendar quarter. A window is a
 * range of local calendar days, `from` inclusive and `to` exclusive ('YYYY-MM-DD'; either may be
 * open).
 * EspoCRM keeps dates as 'YYYY-MM-DD' and datetimes as 'YYYY-MM-DD HH:mm:ss' in UTC; a datetime
 * belongs to the local day it falls on.
 */
export interface Window {
  from?: string;
  to?: string;
}

export interface Clock {
  now: Date;
  timeZone: string;
}

/** 'YYYY-MM-DD' of an instant in a time zone. */
export function localDay(instant: Date, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

/** A local day shifted by whole days. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The first day of the month `delta` months from the month of `day`. */
function monthStart(day: string, delta: number): string {
  const date = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1 + delta, 1));
  return date.toISOString().slice(0, 10);
}

/** 0 = Monday … 6 = Sunday. */
function weekdayIndex(day: string): number {
  return (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const today = (clock: Clock): string => localDay(clock.now, clock.timeZone);
const day = (clock: Clock, offset: number): Window => {
  const d = addDays(today(clock), offset);
  return { from: d, to: addDays(d, 1) };
};
/**
 * The day a week starts on: ISO's Monday, as reps in most places count "this week". (EspoCRM's own
 * `weekStart` setting defaults to Sunday; change it here to judge by that.)
 */
const WEEK_START: Weekday = 'monday';
const week = (clock: Clock, delta: number): Window => {
  const back = (weekdayIndex(today(clock)) - WEEKDAYS.indexOf(WEEK_START) + 7) % 7;
  const start = addDays(today(clock), -back + 7 * delta);
  return { from: start, to: addDays(start, 7) };
};
const month = (clock: Clock, delta: number): Window => ({
  from: monthStart(today(clock), delta),
  to: monthStart(today(clock), delta + 1),
});
const quarter = (clock: Clock, delta: number): Window => {
  const monthIndex = Number(today(clock).slice(5, 7)) - 1;
  const offset = -(monthIndex % 3) + 3 * delta;
  return { from: monthStart(today(clock), offset), to: monthStart(today(clock), offset + 3) };
};

/** The windows the request set uses; each is a function of the clock. */
export const windows = {
  today: (clock: Clock) => day(clock, 0),
  tomorrow: (clock: Clock) => day(clock, 1),
  yesterday: (clock: Clock) => day(clock, -1),
  /** "in 3 days": that one day. */
  inDays: (clock: Clock, days: number) => day(clock, days),
  /** "in the next 7 days": today and the 7 days after it. */
  nextDays: (clock: Clock, days: number): Window => ({ from: today(clock), to: addDays(today(clock), days + 1) }),
  /** "in the last 7 days": the 7 days before today and today. */
  lastDays: (clock: Clock, days: number): Window => ({
    from: addDays(today(clock), -days),
    to: addDays(today(clock), 1),
  }),
  thisWeek: (clock: Clock) => week(clock, 0),
  nextWeek: (clock: Clock) => week(clock, 1),
  lastWeek: (clock: Clock) => week(clock, -1),
  thisMonth: (clock: Clock) => month(clock, 0),
  nextMonth: (clock: Clock) => month(clock, 1),
  lastMonth: (clock: Clock) => month(clock, -1),
  thisQuarter: (clock: Clock) => quarter(clock, 0),
  nextQuarter: (clock: Clock) => quarter(clock, 1),
  lastQuarter: (clock: Clock) => quarter(clock, -1),
  thisYear: (clock: Clock): Window => {
    const year = Number(today(clock).slice(0, 4));
    return { from: `${year}-01-01`, to: `${year + 1}-01-01` };
  },
  /** "since Monday": from this week's Monday (or the last one before today) on. */
  since: (clock: Clock, weekday: Weekday): Window => {
    const back = (weekdayIndex(today(clock)) - WEEKDAYS.indexOf(weekday) + 7) % 7;
    return { from: addDays(today(clock), -back) };
  },
  /** "on Friday": the next such day after today (today itself is "today"). */
  on: (clock: Clock, weekday: Weekday): Window => {
    const ahead = (WEEKDAYS.indexOf(weekday) - weekdayIndex(today(clock)) + 7) % 7 || 7;
    return day(clock, ahead);
  },
  /** "before March 1": in the year of `now`. */
  before: (clock: Clock, monthDay: string): Window => ({ to: `${today(clock).slice(0, 4)}-${monthDay}` }),
  after: (clock: Clock, monthDay: string): Window => ({ from: addDays(`${today(clock).slice(0, 4)}-${monthDay}`, 1) }),
};

/** The local day of an EspoCRM date or UTC datetime value; undefined when empty. */
export function dayOf(value: unknown, timeZone: string): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return localDay(new Date(`${value.replace(' ', 'T')}Z`), timeZone);
}

/** Whether an EspoCRM date or datetime falls in the window, in the person's time zone. */
export function within(value: unknown, window: Window, timeZone: string): boolean {
  const d = dayOf(value, timeZone);
  if (d === undefined) return false;
  return (window.from === undefined || d >= window.from) && (window.to === undefined || d < window.to);
}

/** Whether an EspoCRM date or datetime is before `now` (a date: before today). */
export function isPast(value: unknown, clock: Clock): boolean {
  if (typeof value !== 'string' || value === '') return false;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value < today(clock);
  return new Date(`${value.replace(' ', 'T')}Z`).getTime() < clock.now.getTime();
}
