import { describe, expect, it } from 'vitest';
import { addDays, monthStart, quarterStart, weekStart, weekdayOf } from '../../../src/core/understanding/calendar.js';
import { resolveMonth, timeAt, type TimeSpec } from '../../../src/core/understanding/time.js';
import { wordsOf } from '../../../src/core/understanding/words.js';

/** Wednesday 18 November 2026. */
const TODAY = '2026-11-18';
const spec = (text: string, today = TODAY): TimeSpec | undefined => timeAt(wordsOf(text), 0, today)?.spec;
const range = (text: string, today = TODAY) => {
  const found = spec(text, today);
  return found?.kind === 'range' ? { from: found.from, to: found.to } : found;
};

describe('calendar', () => {
  it('counts days across months, years and leap days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('starts weeks on Monday, and finds months and quarters', () => {
    expect(weekdayOf('2026-11-16')).toBe(0);
    expect(weekdayOf('2026-11-22')).toBe(6);
    expect(weekStart('2026-11-22')).toBe('2026-11-16');
    expect(weekStart('2026-11-16', -1)).toBe('2026-11-09');
    expect(monthStart('2026-12-15', 1)).toBe('2027-01-01');
    expect(quarterStart('2026-11-18')).toBe('2026-10-01');
    expect(quarterStart('2026-11-18', -1)).toBe('2026-07-01');
    expect(quarterStart('2026-02-01', -1)).toBe('2025-10-01');
  });
});

describe('time phrases', () => {
  it.each([
    ['today', '2026-11-18', '2026-11-19'],
    ['tomorrow', '2026-11-19', '2026-11-20'],
    ['yesterday', '2026-11-17', '2026-11-18'],
    ['this week', '2026-11-16', '2026-11-23'],
    ['next week', '2026-11-23', '2026-11-30'],
    ['last week', '2026-11-09', '2026-11-16'],
    ['this month', '2026-11-01', '2026-12-01'],
    ['next month', '2026-12-01', '2027-01-01'],
    ['last month', '2026-10-01', '2026-11-01'],
    ['this quarter', '2026-10-01', '2027-01-01'],
    ['next quarter', '2027-01-01', '2027-04-01'],
    ['last quarter', '2026-07-01', '2026-10-01'],
    ['this year', '2026-01-01', '2027-01-01'],
    ['last year', '2025-01-01', '2026-01-01'],
    ['in 3 days', '2026-11-21', '2026-11-22'],
    ['in three days', '2026-11-21', '2026-11-22'],
    ['last 7 days', '2026-11-11', '2026-11-19'],
    ['in the last 30 days', '2026-10-19', '2026-11-19'],
    ['past 2 weeks', '2026-11-04', '2026-11-19'],
    ['next 5 days', '2026-11-18', '2026-11-24'],
    ['within 2 days', '2026-11-18', '2026-11-21'],
    ['friday', '2026-11-20', '2026-11-21'],
    ['on monday', '2026-11-23', '2026-11-24'],
    ['wednesday', '2026-11-18', '2026-11-19'],
    ['next wednesday', '2026-11-25', '2026-11-26'],
    ['last friday', '2026-11-13', '2026-11-14'],
    ['2 days ago', '2026-11-16', '2026-11-17'],
    ['dec 5', '2026-12-05', '2026-12-06'],
    ['5 december', '2026-12-05', '2026-12-06'],
    ['on 2026-12-24', '2026-12-24', '2026-12-25'],
  ])('%j covers %s up to %s', (text, from, to) => {
    expect(range(text)).toEqual({ from, to });
  });

  it.each([
    ['before friday', undefined, '2026-11-20'],
    ['after 2026-12-01', '2026-12-02', undefined],
    // A Wednesday: "since Monday" is the Monday gone by, two days ago.
    ['since monday', '2026-11-16', undefined],
    ['since 2026-11-01', '2026-11-01', undefined],
    ['until tomorrow', undefined, '2026-11-20'],
    ['by friday', undefined, '2026-11-21'],
  ])('%j is open at one end', (text, from, to) => {
    expect(range(text)).toEqual({ from, to });
  });

  it('reads overdue, and a month named alone by the way its field looks', () => {
    expect(spec('overdue')).toEqual({ kind: 'overdue', label: 'overdue' });
    expect(spec('past due')?.kind).toBe('overdue');
    expect(spec('in march')).toMatchObject({ kind: 'month', month: 2 });
    expect(spec('march')).toMatchObject({ kind: 'month', month: 2 });
    // A close date looks ahead: next March; a creation date back: last March. November is this one either way.
    expect(resolveMonth(2, TODAY, false)).toEqual({ from: '2027-03-01', to: '2027-04-01' });
    expect(resolveMonth(2, TODAY, true)).toEqual({ from: '2026-03-01', to: '2026-04-01' });
    expect(resolveMonth(11, TODAY, true)).toEqual({ from: '2025-12-01', to: '2026-01-01' });
    expect(resolveMonth(10, TODAY, false)).toEqual({ from: '2026-11-01', to: '2026-12-01' });
  });

  it('is no time phrase for other words', () => {
    for (const text of ['acme', 'may', 'in process', 'this deal', 'last', 'next', 'in 3 deals', '42']) {
      expect(spec(text)).toBeUndefined();
    }
  });

  it('turns over years at the edges', () => {
    expect(range('tomorrow', '2026-12-31')).toEqual({ from: '2027-01-01', to: '2027-01-02' });
    expect(range('next week', '2026-12-31')).toEqual({ from: '2027-01-04', to: '2027-01-11' });
    expect(range('last month', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2026-01-01' });
  });
});
