import type { Benchmark } from './harness.ts';
import { ingestBenchmark } from './ingest.ts';
import { loadBenchmark } from './load.ts';
import { nearMissBenchmark } from './near-miss.ts';
import { proberBenchmark } from './prober.ts';
import { sloBenchmark } from './slo.ts';
import { siteBenchmark } from './site.ts';

/** Every benchmark `npm run bench` runs, in order. Add yours here. */
export const benchmarks: Benchmark[] = [ingestBenchmark, loadBenchmark, proberBenchmark, sloBenchmark, siteBenchmark, nearMissBenchmark];
