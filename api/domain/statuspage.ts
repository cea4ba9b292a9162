import type { ComponentStatus, IncidentImpact } from '../../db/schema/index.ts';
import { statusSeverity } from './component-status.ts';

/**
 * Page-level status in Statuspage's vocabulary, from the public components and open incidents.
 * Pure: the caller passes what is known. A page whose monitored components have no recent data
 * never reads "All Systems Operational" — it says the status is unknown.
 */
export type StatusIndicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

export interface PageStatusInput {
  components: { status: ComponentStatus; /** false when monitored but without recent data */ hasRecentData: boolean }[];
  openIncidentImpacts: IncidentImpact[];
}

const RANK: Record<StatusIndicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };

const FROM_COMPONENT: Record<ComponentStatus, StatusIndicator> = {
  operational: 'none',
  under_maintenance: 'maintenance',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

const DESCRIPTION: Record<StatusIndicator, string> = {
  none: 'All Systems Operational',
  maintenance: 'Service Under Maintenance',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major Service Outage',
};

export function pageStatus(input: PageStatusInput): { indicator: StatusIndicator; description: string } {
  const candidates: StatusIndicator[] = [
    ...input.components.map((component) => FROM_COMPONENT[component.status]),
    ...input.openIncidentImpacts,
  ];
  const indicator = candidates.reduce<StatusIndicator>((worst, next) => (RANK[next] > RANK[worst] ? next : worst), 'none');
  const worstComponent = input.components.reduce<ComponentStatus>(
    (worst, component) => (statusSeverity(component.status) > statusSeverity(worst) ? component.status : worst),
    'operational',
  );
  const unknown = input.components.filter((component) => !component.hasRecentData).length;
  if (unknown > 0 && (indicator === 'none' || indicator === 'maintenance')) {
    const description =
      unknown === input.components.length
        ? 'Status unknown: no recent monitoring data'
        : `Status unknown: no recent monitoring data for ${unknown} of ${input.components.length} components`;
    return { indicator, description };
  }
  if (indicator === 'minor' && worstComponent === 'degraded_performance') return { indicator, description: 'Partially Degraded Service' };
  return { indicator, description: DESCRIPTION[indicator] };
}
