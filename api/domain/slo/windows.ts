import { DAY_MS, HOUR_MS, MINUTE_MS } from '../rollups.ts';
import { parseDuration } from '../../lib/duration.ts';

/**
 * An SLO window: rolling (the last N, e.g. 30d) or calendar (the month or quarter so far, in a
 * time zone). Evaluation works on whole minutes: a window evaluated at `at` ends at the start of
 * the minute containing `at`, so it never counts half a minute and matches the rollups exactly.
 */
export type SloWindow =
  | { kind: 'rolling'; ms: number }
  | { kind: 'calendar'; unit: 'month' | 'quarter'; timeZone: string };

export function parseSloWindow(text: string, timeZone = 'UTC'): SloWindow | null {
  if (text === 'month' || text === 'quarter') return { kind: 'calendar', unit: text, timeZone };
  const ms = parseDuration(text);
  return ms === null ? null : { kind: 'rolling', ms: Math.floor(ms / MINUTE_MS) * MINUTE_MS };
}

export const floorTo = (ms: number, size: number): number => Math.floor(ms / size) * size;
export const ceilTo = (ms: number, size: number): number => Math.ceil(ms / size) * size;

/** The end of every window evaluated at `at`: the start of the minute containing it. */
export function evaluationEnd(at: Date | number): number {
  return floorTo(typeof at === 'number' ? at : at.getTime(), MINUTE_MS);
}

export interface WindowBounds {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms (minute-aligned). */
  to: number;
}

/** The window [from, to) an SLO is measured over when evaluated at `at`. */
export function windowBounds(window: SloWindow, at: Date | number): WindowBounds {
  const to = evaluationEnd(at);
  if (window.kind === 'rolling') return { from: to - window.ms, to };
  const atMs = typeof at === 'number' ? at : at.getTime();
  return { from: calendarPeriodStart(atMs, window.unit, window.timeZone), to };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localTime(utcMs: number, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(utcMs))
      .filter((part) => part.type !== 'literal')
      .map((part) => [part.type, Number(part.value)]),
  );
  return {
    year: parts['year'] ?? 1970,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: (parts['hour'] ?? 0) % 24,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** Offset of the zone from UTC at an instant (local − UTC), in ms. */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const local = localTime(utcMs, timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - floorTo(utcMs, 1000);
}

/**
 * The UTC instant of a local wall-clock midnight. Two passes settle the offset on either side
 * of a DST change; a midnight that does not exist (a zone that springs forward at 00:00) maps
 * to the first instant of that local day.
 */
export function localMidnightUtc(year: number, month1: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month1 - 1, day);
  let utc = wall - zoneOffsetMs(wall, timeZone);
  utc = wall - zoneOffsetMs(utc, timeZone);
  return utc;
}

/** Start of the calendar month or quarter containing `atMs`, in the given zone. */
export function calendarPeriodStart(atMs: number, unit: 'month' | 'quarter', timeZone: string): number {
  const local = localTime(atMs, timeZone);
  const month = unit === 'month' ? local.month : Math.floor((local.month - 1) / 3) * 3 + 1;
  return localMidnightUtc(local.year, month, 1, timeZone);
}

/** Start of the next calendar period after the one containing `atMs` (for "resets at"). */
export function calendarPeriodEnd(atMs: number, unit: 'month' | 'quarter', timeZone: string): number {
  const local = localTime(atMs, timeZone);
  const first = unit === 'month' ? local.month : Math.floor((local.month - 1) / 3) * 3 + 1;
  const next = first + (unit === 'month' ? 1 : 3);
  return localMidnightUtc(local.year + Math.floor((next - 1) / 12), ((next - 1) % 12) + 1, 1, timeZone);
}

export { DAY_MS, HOUR_MS, MINUTE_MS };
