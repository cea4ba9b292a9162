import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompose, effectiveFrom } from '../../../../api/domain/slo/segments.ts';
import { calendarPeriodEnd, parseSloWindow, windowBounds } from '../../../../api/domain/slo/windows.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

describe('SLO windows', () => {
  it('ends a rolling window at the start of the minute containing the instant', () => {
    const window = parseSloWindow('30d');
    if (!window) throw new Error('unparsed');
    const bounds = windowBounds(window, new Date('2026-11-01T12:34:56Z'));
    expect(iso(bounds.to)).toBe('2026-11-01T12:34:00.000Z');
    expect(iso(bounds.from)).toBe('2026-10-02T12:34:00.000Z');
  });

  it.each([
    ['month', 'UTC', '2026-03-15T10:00:00Z', '2026-03-01T00:00:00.000Z'],
    ['month', 'Europe/Berlin', '2026-03-15T10:00:00Z', '2026-02-28T23:00:00.000Z'],
    // After the spring DST change Berlin is UTC+2: April starts at 22:00 UTC on 31 March.
    ['month', 'Europe/Berlin', '2026-04-10T10:00:00Z', '2026-03-31T22:00:00.000Z'],
    // 23:30 UTC on 31 March is already 1 April in Berlin.
    ['month', 'Europe/Berlin', '2026-03-31T23:30:00Z', '2026-03-31T22:00:00.000Z'],
    ['month', 'Asia/Kolkata', '2026-11-01T12:00:00Z', '2026-10-31T18:30:00.000Z'],
    ['month', 'America/Los_Angeles', '2026-11-01T06:00:00Z', '2026-10-01T07:00:00.000Z'],
    ['month', 'America/Los_Angeles', '2026-11-01T08:00:00Z', '2026-11-01T07:00:00.000Z'],
    ['quarter', 'America/New_York', '2026-05-20T00:00:00Z', '2026-04-01T04:00:00.000Z'],
    ['quarter', 'UTC', '2026-12-31T23:59:00Z', '2026-10-01T00:00:00.000Z'],
  ])('starts a calendar %s in %s containing %s at %s', (unit, zone, at, start) => {
    const window = parseSloWindow(unit, zone);
    if (!window) throw new Error('unparsed');
    expect(iso(windowBounds(window, new Date(at)).from)).toBe(start);
  });

  it('knows when the calendar period resets, across the year end', () => {
    expect(iso(calendarPeriodEnd(Date.parse('2026-12-15T00:00:00Z'), 'month', 'Europe/Berlin'))).toBe('2026-12-31T23:00:00.000Z');
    expect(iso(calendarPeriodEnd(Date.parse('2026-11-15T00:00:00Z'), 'quarter', 'UTC'))).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('decompose (window to rollup rows)', () => {
  it('uses minutes to the hour, hours to the day, whole days, then hours and minutes', () => {
    const from = Date.parse('2026-10-25T11:37:00Z');
    const to = Date.parse('2026-11-01T11:37:00Z');
    expect(decompose(from, to).map((s) => [s.resolution, iso(s.from), iso(s.to)])).toEqual([
      ['minute', '2026-10-25T11:37:00.000Z', '2026-10-25T12:00:00.000Z'],
      ['hour', '2026-10-25T12:00:00.000Z', '2026-10-26T00:00:00.000Z'],
      ['day', '2026-10-26T00:00:00.000Z', '2026-11-01T00:00:00.000Z'],
      ['hour', '2026-11-01T00:00:00.000Z', '2026-11-01T11:00:00.000Z'],
      ['minute', '2026-11-01T11:00:00.000Z', '2026-11-01T11:37:00.000Z'],
    ]);
  });

  it('tiles any minute-aligned range exactly, with no gap or overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 * 24 * 60 }), fc.integer({ min: 0, max: 40 * 24 * 60 }), (startMinute, lengthMinutes) => {
        const from = Date.parse('2026-01-01T00:00:00Z') + startMinute * MIN;
        const to = from + lengthMinutes * MIN;
        const segments = decompose(from, to);
        let cursor = from;
        for (const segment of segments) {
          expect(segment.from).toBe(cursor);
          const size = segment.resolution === 'day' ? DAY : segment.resolution === 'hour' ? HOUR : MIN;
          expect(segment.from % size).toBe(0);
          expect(segment.to % size).toBe(0);
          cursor = segment.to;
        }
        expect(cursor).toBe(lengthMinutes === 0 ? from : to);
      }),
    );
  });

  it('widens a head older than the minute horizon to its hour', () => {
    const horizons = { minuteFrom: Date.parse('2026-10-30T00:00:00Z'), hourFrom: Number.NEGATIVE_INFINITY };
    expect(iso(effectiveFrom(Date.parse('2026-10-25T11:37:00Z'), horizons))).toBe('2026-10-25T11:00:00.000Z');
    expect(iso(effectiveFrom(Date.parse('2026-10-31T11:37:00Z'), horizons))).toBe('2026-10-31T11:37:00.000Z');
  });
});
