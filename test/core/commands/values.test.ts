import { describe, expect, it } from 'vitest';
import { coerceValue, dayStartUtc, isoDate, parseAmount } from '../../../src/core/commands/values.js';

describe('values', () => {
  it.each([
    ['2026-07-04', 'America/Los_Angeles', 0, '2026-07-04 07:00:00'],
    ['2026-11-25', 'America/Los_Angeles', 0, '2026-11-25 08:00:00'],
    // US daylight saving starts at 02:00 on 2026-03-08: that day begins in PST and ends in PDT.
    ['2026-03-08', 'America/Los_Angeles', 0, '2026-03-08 08:00:00'],
    ['2026-03-08', 'America/Los_Angeles', 1, '2026-03-09 07:00:00'],
    ['2026-11-25', 'Asia/Kolkata', 0, '2026-11-24 18:30:00'],
    ['2026-11-25', 'UTC', 0, '2026-11-25 00:00:00'],
    ['2026-11-25', 'Not/AZone', 0, '2026-11-25 00:00:00'],
  ])('day %s in %s (+%i) starts at %s UTC', (date, zone, days, expected) => {
    expect(dayStartUtc(date, zone, days)).toBe(expected);
  });

  it('knows today in the person’s zone', () => {
    const lateEvening = new Date('2026-11-26T03:00:00Z'); // still the 25th in New York
    expect(isoDate(lateEvening, 'America/New_York')).toBe('2026-11-25');
    expect(isoDate(lateEvening, 'Europe/Berlin')).toBe('2026-11-26');
  });

  it.each([
    ['10k', 10_000],
    ['1.5m', 1_500_000],
    ['12,500', 12_500],
    ['-3', -3],
    ['ten', undefined],
  ])('amount %s', (raw, expected) => {
    expect(parseAmount(raw)).toBe(expected);
  });

  it('types values by field', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    expect(coerceValue('amount', '10k', 'currency', now, 'UTC')).toBe(10_000);
    expect(coerceValue('doNotCall', 'no', 'bool', now, 'UTC')).toBe(false);
    expect(coerceValue('dueDate', 'tomorrow', undefined, now, 'UTC')).toBe('2026-11-26');
    expect(coerceValue('name', 'today', 'varchar', now, 'UTC')).toBe('today');
  });
});
