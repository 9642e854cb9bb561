/**
 * What a benchmark suite hands the report: plain data, saved as JSON in tools/bench/results
 * (committed), from which docs/benchmarks.md and its SVG charts are rendered.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = join(BENCH_ROOT, '..', '..');
export const RESULTS_DIR = join(BENCH_ROOT, 'results');

/** A figure with a goal: the closing summary lists each of these. */
export interface Goal {
  readonly measure: string;
  readonly value: number;
  /** Human form of the value, e.g. "1.021 (median of 3 paired rounds)". */
  readonly shown: string;
  readonly goal: string;
  readonly met: boolean;
}

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly note?: string;
}

/** Delay samples per system: drawn as a strip of dots with p50 and p99 marked. */
export interface DistributionChart {
  readonly kind: 'distribution';
  readonly file: string;
  readonly title: string;
  readonly unit: string;
  readonly series: readonly { readonly label: string; readonly values: readonly number[] }[];
}

/** A figure against scale, one line per system. */
export interface ScaleChart {
  readonly kind: 'scale';
  readonly file: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly {
    readonly label: string;
    readonly points: readonly (readonly [number, number])[];
  }[];
}

/** Grouped bars, e.g. time, CPU and requests per worker for each system. */
export interface BarChart {
  readonly kind: 'bars';
  readonly file: string;
  readonly title: string;
  readonly groups: readonly {
    readonly label: string;
    readonly unit: string;
    readonly bars: readonly { readonly label: string; readonly value: number }[];
  }[];
}

export type Chart = DistributionChart | ScaleChart | BarChart;

export interface SuiteResult {
  readonly suite: 'memory' | 'docker' | 'kubernetes';
  readonly variant: 'default' | 'scale';
  readonly title: string;
  /** The command that produced it. */
  readonly command: string;
  readonly ranAt: string;
  readonly durationSeconds: number;
  /** What was compared, with versions. */
  readonly versions: Record<string, string>;
  readonly settings: Record<string, string | number>;
  readonly goals: readonly Goal[];
  readonly tables: readonly Table[];
  readonly charts: readonly Chart[];
  readonly notes: readonly string[];
  readonly machine: Machine;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** Other processes' load while the bench ran: the 1-minute load average at its start. */
  readonly loadAtStart: number;
}

export const resultFile = (suite: string, variant: string): string =>
  join(RESULTS_DIR, `${suite}${variant === 'scale' ? '-scale' : ''}.json`);

export function saveResult(result: SuiteResult): string {
  const file = resultFile(result.suite, result.variant);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
  return file;
}

export function loadResults(): SuiteResult[] {
  let files: string[] = [];
  try {
    files = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as SuiteResult);
}

/** A goal of the form "value <= limit". */
export function atMost(measure: string, value: number, limit: number, shown: string): Goal {
  return { measure, value, shown, goal: `<= ${limit}`, met: value <= limit };
}

/** A goal of the form "value < limit". */
export function below(
  measure: string,
  value: number,
  limit: number,
  shown: string,
  unit = '',
): Goal {
  return { measure, value, shown, goal: `< ${limit}${unit}`, met: value < limit };
}

/** What a suite returns; main adds when, how long, the command and the machine. */
export type SuitePart = Omit<
  SuiteResult,
  'variant' | 'command' | 'ranAt' | 'durationSeconds' | 'machine'
>;
