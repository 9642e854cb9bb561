import { setTimeout as sleep } from 'node:timers/promises';

/** Runs `task(i)` for every i < count, at most `limit` at a time; the results in order. */
export async function pool<T>(
  count: number,
  limit: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Polls `check` until it returns a truthy value, at most `timeoutMs`; the error says what it
 * waited for.
 */
export async function pollUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 300_000, intervalMs = 100 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A promise resolved from outside, with a bound that names what it waited for. */
export function deferred<T>(what: string, timeoutMs: number) {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(
    () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
    timeoutMs,
  );
  timer.unref();
  void promise.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
  return { promise, resolve, reject };
}
