import { index, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, flag, json, timestamp, updatedAt } from './columns.ts';

export const NEAR_MISS_SIGNALS = [
  'failure_streak',
  'regional_failure',
  'burn_spike',
  'slow_burn',
  'costly_event',
  'latency_headroom',
  'tls_expiry',
  'deploy_regression',
  'no_data',
] as const;
export type NearMissSignal = (typeof NEAR_MISS_SIGNALS)[number];
export const NEAR_MISS_STATUSES = ['new', 'analysing', 'actioned', 'accepted_risk'] as const;
export type NearMissStatus = (typeof NEAR_MISS_STATUSES)[number];
export const NEAR_MISS_SOURCES = ['detected', 'reported', 'alertmanager'] as const;
export type NearMissSource = (typeof NEAR_MISS_SOURCES)[number];

export const nearMisses = sqliteTable(
  'near_misses',
  {
    id: text('id').primaryKey(),
    source: text('source').$type<NearMissSource>().notNull(),
    /** Detector signal name; null for hand-reported ones. */
    signal: text('signal').$type<NearMissSignal>(),
    status: text('status').$type<NearMissStatus>().notNull().default('new'),
    title: text('title').notNull(),
    summary: text('summary'),
    startedAt: timestamp('started_at').notNull(),
    endedAt: timestamp('ended_at'),
    /** One ongoing condition is one near miss: the detector upserts on this key. */
    dedupeKey: text('dedupe_key'),
    monitorId: text('monitor_id'),
    sloId: text('slo_id'),
    componentId: text('component_id'),
    region: text('region'),
    evidence: json<Record<string, unknown>>('evidence'),
    /** Share of the SLO's budget that would have been spent had it continued. */
    budgetAtRisk: real('budget_at_risk'),
    incidentId: text('incident_id'),
    // Hand-reported fields.
    reporter: text('reporter'),
    anonymous: flag('anonymous').notNull().default(false),
    discoveredAt: timestamp('discovered_at'),
    discoveredHow: text('discovered_how'),
    whatHappened: text('what_happened'),
    stoppedBy: text('stopped_by').$type<'automation' | 'human' | 'luck'>(),
    worstOutcome: text('worst_outcome'),
    contributingFactors: json<string[]>('contributing_factors'),
    recurrenceLikelihood: text('recurrence_likelihood'),
    links: json<{ changes?: string[]; alerts?: string[]; incidents?: string[] }>('links'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('near_misses_dedupe_idx').on(t.dedupeKey),
    index('near_misses_started_idx').on(t.startedAt),
    index('near_misses_signal_idx').on(t.signal, t.status),
  ],
);
