import { isoDate, zoneOffsetMs } from '../commands/values.js';

/** When a digest goes out: a local wall-clock time, every day or Monday to Friday, in an IANA zone. */
export interface DigestTiming {
  /** `HH:MM`, 24-hour. */
  time: string;
  days: 'daily' | 'weekdays';
  timeZone: string;
}

/** Whether Intl knows the zone (Slack's users.info gives IANA names; anything else falls back to UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD` shifted by whole days (calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday, of a calendar date. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function wallClockOf(instant: number, timeZone: string): string {
  return new Date(instant + zoneOffsetMs(instant, timeZone)).toISOString().slice(0, 16);
}

/**
 * The instant local time `time` on `date` happens in `timeZone`. DST-safe: the zone's offset is
 * read at the answer itself (twice, as dayStartUtc does). A time that does not exist that day (the
 * spring-forward gap, e.g. 02:30) is the moment after the gap, when the clocks show it an hour late;
 * a time that happens twice (fall back) is its first occurrence.
 */
export function localTimeUtc(date: string, time: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(year, month - 1, day, hours, minutes);
  if (!isKnownTimeZone(timeZone)) return new Date(wall);
  const first = wall - zoneOffsetMs(wall, timeZone);
  const second = wall - zoneOffsetMs(first, timeZone);
  if (wallClockOf(second, timeZone) === new Date(wall).toISOString().slice(0, 16)) return new Date(second);
  // In the gap: of the two guesses, the later one lands just past it.
  return new Date(Math.max(first, second));
}

/**
 * The first time the digest is due strictly after `after`. After a digest is sent (on time or late)
 * the next run is computed from the moment it was sent, so days missed while the bot was down are
 * not sent one after another: one late digest, then the usual rhythm.
 */
export function nextRunAfter(timing: DigestTiming, after: Date): Date {
  const zone = isKnownTimeZone(timing.timeZone) ? timing.timeZone : 'UTC';
  const today = isoDate(after, zone);
  // Eight days always reach the next occurrence, whatever the weekday (yesterday's date covers
  // zones whose local date lags `after`'s by a day at the boundary).
  for (let offset = -1; offset <= 8; offset += 1) {
    const date = addDays(today, offset);
    if (timing.days === 'weekdays' && [0, 6].includes(weekdayOf(date))) continue;
    const at = localTimeUtc(date, timing.time, zone);
    if (at.getTime() > after.getTime()) return at;
  }
  throw new Error(`no next run for ${timing.time} ${timing.days} in ${zone}`);
}

/** The local calendar day of `now` in the zone, and when it starts and ends (UTC instants). */
export function localDay(now: Date, timeZone: string): { date: string; start: Date; end: Date } {
  const zone = isKnownTimeZone(timeZone) ? timeZone : 'UTC';
  const date = isoDate(now, zone);
  return { date, start: localTimeUtc(date, '00:00', zone), end: localTimeUtc(addDays(date, 1), '00:00', zone) };
}

/** When the local week of `now` began: Monday 00:00 in the zone (a digest's week runs Monday to Sunday). */
export function weekStart(now: Date, timeZone: string): Date {
  const zone = isKnownTimeZone(timeZone) ? timeZone : 'UTC';
  const today = isoDate(now, zone);
  return localTimeUtc(addDays(today, -((weekdayOf(today) + 6) % 7)), '00:00', zone);
}

/**
 * Whether a scheduled digest sent at `now` carries the pipeline: scheduled with it, and the first
 * one sent this local week (none sent yet, or the last one before Monday). One not sent (skipped,
 * retried) leaves the pipeline to the next that is.
 */
export function pipelineDue(job: { pipeline?: boolean; lastSentAt?: Date; timeZone: string }, now: Date): boolean {
  if (!job.pipeline) return false;
  return !job.lastSentAt || job.lastSentAt.getTime() < weekStart(now, job.timeZone).getTime();
}

/** `HH:MM daily`, `HH:MM on weekdays`: how people read a schedule. */
export function describeTiming(timing: Pick<DigestTiming, 'time' | 'days'> & { pipeline?: boolean }): string {
  const when = timing.days === 'weekdays' ? `every weekday at ${timing.time}` : `every day at ${timing.time}`;
  return timing.pipeline ? `${when}, with the pipeline in the first one of each week` : when;
}

/** "Monday, June 1 at 09:00" in the zone. */
export function formatLocal(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')}, ${part('month')} ${part('day')} at ${part('hour')}:${part('minute')}`;
}
