/**
 * Typed values from `field=value` text: numbers stay strings unless the field is numeric,
 * `true`/`false` become booleans for bool fields, and `today`/`tomorrow`/`yesterday` become dates
 * in the person's time zone. Which fields are which comes from the entity's knowledge.
 */
/** A Map, not an object: a word like `__proto__` or `constructor` must find nothing. */
const RELATIVE_DAYS = new Map([
  ['yesterday', -1],
  ['today', 0],
  ['tomorrow', 1],
]);

/** Formatters by zone: making one costs far more than formatting with it, and every message needs "today". */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = make();
    // Zones are a few hundred names at most; a bound keeps odd input from growing it.
    if (formatters.size < 1000) formatters.set(key, formatter);
  }
  return formatter;
}

/** YYYY-MM-DD for `now` shifted by `days`, as seen in `timeZone`. */
export function isoDate(now: Date, timeZone: string, days = 0): string {
  const shifted = new Date(now.getTime() + days * 86_400_000);
  try {
    // en-CA formats as YYYY-MM-DD.
    return formatterOf(
      `day|${timeZone}`,
      () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
    ).format(shifted);
  } catch {
    return shifted.toISOString().slice(0, 10);
  }
}

export function resolveRelativeDate(value: string, now: Date, timeZone: string): string | undefined {
  const offset = RELATIVE_DAYS.get(value.trim().toLowerCase());
  return offset === undefined ? undefined : isoDate(now, timeZone, offset);
}

/** Milliseconds `timeZone` is ahead of UTC at `instant`. */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const formatter = formatterOf(
    `parts|${timeZone}`,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
  );
  const parts = Object.fromEntries(
    formatter.formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]),
  );
  return (
    Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) -
    Math.floor(instant / 1000) * 1000
  );
}

/**
 * When day `date` (YYYY-MM-DD) starts in `timeZone`, as EspoCRM's UTC `YYYY-MM-DD HH:mm:ss`.
 * `days` shifts the day, so `dayStartUtc(d, tz, 1)` is when it ends; `time` (HH:mm[:ss]) is a
 * moment of that day instead of its start.
 */
export function dayStartUtc(date: string, timeZone: string, days = 0, time = '00:00'): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hours, minutes, seconds] = time.split(':').map(Number) as [number, number, number | undefined];
  const wall = Date.UTC(year, month - 1, day + days, hours, minutes, seconds ?? 0);
  let instant = wall;
  try {
    // Twice, so a daylight-saving change between the guess and the answer is accounted for.
    instant = wall - zoneOffsetMs(wall, timeZone);
    instant = wall - zoneOffsetMs(instant, timeZone);
  } catch {
    // Unknown zone: UTC.
  }
  return new Date(instant).toISOString().replace('T', ' ').slice(0, 19);
}

const NUMERIC_TYPES = new Set(['int', 'float', 'currency', 'number', 'integer']);
const DATE_TYPES = new Set(['date', 'datetime', 'datetimeOptional']);

export function coerceValue(
  field: string,
  raw: string,
  fieldType: string | undefined,
  now: Date,
  timeZone: string,
): string | number | boolean {
  // Fields we know nothing about (custom entities) still get dates when their name says so.
  const isDate = fieldType ? DATE_TYPES.has(fieldType) : /(^date|Date$)/.test(field);
  if (isDate) return resolveRelativeDate(raw, now, timeZone) ?? raw;
  if (fieldType === 'bool') {
    if (/^(true|yes|1)$/i.test(raw)) return true;
    if (/^(false|no|0)$/i.test(raw)) return false;
  }
  if (fieldType && NUMERIC_TYPES.has(fieldType)) {
    const number = parseAmount(raw);
    if (number !== undefined) return number;
  }
  return raw;
}

/** `10k`, `1.5m`, `12,000` and `12000` are all amounts a salesperson types. */
export function parseAmount(raw: string): number | undefined {
  const match = /^(-?[\d,]*\.?\d+)\s*([km])?$/i.exec(raw.trim());
  if (!match) return undefined;
  const base = Number(match[1]!.replace(/,/g, ''));
  if (!Number.isFinite(base)) return undefined;
  const multiplier = match[2]?.toLowerCase() === 'k' ? 1_000 : match[2]?.toLowerCase() === 'm' ? 1_000_000 : 1;
  return base * multiplier;
}
