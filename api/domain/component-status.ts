import type { ComponentStatus } from '../../db/schema/components.ts';
import type { MonitorStateStatus } from '../../db/schema/monitors.ts';

/**
 * How bad each component status is, for "the worst of" comparisons. Maintenance ranks just
 * above operational: it is announced, so any real degradation beside it is worse news.
 */
const SEVERITY: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export function statusSeverity(status: ComponentStatus): number {
  return SEVERITY[status];
}

/** The worse of two statuses; the first wins a tie. */
export function worseStatus(a: ComponentStatus, b: ComponentStatus): ComponentStatus {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/** One monitor's state in one region, as the quorum rule sees it. */
export interface RegionMonitorState {
  monitorId: string;
  region: string;
  status: MonitorStateStatus;
}

export interface QuorumVerdict {
  /** Null while no region has reported anything (no data is never "operational"). */
  status: ComponentStatus | null;
  /** Regions with a known state, and how many of them voted for each level. */
  regions: number;
  downVotes: number;
  outageVotes: number;
  degradedVotes: number;
}

/**
 * Derives a component's status from its monitors across regions. Each region votes with the
 * states of the component's monitors there: "major" when all of them are down, "outage" when
 * any is down, "degraded" when any is down or degraded. A level applies only when at least
 * `quorum` (a share, 0–1] of the regions that have reported votes for it, so one region's
 * network trouble cannot turn the component red on its own (with enough regions).
 */
export function deriveComponentStatus(states: readonly RegionMonitorState[], quorum: number): QuorumVerdict {
  const byRegion = new Map<string, MonitorStateStatus[]>();
  for (const state of states) {
    if (state.status === 'unknown') continue;
    const list = byRegion.get(state.region) ?? [];
    list.push(state.status);
    byRegion.set(state.region, list);
  }
  const regions = byRegion.size;
  let downVotes = 0;
  let outageVotes = 0;
  let degradedVotes = 0;
  for (const statuses of byRegion.values()) {
    if (statuses.every((status) => status === 'down')) downVotes += 1;
    if (statuses.some((status) => status === 'down')) outageVotes += 1;
    if (statuses.some((status) => status === 'down' || status === 'degraded')) degradedVotes += 1;
  }
  if (regions === 0) return { status: null, regions, downVotes, outageVotes, degradedVotes };
  // A tiny epsilon so that e.g. 1 of 2 regions meets a 0.5 quorum despite float rounding.
  const agrees = (votes: number) => votes > 0 && votes / regions + 1e-9 >= quorum;
  const status: ComponentStatus = agrees(downVotes)
    ? 'major_outage'
    : agrees(outageVotes)
      ? 'partial_outage'
      : agrees(degradedVotes)
        ? 'degraded_performance'
        : 'operational';
  return { status, regions, downVotes, outageVotes, degradedVotes };
}
