/**
 * Durations are given as milliseconds (a non-negative integer) or as a string of one number and
 * one unit: `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`, fractions allowed (`'1.5h'`).
 * Deliberately strict: `'5 minutes'` or `'1h30m'` are refused rather than guessed at.
 */
export type Duration = number | `${number}${DurationUnit}`;
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const unitMs: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses a duration to whole milliseconds; returns undefined when it is not a valid duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const match = pattern.exec(value.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * unitMs[match[2] as DurationUnit]);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Formats milliseconds for people: `90000` -> `'1m30s'`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', unitMs.d],
    ['h', unitMs.h],
    ['m', unitMs.m],
    ['s', unitMs.s],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
