import type { IncidentImpact } from '../../db/schema/incidents.ts';
import { DAY_MS, bucketStart } from './rollups.ts';

/** One cell of the 90-day uptime bar: one UTC day of one component. */
export interface UptimeDay {
  /** `YYYY-MM-DD`, UTC. */
  date: string;
  total: number;
  good: number;
  /** good / total, or null when the day has no probe results (never counted as up). */
  uptime: number | null;
  incidents: number;
  worstImpact: IncidentImpact | null;
}

export interface DailyCounts {
  /** Day start, epoch ms UTC. */
  bucket: number;
  total: number;
  good: number;
}

export interface IncidentSpan {
  startedAt: Date;
  resolvedAt: Date | null;
  impact: IncidentImpact;
}

const IMPACT_RANK: Record<IncidentImpact, number> = { none: 0, minor: 1, major: 2, critical: 3 };

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The last `days` UTC days ending with today's (partial) day, oldest first. Days without probe
 * results have `uptime: null`: no data is shown as no data, never as 100 %.
 */
export function uptimeDays(counts: readonly DailyCounts[], incidents: readonly IncidentSpan[], now: Date, days = 90): UptimeDay[] {
  const today = bucketStart(now.getTime(), 'day');
  const byBucket = new Map<number, { total: number; good: number }>();
  for (const row of counts) {
    const entry = byBucket.get(row.bucket) ?? { total: 0, good: 0 };
    entry.total += row.total;
    entry.good += row.good;
    byBucket.set(row.bucket, entry);
  }
  const out: UptimeDay[] = [];
  for (let index = days - 1; index >= 0; index -= 1) {
    const start = today - index * DAY_MS;
    const end = start + DAY_MS;
    const entry = byBucket.get(start) ?? { total: 0, good: 0 };
    let count = 0;
    let worst: IncidentImpact | null = null;
    for (const incident of incidents) {
      const from = incident.startedAt.getTime();
      const to = incident.resolvedAt?.getTime() ?? now.getTime();
      if (from < end && to >= start) {
        count += 1;
        if (worst === null || IMPACT_RANK[incident.impact] > IMPACT_RANK[worst]) worst = incident.impact;
      }
    }
    out.push({
      date: isoDay(start),
      total: entry.total,
      good: entry.good,
      uptime: entry.total > 0 ? entry.good / entry.total : null,
      incidents: count,
      worstImpact: worst,
    });
  }
  return out;
}

/** Uptime over the last `window` days of a day list (good/total summed), null without data. */
export function uptimeOver(days: readonly UptimeDay[], window: number): number | null {
  const slice = days.slice(-window);
  const total = slice.reduce((sum, day) => sum + day.total, 0);
  const good = slice.reduce((sum, day) => sum + day.good, 0);
  return total > 0 ? good / total : null;
}
