/** Order statistics of samples (nearest-rank percentiles, as the earlier benchmarks used). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, rank)]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Fixed decimals, for tables. */
export const fixed = (value: number, digits = 2): string =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

/** p50 / p99 of delays in ms, as one table cell. */
export const p50p99 = (values: readonly number[]): string =>
  `${fixed(percentile(values, 50), 0)} / ${fixed(percentile(values, 99), 0)} ms`;
