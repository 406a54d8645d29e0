import { addDays, isValidDay, monthStart, quarterStart, weekStart, weekdayOf, yearStart } from './calendar.js';
import { dayStartUtc, isoDate } from '../commands/values.js';
import type { Filter } from '../ports.js';
import type { DateTerm, EntityTerms } from './ports.js';
import type { Word } from './words.js';

/**
 * Time phrases, read at a position in the words: the days they cover in the person's calendar
 * (`from` inclusive, `to` exclusive), or "overdue". A month named alone ("in March") depends on
 * the field: a close date looks ahead, a creation date back, so it is resolved later.
 */
export type TimeSpec =
  | { kind: 'range'; from?: string; to?: string; label: string }
  | { kind: 'month'; month: number; label: string }
  | { kind: 'overdue'; label: string };

export interface TimeMatch {
  spec: TimeSpec;
  length: number;
}

const UNITS = new Set(['week', 'month', 'quarter', 'year']);
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const SHORT_MONTHS = new Map(MONTHS.map((name, index) => [name.slice(0, 3), index]));
SHORT_MONTHS.set('sept', 8);
const SHORT_WEEKDAYS = new Map(WEEKDAYS.map((name, index) => [name.slice(0, 3), index]));
for (const [short, index] of [
  ['tues', 1],
  ['wednes', 2],
  ['thur', 3],
  ['thurs', 3],
] as const)
  SHORT_WEEKDAYS.set(short, index);

const weekdayIndex = (word: string) => {
  const index = WEEKDAYS.indexOf(word);
  return index >= 0 ? index : SHORT_WEEKDAYS.get(word);
};
const monthIndex = (word: string) => {
  // "may" is a month only when another word says so ("in may", "may 5").
  if (word === 'may') return undefined;
  const index = MONTHS.indexOf(word);
  return index >= 0 ? index : SHORT_MONTHS.get(word);
};

const plainNumber = (word: Word | undefined) => (word && /^\d{1,3}$/.test(word.text) ? Number(word.text) : undefined);
const NUMBER_WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const countOf = (word: Word | undefined) => {
  if (!word) return undefined;
  const index = NUMBER_WORDS.indexOf(word.text);
  return index >= 0 ? index + 1 : plainNumber(word);
};

const day = (from: string, label: string): TimeSpec => ({ kind: 'range', from, to: addDays(from, 1), label });

/** A unit's span: this (0), next (1) or last (-1) week, month, quarter or year. */
function unitRange(unit: string, today: string, shift: number): { from: string; to: string } {
  switch (unit) {
    case 'week':
      return { from: weekStart(today, shift), to: weekStart(today, shift + 1) };
    case 'month':
      return { from: monthStart(today, shift), to: monthStart(today, shift + 1) };
    case 'quarter':
      return { from: quarterStart(today, shift), to: quarterStart(today, shift + 1) };
    default:
      return { from: yearStart(today, shift), to: yearStart(today, shift + 1) };
  }
}

// Maps and sets, not object literals, for every word looked up: `constructor` must find nothing.
const RELATIVE_DAYS = new Map([
  ['today', 0],
  ['tomorrow', 1],
  ['yesterday', -1],
]);
const SHIFTS = new Map([
  ['this', 0],
  ['current', 0],
  ['next', 1],
  ['coming', 1],
  ['last', -1],
  ['previous', -1],
  ['past', -1],
]);
/**
 * A period typed as one filter value (`closeDate=this-quarter`, `createdAt=last-week`): this, next or
 * last week, month, quarter or year, as the days it covers (`from` inclusive, `to` exclusive).
 */
export function periodValue(raw: string, today: string): { from: string; to: string; label: string } | undefined {
  const match = /^(this|next|last)-(week|month|quarter|year)$/i.exec(raw.trim());
  if (!match) return undefined;
  const [shift, unit] = [match[1]!.toLowerCase(), match[2]!.toLowerCase()];
  return { ...unitRange(unit, today, SHIFTS.get(shift)!), label: `${shift} ${unit}` };
}

const BOUNDS = new Set(['before', 'after', 'since', 'until', 'by']);

/** A single day named at `i`: today, tomorrow, yesterday, a weekday, `2026-12-01`, `Dec 5`, `5 December`. */
export function dayAt(
  words: Word[],
  i: number,
  today: string,
  /** Which one a bare weekday is: the coming one ("due Friday"), or the last one ("since Monday"). */
  weekdays: 'coming' | 'past' = 'coming',
): { day: string; length: number; label: string } | undefined {
  const word = words[i]?.text;
  if (!word) return undefined;
  const relative = RELATIVE_DAYS.get(word);
  if (relative !== undefined) return { day: addDays(today, relative), length: 1, label: word };
  if (isValidDay(word)) return { day: word, length: 1, label: word };
  const weekday = weekdayIndex(word);
  if (weekday !== undefined) {
    // The coming one, or the last one: today when today is that day.
    const ahead = (weekday - weekdayOf(today) + 7) % 7;
    const back = (weekdayOf(today) - weekday + 7) % 7;
    return { day: addDays(today, weekdays === 'past' ? -back : ahead), length: 1, label: WEEKDAYS[weekday]! };
  }
  const month = monthIndex(word) ?? (word === 'may' && plainNumber(words[i + 1]) ? 4 : undefined);
  const dateAfter = plainNumber(words[i + 1]);
  const dateBefore = plainNumber(words[i - 1]);
  if (month !== undefined && dateAfter && dateAfter <= 31) {
    return { day: datedNearest(today, month, dateAfter), length: 2, label: `${MONTHS[month]} ${dateAfter}` };
  }
  const monthNext = monthIndex(words[i + 1]?.text ?? '');
  const number = plainNumber(words[i]);
  if (number && number <= 31 && monthNext !== undefined && dateBefore === undefined) {
    return { day: datedNearest(today, monthNext, number), length: 2, label: `${MONTHS[monthNext]} ${number}` };
  }
  return undefined;
}

/** Month and day in the current year. */
function datedNearest(today: string, month: number, date: number): string {
  const candidate = `${today.slice(0, 4)}-${String(month + 1).padStart(2, '0')}-${String(date).padStart(2, '0')}`;
  return isValidDay(candidate) ? candidate : today;
}

/** The time phrase starting at word `i`, if one does. */
export function timeAt(words: Word[], i: number, today: string): TimeMatch | undefined {
  const [first, second, third] = [0, 1, 2].map((k) => words[i + k]?.text);
  if (first === 'overdue' || (first === 'past' && second === 'due')) {
    return { spec: { kind: 'overdue', label: 'overdue' }, length: first === 'overdue' ? 1 : 2 };
  }
  // this/next/last week|month|quarter|year
  const shift = SHIFTS.get(first ?? '');
  if (shift !== undefined && second && UNITS.has(second)) {
    return { spec: { kind: 'range', ...unitRange(second, today, shift), label: `${first} ${second}` }, length: 2 };
  }
  // last|past|next N days|weeks, in the last|next N days, within N days
  const span = spanAt(words, i);
  if (span) {
    const { n, unit, back, length } = span;
    const days = n * (unit.startsWith('week') ? 7 : 1);
    const range = back
      ? { from: addDays(today, -days), to: addDays(today, 1) }
      : { from: today, to: addDays(today, days + 1) };
    return { spec: { kind: 'range', ...range, label: `in the ${back ? 'last' : 'next'} ${n} ${unit}` }, length };
  }
  // in N days (that day)
  if (first === 'in' && countOf(words[i + 1]) !== undefined && (third === 'days' || third === 'day')) {
    const n = countOf(words[i + 1])!;
    return { spec: day(addDays(today, n), `in ${n} days`), length: 3 };
  }
  // N days ago
  if (countOf(words[i]) !== undefined && (second === 'days' || second === 'day') && third === 'ago') {
    const n = countOf(words[i])!;
    return { spec: day(addDays(today, -n), `${n} days ago`), length: 3 };
  }
  // before/after/since/until/by <day>
  const bound = BOUNDS.has(first ?? '') ? (first as 'before' | 'after' | 'since' | 'until' | 'by') : undefined;
  if (bound) {
    // "since Monday" is the Monday gone by; "before/after/until/by Friday" the coming one.
    const named = dayAt(words, i + 1, today, bound === 'since' ? 'past' : 'coming');
    if (!named) return undefined;
    const label = `${bound} ${named.label}`;
    const range =
      bound === 'before'
        ? { to: named.day }
        : bound === 'after'
          ? { from: addDays(named.day, 1) }
          : bound === 'since'
            ? { from: named.day }
            : { to: addDays(named.day, 1) };
    return { spec: { kind: 'range', ...range, label }, length: 1 + named.length };
  }
  // last/next <weekday>
  if ((first === 'last' || first === 'next' || first === 'this') && second) {
    const weekday = weekdayIndex(second);
    if (weekday !== undefined) {
      const ahead = (weekday - weekdayOf(today) + 7) % 7;
      const target =
        first === 'last'
          ? addDays(today, ahead - 7 || -7)
          : first === 'next'
            ? addDays(today, ahead || 7)
            : addDays(today, ahead);
      return { spec: day(target, `${first} ${WEEKDAYS[weekday]}`), length: 2 };
    }
  }
  // on <day>, in <month>
  const lead = first === 'on' || first === 'in' ? 1 : 0;
  const month = monthIndex(words[i + lead]?.text ?? '') ?? (lead && words[i + lead]?.text === 'may' ? 4 : undefined);
  if (month !== undefined && !dayAt(words, i + lead, today)) {
    return { spec: { kind: 'month', month, label: `in ${MONTHS[month]}` }, length: lead + 1 };
  }
  const named = dayAt(words, i + lead, today);
  if (named) return { spec: day(named.day, lead ? `on ${named.label}` : named.label), length: lead + named.length };
  return undefined;
}

const BACK = new Set(['last', 'past', 'previous']);
const AHEAD = new Set(['next', 'coming']);

/** "last 7 days", "in the next 2 weeks", "within 3 days": how many of which unit, and which way. */
function spanAt(words: Word[], i: number): { n: number; unit: string; back: boolean; length: number } | undefined {
  const at = (k: number) => words[i + k]?.text ?? '';
  let lead = 0;
  if (at(0) === 'in' && at(1) === 'the') lead = 2;
  else if (at(0) === 'in' || at(0) === 'over' || at(0) === 'during') lead = 1;
  const direction = at(lead);
  const within = lead === 0 && direction === 'within';
  if (!within && !BACK.has(direction) && !AHEAD.has(direction)) return undefined;
  const n = countOf(words[i + lead + 1]);
  const unit = at(lead + 2);
  if (n === undefined || !['day', 'days', 'week', 'weeks'].includes(unit)) return undefined;
  return { n, unit, back: BACK.has(direction), length: lead + 3 };
}

/** A month named alone: this year's, or the nearest one the field looks towards. */
export function resolveMonth(month: number, today: string, looksBack: boolean): { from: string; to: string } {
  const current = Number(today.slice(5, 7)) - 1;
  const year = Number(today.slice(0, 4)) + (looksBack ? (month > current ? -1 : 0) : month < current ? 1 : 0);
  const from = `${year}-${String(month + 1).padStart(2, '0')}-01`;
  return { from, to: monthStart(from, 1) };
}

/** The filters a time phrase puts on a date field, in the person's zone; undefined when it makes no sense there. */
export function timeFilters(
  spec: TimeSpec,
  term: DateTerm,
  entity: EntityTerms,
  now: Date,
  timeZone: string,
): { filters: Filter[]; label: string } | undefined {
  const today = isoDate(now, timeZone);
  const bound = (day: string) => (term.type === 'date' ? day : dayStartUtc(day, timeZone));
  if (spec.kind === 'overdue') {
    if (!entity.openGroup || term !== entity.naturalDate) return undefined;
    const before = term.type === 'date' ? today : now.toISOString().replace('T', ' ').slice(0, 19);
    const { field, op, values, description } = entity.openGroup;
    return {
      filters: [
        { field: term.field, op: 'lessThan', value: before },
        { field, op, value: values },
      ],
      label: `overdue (${term.label} before ${term.type === 'date' ? 'today' : 'now'}, ${description})`,
    };
  }
  const range =
    spec.kind === 'month'
      ? resolveMonth(spec.month, today, term.field === entity.created.field || term === entity.modified)
      : spec;
  const filters: Filter[] = [];
  if (range.from) filters.push({ field: term.field, op: 'greaterThanOrEquals', value: bound(range.from) });
  if (range.to) filters.push({ field: term.field, op: 'lessThan', value: bound(range.to) });
  return { filters, label: `${term.label} ${spec.label}` };
}
