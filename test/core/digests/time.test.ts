import { describe, expect, it } from 'vitest';
import { localDay, localTimeUtc, nextRunAfter, pipelineDue, weekStart } from '../../../src/core/digests/time.js';

const NY = 'America/New_York';
const iso = (date: Date) => date.toISOString();

describe('nextRunAfter', () => {
  it('is later the same day when the local time has not come yet, else the next day', () => {
    // Monday 2026-06-01, 08:00 in New York (EDT, UTC-4).
    expect(iso(nextRunAfter({ time: '09:00', days: 'daily', timeZone: NY }, new Date('2026-06-01T12:00:00Z')))).toBe(
      '2026-06-01T13:00:00.000Z',
    );
    expect(iso(nextRunAfter({ time: '09:00', days: 'daily', timeZone: NY }, new Date('2026-06-01T13:00:00Z')))).toBe(
      '2026-06-02T13:00:00.000Z',
    );
    expect(iso(nextRunAfter({ time: '09:00', days: 'daily', timeZone: NY }, new Date('2026-06-01T13:00:01Z')))).toBe(
      '2026-06-02T13:00:00.000Z',
    );
  });

  it('skips Saturday and Sunday on weekdays, but not daily', () => {
    const friday = new Date('2026-06-05T13:00:00Z');
    expect(iso(nextRunAfter({ time: '09:00', days: 'weekdays', timeZone: NY }, friday))).toBe(
      '2026-06-08T13:00:00.000Z',
    );
    expect(iso(nextRunAfter({ time: '09:00', days: 'daily', timeZone: NY }, friday))).toBe('2026-06-06T13:00:00.000Z');
    // On a Saturday afternoon: Monday.
    expect(iso(nextRunAfter({ time: '09:00', days: 'weekdays', timeZone: NY }, new Date('2026-06-06T20:00:00Z')))).toBe(
      '2026-06-08T13:00:00.000Z',
    );
  });

  it('keeps the local time across daylight-saving changes', () => {
    // US clocks go forward on 2026-03-08 and back on 2026-11-01.
    const spring = { time: '09:00', days: 'daily' as const, timeZone: NY };
    expect(iso(nextRunAfter(spring, new Date('2026-03-07T15:00:00Z')))).toBe('2026-03-08T13:00:00.000Z');
    expect(iso(nextRunAfter(spring, new Date('2026-03-06T15:00:00Z')))).toBe('2026-03-07T14:00:00.000Z');
    expect(iso(nextRunAfter(spring, new Date('2026-10-31T14:00:00Z')))).toBe('2026-11-01T14:00:00.000Z');
  });

  it('counts days in the zone, not in UTC', () => {
    // 23:30 UTC Monday is already Tuesday 08:30 in Tokyo: the next 08:00 there is Wednesday's.
    expect(
      iso(nextRunAfter({ time: '08:00', days: 'daily', timeZone: 'Asia/Tokyo' }, new Date('2026-06-01T23:30:00Z'))),
    ).toBe('2026-06-02T23:00:00.000Z');
    // Weekdays are the zone's: Friday 20:00 in Los Angeles is Saturday in UTC, and Monday is next.
    expect(
      iso(
        nextRunAfter(
          { time: '07:00', days: 'weekdays', timeZone: 'America/Los_Angeles' },
          new Date('2026-06-05T18:00:00Z'),
        ),
      ),
    ).toBe('2026-06-08T14:00:00.000Z');
    // UTC+14: the local date is a day ahead of UTC's.
    expect(
      iso(
        nextRunAfter(
          { time: '00:30', days: 'daily', timeZone: 'Pacific/Kiritimati' },
          new Date('2026-06-01T10:00:00Z'),
        ),
      ),
    ).toBe('2026-06-01T10:30:00.000Z');
  });

  it('uses UTC for a zone Intl does not know', () => {
    expect(
      iso(nextRunAfter({ time: '09:00', days: 'daily', timeZone: 'Mars/Olympus' }, new Date('2026-06-01T08:00:00Z'))),
    ).toBe('2026-06-01T09:00:00.000Z');
  });
});

describe('localTimeUtc', () => {
  it('puts a time in the spring-forward gap just after it, and a repeated one at its first occurrence', () => {
    expect(iso(localTimeUtc('2026-03-08', '02:30', NY))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(localTimeUtc('2026-11-01', '01:30', NY))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('converts in zones east and west of UTC', () => {
    expect(iso(localTimeUtc('2026-01-15', '09:00', 'Europe/Berlin'))).toBe('2026-01-15T08:00:00.000Z');
    expect(iso(localTimeUtc('2026-07-15', '09:00', 'Europe/Berlin'))).toBe('2026-07-15T07:00:00.000Z');
    expect(iso(localTimeUtc('2026-07-15', '09:00', 'Asia/Kolkata'))).toBe('2026-07-15T03:30:00.000Z');
  });
});

describe('localDay', () => {
  it('is the local date with its start and end, 23 hours long on the spring-forward day', () => {
    expect(localDay(new Date('2026-06-01T13:00:00Z'), NY)).toEqual({
      date: '2026-06-01',
      start: new Date('2026-06-01T04:00:00Z'),
      end: new Date('2026-06-02T04:00:00Z'),
    });
    const spring = localDay(new Date('2026-03-08T15:00:00Z'), NY);
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * 3_600_000);
  });
});

describe('weekStart and pipelineDue', () => {
  it("starts the week Monday at local midnight, in the digest's zone", () => {
    // Sunday 2026-06-07 23:30 in New York is already Monday in UTC; its week still began Monday June 1.
    expect(iso(weekStart(new Date('2026-06-08T03:30:00Z'), NY))).toBe('2026-06-01T04:00:00.000Z');
    expect(iso(weekStart(new Date('2026-06-08T13:00:00Z'), NY))).toBe('2026-06-08T04:00:00.000Z');
    expect(iso(weekStart(new Date('2026-06-08T13:00:00Z'), 'Asia/Tokyo'))).toBe('2026-06-07T15:00:00.000Z');
  });

  it('is due in the first digest sent each local week of one scheduled with the pipeline', () => {
    const monday = new Date('2026-06-08T13:00:00Z');
    const plan = { pipeline: true, timeZone: NY };
    expect(pipelineDue(plan, monday)).toBe(true);
    // Sent Sunday night in New York (Monday in UTC): last week's.
    expect(pipelineDue({ ...plan, lastSentAt: new Date('2026-06-08T03:30:00Z') }, monday)).toBe(true);
    expect(pipelineDue({ ...plan, lastSentAt: monday }, new Date('2026-06-09T13:00:00Z'))).toBe(false);
    expect(pipelineDue({ timeZone: NY }, monday)).toBe(false);
  });
});
