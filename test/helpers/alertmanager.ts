import type { HeadroomConfig } from '../../api/config/schema.ts';
import { testConfig } from './config.ts';

/** The test config plus alertmanager routes: `api` alerts open incidents, `web` latency ones are near misses. */
export function alertmanagerTestConfig(): HeadroomConfig {
  return testConfig({
    alertmanager: {
      routes: [
        { name: 'api-down', match: { service: 'api', severity: 'page' }, components: ['api'], action: 'incident', impact: 'critical', componentStatus: 'major_outage' },
        { name: 'api-errors', match: { alertname: { regex: 'Api(Errors|Saturation)' } }, components: ['api', 'web'], action: 'incident' },
        { name: 'web-slow', match: { service: 'web', alertname: { regex: '.*Latency.*' } }, components: ['web'], action: 'near_miss' },
      ],
    },
  });
}
