/** Parsing of resource quantities, with the Kubernetes suffixes. Returns undefined when invalid. */

const memorySuffixes: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** `'256Mi'` -> 268435456; `1048576` -> 1048576. */
export function parseMemoryBytes(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(value);
  if (!match) return undefined;
  const bytes = Math.round(Number(match[1]) * (memorySuffixes[match[2] ?? ''] ?? Number.NaN));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** `'500m'` -> 500; `0.5` -> 500; `'2'` -> 2000. Fractions of a milli-core are refused. */
export function parseCpuMillis(value: unknown): number | undefined {
  let millis: number;
  if (typeof value === 'number') {
    millis = value * 1000;
  } else if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(value);
    if (!match) return undefined;
    millis = match[2] === 'm' ? Number(match[1]) : Number(match[1]) * 1000;
  } else {
    return undefined;
  }
  const rounded = Math.round(millis);
  if (!Number.isFinite(millis) || Math.abs(rounded - millis) > 1e-6 || rounded <= 0)
    return undefined;
  return rounded;
}
