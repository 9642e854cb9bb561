/**
 * Waiting on real infrastructure: poll with a bound, and when the bound runs out, say what was
 * awaited and what was last seen. The bound is a safety net against hanging, never an
 * assertion about speed.
 */
import { AssertionError } from 'node:assert';
import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  /** Real milliseconds before giving up. Default 30 000. */
  readonly timeoutMs?: number;
  /** Real milliseconds between reads. Default 100. */
  readonly intervalMs?: number;
}

/** Readable form of an observed value for failure messages (at most 1 000 characters). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 1_000);
  } catch {
    return String(value);
  }
}

/**
 * Calls `read` until `done` holds and returns that value. An error thrown by `read` fails at
 * once; running out of time fails with an AssertionError naming `what` and the last value.
 */
export async function pollUntil<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  options: PollOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      throw new AssertionError({
        message: `timed out after ${timeoutMs} ms waiting for ${what}; last observed: ${describeValue(value)}`,
        operator: 'pollUntil',
      });
    }
    await delay(options.intervalMs ?? 100);
  }
}
