import { describe, expect, it } from 'vitest';
import { deriveComponentStatus, worseStatus, type RegionMonitorState } from '../../../api/domain/component-status.ts';

const states = (spec: Record<string, Record<string, RegionMonitorState['status']>>): RegionMonitorState[] =>
  Object.entries(spec).flatMap(([region, byMonitor]) =>
    Object.entries(byMonitor).map(([monitorId, status]) => ({ monitorId, region, status })),
  );

describe('deriveComponentStatus (quorum across regions)', () => {
  it('ignores one region of three going down at the default 50 % quorum', () => {
    const verdict = deriveComponentStatus(states({ eu: { api: 'down' }, us: { api: 'up' }, ap: { api: 'up' } }), 0.5);
    expect(verdict.status).toBe('operational');
    expect(verdict.downVotes).toBe(1);
  });

  it('is a major outage when two regions of three agree', () => {
    expect(deriveComponentStatus(states({ eu: { api: 'down' }, us: { api: 'down' }, ap: { api: 'up' } }), 0.5).status).toBe('major_outage');
  });

  it('needs every region at quorum 1', () => {
    expect(deriveComponentStatus(states({ eu: { api: 'down' }, us: { api: 'down' }, ap: { api: 'up' } }), 1).status).toBe('operational');
    expect(deriveComponentStatus(states({ eu: { api: 'down' }, us: { api: 'down' } }), 1).status).toBe('major_outage');
  });

  it('is a partial outage when only some monitors of the component are down in the agreeing regions', () => {
    const verdict = deriveComponentStatus(
      states({ eu: { api: 'down', login: 'up' }, us: { api: 'down', login: 'up' } }),
      0.5,
    );
    expect(verdict.status).toBe('partial_outage');
  });

  it('is degraded when a quorum reports degraded', () => {
    expect(deriveComponentStatus(states({ eu: { api: 'degraded' }, us: { api: 'degraded' }, ap: { api: 'up' } }), 0.5).status).toBe(
      'degraded_performance',
    );
  });

  it('counts only regions that reported: no data gives no status', () => {
    expect(deriveComponentStatus(states({ eu: { api: 'unknown' } }), 0.5).status).toBeNull();
    expect(deriveComponentStatus(states({ eu: { api: 'unknown' }, us: { api: 'down' } }), 0.5).status).toBe('major_outage');
  });

  it('lets 1 of 2 regions meet a 50 % quorum', () => {
    expect(deriveComponentStatus(states({ eu: { api: 'down' }, us: { api: 'up' } }), 0.5).status).toBe('major_outage');
  });
});

describe('worseStatus', () => {
  it('orders statuses by severity, maintenance just above operational', () => {
    expect(worseStatus('operational', 'under_maintenance')).toBe('under_maintenance');
    expect(worseStatus('under_maintenance', 'degraded_performance')).toBe('degraded_performance');
    expect(worseStatus('major_outage', 'partial_outage')).toBe('major_outage');
  });
});
