/**
 * One row of the benchmark table: the figure measured, the same-run baseline it is compared
 * with, and the target. `higherIsBetter` decides how `ratio` is read against `target`.
 */
export interface BenchResult {
  name: string;
  figure: number;
  unit: string;
  baseline: number | null;
  baselineLabel: string;
  /** figure / baseline (null without a baseline). */
  ratio: number | null;
  target: string;
  met: boolean;
}

export interface Benchmark {
  name: string;
  run(): Promise<BenchResult[]>;
}

export function ratioOf(figure: number, baseline: number | null): number | null {
  return baseline && baseline !== 0 ? figure / baseline : null;
}

const format = (value: number | null, digits = 2): string =>
  value === null ? '—' : Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);

export function renderTable(results: readonly BenchResult[]): string {
  const header = ['benchmark', 'figure', 'baseline (same run)', 'ratio', 'target', 'met'];
  const rows = results.map((result) => [
    result.name,
    `${format(result.figure)} ${result.unit}`,
    result.baseline === null ? '—' : `${format(result.baseline)} ${result.unit} (${result.baselineLabel})`,
    format(result.ratio),
    result.target,
    result.met ? 'yes' : 'NO',
  ]);
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

/** Nearest-rank percentile of a sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
