import { and, asc, eq, gte, inArray, isNull, like, or } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import {
  LATENCY_BUCKET_COLUMNS,
  componentGroups,
  components,
  incidentComponents,
  incidents,
  monitors,
  rollupsDay,
  rollupsHour,
  type RollupTable,
} from '../../../db/schema/index.ts';
import { DAY_MS, HOUR_MS, bucketStart, latencyQuantile, type LatencyBucketColumn } from '../../domain/rollups.ts';
import { uptimeDays, uptimeOver, type DailyCounts, type IncidentSpan } from '../../domain/uptime.ts';
import { loadComponentStatuses } from '../../services/component-status.ts';
import type { SiteComponentsResponse } from './schemas.ts';

type RollupRow = RollupTable['$inferSelect'];
type LatencyPoint = SiteComponentsResponse['components'][number]['latencyDaily'][number];

export interface SiteDataOptions {
  now: Date;
  days: number;
  includeHidden: boolean;
  page: { name: string; timeZone: string; staleAfterMs: number };
}

const HOURLY_WINDOW_MS = 48 * HOUR_MS;

/** `monitor:<id>:<region>` → the monitor id (keys cannot contain ':'). */
const monitorOfSeries = (series: string): string | undefined => series.split(':')[1];

/** Sums rollup rows of several series (monitors × regions) into one latency point per bucket. */
function latencySeries(rows: readonly RollupRow[], buckets: readonly number[]): LatencyPoint[] {
  const byBucket = new Map<number, RollupRow[]>();
  for (const row of rows) byBucket.set(row.bucket, [...(byBucket.get(row.bucket) ?? []), row]);
  return buckets.map((bucket) => {
    const group = byBucket.get(bucket) ?? [];
    const latencyCount = group.reduce((sum, row) => sum + row.latencyCount, 0);
    const latencySum = group.reduce((sum, row) => sum + row.latencySum, 0);
    const histogram = Object.fromEntries(
      LATENCY_BUCKET_COLUMNS.map((column) => [column, group.reduce((sum, row) => sum + row[column], 0)]),
    ) as Record<LatencyBucketColumn, number>;
    const p95 = latencyQuantile({ latencyCount, buckets: histogram }, 0.95);
    return {
      at: new Date(bucket).toISOString(),
      avgMs: latencyCount > 0 ? Math.round((latencySum / latencyCount) * 10) / 10 : null,
      // Above the largest histogram bound the exact figure is unknown; the max bound is a floor.
      p95Ms: p95 === null ? null : Number.isFinite(p95) ? p95 : 10_000,
    };
  });
}

/**
 * Everything the status site shows per component that the Statuspage-compatible API does not
 * carry: effective status with its data freshness, daily uptime cells, uptime over 7/30/90
 * days and response-time series. Read-only; summed from the day/hour rollups, never raw rows.
 */
export async function loadSiteComponents(database: Database, options: SiteDataOptions): Promise<SiteComponentsResponse> {
  const { now, days } = options;
  const orm = database.orm;
  const componentRows = await orm
    .select()
    .from(components)
    .where(options.includeHidden ? isNull(components.archivedAt) : and(isNull(components.archivedAt), eq(components.public, true)))
    .orderBy(asc(components.position), asc(components.id));
  const componentIds = componentRows.map((row) => row.id);
  const groupRows = await orm.select().from(componentGroups).where(isNull(componentGroups.archivedAt)).orderBy(asc(componentGroups.position));
  const usedGroups = new Set(componentRows.map((row) => row.groupId));

  const monitorRows =
    componentIds.length === 0
      ? []
      : await orm
          .select({ id: monitors.id, componentId: monitors.componentId })
          .from(monitors)
          .where(and(isNull(monitors.archivedAt), inArray(monitors.componentId, componentIds)));
  const componentOfMonitor = new Map(monitorRows.map((row) => [row.id, row.componentId]));

  // Effective status and data freshness come from the one place that derives them (issue 3).
  const statuses = new Map(
    (await loadComponentStatuses(database, now, options.page.staleAfterMs)).map((entry) => [entry.id, entry]),
  );

  const today = bucketStart(now.getTime(), 'day');
  const firstDay = today - (days - 1) * DAY_MS;
  const dayRows = await orm
    .select()
    .from(rollupsDay)
    .where(and(like(rollupsDay.series, 'monitor:%'), gte(rollupsDay.bucket, firstDay)));
  const firstHour = bucketStart(now.getTime() - HOURLY_WINDOW_MS, 'hour') + HOUR_MS;
  const hourRows = await orm
    .select()
    .from(rollupsHour)
    .where(and(like(rollupsHour.series, 'monitor:%'), gte(rollupsHour.bucket, firstHour)));
  const rowsByComponent = (rows: readonly RollupRow[]) => {
    const out = new Map<string, RollupRow[]>();
    for (const row of rows) {
      const monitorId = monitorOfSeries(row.series);
      const componentId = monitorId ? componentOfMonitor.get(monitorId) : undefined;
      if (!componentId) continue;
      out.set(componentId, [...(out.get(componentId) ?? []), row]);
    }
    return out;
  };
  const daysByComponent = rowsByComponent(dayRows);
  const hoursByComponent = rowsByComponent(hourRows);

  // Incidents touching the window; drills are rehearsals and never reach readers.
  const incidentRows =
    componentIds.length === 0
      ? []
      : await orm
          .select({
            componentId: incidentComponents.componentId,
            startedAt: incidents.startedAt,
            resolvedAt: incidents.resolvedAt,
            impact: incidents.impact,
          })
          .from(incidentComponents)
          .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
          .where(
            and(
              inArray(incidentComponents.componentId, componentIds),
              eq(incidents.drill, false),
              or(isNull(incidents.resolvedAt), gte(incidents.resolvedAt, new Date(firstDay))),
            ),
          );
  const incidentsByComponent = new Map<string, IncidentSpan[]>();
  for (const row of incidentRows) {
    incidentsByComponent.set(row.componentId, [...(incidentsByComponent.get(row.componentId) ?? []), row]);
  }

  const dayBuckets = Array.from({ length: days }, (_, index) => firstDay + index * DAY_MS);
  const hourBuckets = Array.from({ length: HOURLY_WINDOW_MS / HOUR_MS }, (_, index) => firstHour + index * HOUR_MS);

  return {
    generatedAt: now.toISOString(),
    page: options.page,
    groups: groupRows
      .filter((row) => usedGroups.has(row.id))
      .map((row) => ({ id: row.id, name: row.name, description: row.description, position: row.position })),
    components: componentRows.map((row) => {
      const counts: DailyCounts[] = daysByComponent.get(row.id) ?? [];
      const cells = uptimeDays(counts, incidentsByComponent.get(row.id) ?? [], now, days);
      const entry = statuses.get(row.id);
      const lastDataAt = entry?.lastDataAt ?? null;
      return {
        id: row.id,
        name: row.name,
        description: row.description,
        groupId: row.groupId,
        position: row.position,
        public: row.public,
        // Statuspage has no "unknown"; a status resting on nothing is sent as null, never as operational.
        status: entry && entry.source !== 'none' ? entry.status : null,
        dataState: entry?.dataState ?? 'no_data',
        lastDataAt: lastDataAt?.toISOString() ?? null,
        uptime: { d7: uptimeOver(cells, 7), d30: uptimeOver(cells, 30), d90: uptimeOver(cells, 90) },
        days: cells,
        latencyDaily: latencySeries(daysByComponent.get(row.id) ?? [], dayBuckets),
        latencyHourly: latencySeries(hoursByComponent.get(row.id) ?? [], hourBuckets),
      };
    }),
  };
}
