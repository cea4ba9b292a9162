import type { Benchmark } from './harness.ts';
import { ingestBenchmark } from './ingest.ts';
import { loadBenchmark } from './load.ts';

/** Every benchmark `npm run bench` runs, in order. Add yours here. */
export const benchmarks: Benchmark[] = [ingestBenchmark, loadBenchmark];
