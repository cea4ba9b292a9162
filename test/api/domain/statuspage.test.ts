import { describe, expect, it } from 'vitest';
import { pageStatus } from '../../../api/domain/statuspage.ts';

const fresh = (status: Parameters<typeof pageStatus>[0]['components'][number]['status']) => ({ status, hasRecentData: true });

describe('pageStatus', () => {
  it('says All Systems Operational only when every component is operational with recent data', () => {
    expect(pageStatus({ components: [fresh('operational'), fresh('operational')], openIncidentImpacts: [] })).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(pageStatus({ components: [fresh('operational'), { status: 'operational', hasRecentData: false }], openIncidentImpacts: [] })).toEqual({
      indicator: 'none',
      description: 'Status unknown: no recent monitoring data for 1 of 2 components',
    });
    expect(pageStatus({ components: [{ status: 'operational', hasRecentData: false }], openIncidentImpacts: [] }).description).toBe('Status unknown: no recent monitoring data');
  });

  it('takes the worse of component statuses and open incident impacts', () => {
    expect(pageStatus({ components: [fresh('degraded_performance')], openIncidentImpacts: [] })).toEqual({ indicator: 'minor', description: 'Partially Degraded Service' });
    expect(pageStatus({ components: [fresh('partial_outage')], openIncidentImpacts: ['minor'] })).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(pageStatus({ components: [fresh('operational')], openIncidentImpacts: ['critical'] })).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
    expect(pageStatus({ components: [fresh('under_maintenance')], openIncidentImpacts: [] })).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });
  });
});
