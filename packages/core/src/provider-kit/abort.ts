/** Waiting that an AbortSignal can cut short, without cutting the work itself. */
import { CancelledError } from '../errors/errors.js';

/**
 * Resolves or rejects as `work` does, or rejects with CancelledError(`what`) as soon as
 * `signal` aborts. The work itself goes on (a removal under way completes); its late outcome
 * is ignored.
 */
export function untilSettledOrAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new CancelledError(what, { cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      reject(new CancelledError(what, { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A signal that never aborts, for hooks called without one. */
export const neverAborted: AbortSignal = new AbortController().signal;
