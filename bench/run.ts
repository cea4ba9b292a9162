import { renderTable, type BenchResult } from './harness.ts';
import { benchmarks } from './index.ts';

/**
 * Runs every benchmark (or those named on the command line), printing each one's figures as it
 * finishes and one table at the end.
 */
const only = new Set(process.argv.slice(2));
const results: BenchResult[] = [];
for (const benchmark of benchmarks) {
  if (only.size > 0 && !only.has(benchmark.name)) continue;
  process.stdout.write(`\n## ${benchmark.name}\n`);
  const started = performance.now();
  const rows = await benchmark.run();
  for (const row of rows) {
    process.stdout.write(
      `  ${row.name}: ${row.figure.toFixed(2)} ${row.unit}` +
        (row.baseline === null ? '' : ` vs ${row.baseline.toFixed(2)} ${row.unit} (${row.baselineLabel})`) +
        ` — target ${row.target}: ${row.met ? 'met' : 'NOT met'}\n`,
    );
  }
  process.stdout.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  results.push(...rows);
}
process.stdout.write(`\n${renderTable(results)}\n`);
