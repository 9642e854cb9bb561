/**
 * What one measured stretch of work costs the client process: wall time, CPU (user + system)
 * and the HTTP requests it sent. Requests are counted from Node's diagnostics channels, the
 * same way for every system compared: node:http(s) (dockerode, the Kubernetes provider) and
 * undici (@kubernetes/client-node's own API and informer).
 */
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

export interface Cost {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly requests: number;
  /** Requests by kind, e.g. `POST /containers/{id}/start`. */
  readonly kinds: Record<string, number>;
}

type Normalise = (method: string, path: string) => string;

const active = new Set<Map<string, number>>();
let normalise: Normalise = (method, path) => `${method} ${path.replace(/\?.*$/, '')}`;
let subscribed = false;

function record(method: string, path: string): void {
  if (active.size === 0) return;
  const kind = normalise(method, path);
  for (const kinds of active) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
}

function subscribe(): void {
  if (subscribed) return;
  subscribed = true;
  diagnostics.subscribe('http.client.request.start', (message) => {
    const { request } = message as { request: { method: string; path: string } };
    record(request.method, request.path);
  });
  diagnostics.subscribe('undici:request:create', (message) => {
    const { request } = message as { request: { method: string; path: string } };
    record(request.method, request.path);
  });
}

/** How request paths are grouped into kinds (per platform). */
export function setRequestKinds(fn: Normalise): void {
  normalise = fn;
}

/** Runs `work` and measures it. Measurements may nest (the outer one counts everything). */
export async function measure<T>(work: () => Promise<T>): Promise<{ result: T; cost: Cost }> {
  subscribe();
  const kinds = new Map<string, number>();
  active.add(kinds);
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      result,
      cost: {
        seconds,
        cpuSeconds: (used.user + used.system) / 1e6,
        requests: [...kinds.values()].reduce((a, b) => a + b, 0),
        kinds: Object.fromEntries([...kinds].sort(([, a], [, b]) => b - a)),
      },
    };
  } finally {
    active.delete(kinds);
  }
}

/** Heap in use after a full collection (needs node --expose-gc). */
export function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
