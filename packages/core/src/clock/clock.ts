import { CancelledError } from '../errors/errors.js';

/**
 * All timing goes through a Clock, so tests can drive time by hand (the testkit's manual
 * clock) and nothing in the SDK reads Date.now() or calls setTimeout directly.
 */
export interface TimerHandle {
  /** Stops the timer; safe to call more than once. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

/** The real clock. Its timers do not keep the process alive (they are unref'd). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Resolves after `delayMs` on the given clock; rejects with CancelledError when aborted. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError('Waiting', { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(new CancelledError('Waiting', { cause: signal?.reason }));
    };
    const timer = clock.setTimer(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
