/** A publisher for the manager's events that records them and lets the benchmark wait for one. */
import { deferred } from './pool.ts';

export interface SeenEvent {
  readonly type: string;
  readonly workerId?: string;
  readonly occurredAt: Date;
  readonly ttlExpiresAt?: Date | null;
  /** When this process received it (ms since the epoch). */
  readonly seenAt: number;
}

export function eventRecorder() {
  const events: SeenEvent[] = [];
  const byKey = new Map<string, SeenEvent>();
  const counts = new Map<string, number>();
  const waiters = new Map<string, (event: SeenEvent) => void>();
  const counters: { type: string; n: number; resolve: () => void }[] = [];
  return {
    events,
    publish(event: { readonly type: string }): void {
      const seen = { ...event, seenAt: Date.now() } as SeenEvent;
      events.push(seen);
      const count = (counts.get(seen.type) ?? 0) + 1;
      counts.set(seen.type, count);
      for (const c of counters) if (c.type === seen.type && count >= c.n) c.resolve();
      const key = `${seen.type}:${seen.workerId ?? ''}`;
      if (!byKey.has(key)) byKey.set(key, seen);
      waiters.get(key)?.(seen);
      waiters.delete(key);
    },
    count: (type: string): number => counts.get(type) ?? 0,
    /** The first event of `type` for `workerId`, now or when it comes. */
    waitFor(type: string, workerId: string, timeoutMs = 120_000): Promise<SeenEvent> {
      const key = `${type}:${workerId}`;
      const found = byKey.get(key);
      if (found) return Promise.resolve(found);
      const wait = deferred<SeenEvent>(`${type} of ${workerId}`, timeoutMs);
      waiters.set(key, wait.resolve);
      return wait.promise;
    },
    /** Resolves once `n` events of `type` have been seen (no polling). */
    untilCount(type: string, n: number, timeoutMs = 600_000): Promise<void> {
      if ((counts.get(type) ?? 0) >= n) return Promise.resolve();
      const wait = deferred<void>(`${n} ${type} events`, timeoutMs);
      const entry = { type, n, resolve: () => wait.resolve() };
      counters.push(entry);
      void wait.promise.finally(() => counters.splice(counters.indexOf(entry), 1)).catch(() => {});
      return wait.promise;
    },
    /** Forget what was seen (between measured stretches). */
    clear(): void {
      events.length = 0;
      byKey.clear();
      counts.clear();
    },
  };
}
