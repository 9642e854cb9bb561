/**
 * Callers waiting for a worker to reach a state (`terminate` until it has ended, `remove` until
 * it is gone). Checked after each reconcile of the worker; rejected on failures and on close.
 */
import type { TrackedWorker, Waiter } from './tracked-worker.js';

export function waitFor(
  worker: TrackedWorker,
  until: (worker: TrackedWorker) => boolean,
  rejectOn: Waiter['rejectOn'],
): Promise<void> {
  if (until(worker)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    worker.waiters ??= [];
    worker.waiters.push({ until, resolve, reject, rejectOn });
  });
}

/** Resolves the waiters whose condition now holds. */
export function settleWaiters(worker: TrackedWorker): void {
  const waiting = worker.waiters;
  if (!waiting) return;
  const still = waiting.filter((waiter) => !waiter.until(worker));
  worker.waiters = still.length > 0 ? still : undefined;
  for (const waiter of waiting) if (!still.includes(waiter)) waiter.resolve();
}

/** Rejects the waiters that give up on this failure (all of them when `terminal` is null: closing). */
export function rejectWaiters(
  worker: TrackedWorker,
  error: unknown,
  terminal: boolean | null,
): void {
  const waiting = worker.waiters;
  if (!waiting) return;
  const gives = (waiter: Waiter) =>
    terminal === null || waiter.rejectOn === 'any-failure' || terminal;
  const still = waiting.filter((waiter) => !gives(waiter));
  worker.waiters = still.length > 0 ? still : undefined;
  for (const waiter of waiting) if (gives(waiter)) waiter.reject(error);
}
