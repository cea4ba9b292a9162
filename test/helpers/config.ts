import { validateConfig } from '../../api/config/load.ts';
import type { HeadroomConfig, HeadroomConfigInput } from '../../api/config/schema.ts';

/** A small valid config; pass overrides for the sections a test cares about. */
export function testConfig(overrides: Partial<HeadroomConfigInput> = {}): HeadroomConfig {
  return validateConfig({
    groups: [{ key: 'core', name: 'Core' }],
    components: [
      { key: 'api', name: 'API', group: 'core' },
      { key: 'web', name: 'Website' },
    ],
    monitors: [
      { key: 'api-health', component: 'api', kind: 'http', url: 'http://127.0.0.1:9/health', regions: ['eu', 'us'] },
      { key: 'web-home', component: 'web', kind: 'http', url: 'http://127.0.0.1:9/', regions: ['eu'] },
    ],
    slos: [
      {
        key: 'api-availability',
        name: 'API availability',
        service: 'api',
        sli: { kind: 'availability', monitors: ['api-health'] },
        target: 0.99,
        window: '30d',
      },
      {
        key: 'web-latency',
        name: 'Web latency',
        service: 'web',
        sli: { kind: 'latency', monitors: ['web-home'], threshold: '300ms' },
        target: 0.95,
        window: '7d',
      },
    ],
    ...overrides,
  });
}
