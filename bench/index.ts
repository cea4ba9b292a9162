import type { Benchmark } from './harness.ts';

/** Every benchmark `npm run bench` runs, in order. Add yours here. */
export const benchmarks: Benchmark[] = [];
