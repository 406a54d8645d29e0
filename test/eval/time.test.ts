import { describe, expect, it } from 'vitest';
import { dayOf, isPast, windows, within } from '../../eval/time.js';

/** The evaluation's time words, in the rep's zone: a Wednesday, 11:00 in New York (15:00 UTC). */
const clock = { now: new Date('2026-03-11T15:00:00Z'), timeZone: 'America/New_York' };

describe("the evaluation's time windows", () => {
  it('reads weeks from Monday, months and quarters by the calendar', () => {
    expect(windows.thisWeek(clock)).toEqual({ from: '2026-03-09', to: '2026-03-16' });
    expect(windows.lastWeek(clock)).toEqual({ from: '2026-03-02', to: '2026-03-09' });
    expect(windows.nextMonth(clock)).toEqual({ from: '2026-04-01', to: '2026-05-01' });
    expect(windows.thisQuarter(clock)).toEqual({ from: '2026-01-01', to: '2026-04-01' });
    expect(windows.lastQuarter(clock)).toEqual({ from: '2025-10-01', to: '2026-01-01' });
    expect(windows.since(clock, 'monday')).toEqual({ from: '2026-03-09' });
    expect(windows.on(clock, 'friday')).toEqual({ from: '2026-03-13', to: '2026-03-14' });
  });

  it('puts a UTC datetime on the local day it falls on', () => {
    expect(dayOf('2026-03-12 02:00:00', clock.timeZone)).toBe('2026-03-11');
    expect(within('2026-03-12 02:00:00', windows.today(clock), clock.timeZone)).toBe(true);
    expect(within('2026-03-12', windows.today(clock), clock.timeZone)).toBe(false);
    expect(isPast('2026-03-11 14:00:00', clock)).toBe(true);
    expect(isPast('2026-03-11', clock)).toBe(false);
  });
});
