import type { NearMissConfig } from '../../config/near-misses.ts';
import type { NearMissSignal } from '../../../db/schema/near-misses.ts';
import type { SliKind } from '../../../db/schema/slos.ts';
import type { SloWindow } from '../slo/windows.ts';

/** A monitor as the detector sees it. */
export interface DetectorMonitor {
  id: string;
  componentId: string | null;
  intervalMs: number;
  downAfter: number;
  upAfter: number;
  regions: readonly string[];
  /** Share of regions that must agree before the component's status changes. */
  quorum: number;
}

export interface DetectorAlertRule {
  name: string;
  severity: 'page' | 'ticket';
  longWindowMs: number;
  shortWindowMs: number;
  burnRate: number;
}

export interface DetectorSlo {
  id: string;
  name: string;
  service: string;
  componentId: string | null;
  sliKind: SliKind;
  target: number;
  /** Length of the SLO window (calendar windows use their nominal length: month 30 d, quarter 91 d); sizes the costly-event budget. */
  windowMs: number;
  /** The SLO's window as the engine parses it (calendar windows in their time zone): budget at risk. */
  window: SloWindow;
  monitors: readonly string[];
  latencyThresholdMs: number | null;
  alertRules: readonly DetectorAlertRule[];
}

/** One raw probe result. */
export interface DetectorSample {
  monitorId: string;
  region: string;
  atMs: number;
  ok: boolean;
  latencyMs: number;
  tlsExpiresAtMs: number | null;
}

/** Good/total per minute of one SLO series, minute `i` starting at `startMs + i·60 s`. */
export interface MinuteSeries {
  startMs: number;
  good: readonly number[];
  total: readonly number[];
}

export interface DetectorChange {
  id: string;
  service: string;
  atMs: number;
  version: string | null;
}

export interface DetectorIncident {
  id: string;
  startedAtMs: number;
  resolvedAtMs: number | null;
  componentIds: readonly string[];
}

export interface DetectionInput {
  /** The range detections must overlap (ms). Data before it is read as look-back. */
  fromMs: number;
  toMs: number;
  monitors: readonly DetectorMonitor[];
  slos: readonly DetectorSlo[];
  /** Sorted by time. */
  samples: readonly DetectorSample[];
  sloMinutes: ReadonlyMap<string, MinuteSeries>;
  changes: readonly DetectorChange[];
  /** Non-drill incidents only. */
  incidents: readonly DetectorIncident[];
  config: NearMissConfig;
}

/** One condition found: a near miss, or (escalated) one that grew into what it warned of. */
export interface Detection {
  signal: NearMissSignal;
  /** Stable across ticks and re-scans: one ongoing condition is one row. */
  dedupeKey: string;
  title: string;
  startedAtMs: number;
  /** Null while the condition lasts. */
  endedAtMs: number | null;
  monitorId: string | null;
  sloId: string | null;
  componentId: string | null;
  region: string | null;
  evidence: Record<string, unknown>;
  budgetAtRisk: number | null;
  /** The condition became the real thing (monitor down, page alert, incident): not a near miss. */
  escalated: boolean;
  incidentId: string | null;
}

export type DetectionDraft = Omit<Detection, 'incidentId'>;
