import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' as const };

/**
 * Two groups, run one after the other: everything else in parallel first, then the browser
 * end-to-end files alone, one at a time, so Lighthouse's performance budget and the publish
 * timings are measured on a machine that is not also running the rest of the suite.
 */
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: { ...shared, name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'], sequence: { groupOrder: 0 } },
      },
      {
        test: { ...shared, name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
