/**
 * How long to wait before trying a failed call again. Retryable failures back off
 * exponentially with jitter (so a thousand workers failing together do not retry together) up
 * to a cap; a refusal that retrying cannot fix waits for the resync interval.
 */
import { LifecycleError } from '../../errors/lifecycle-error.js';

/**
 * A failure retrying cannot fix soon: a LifecycleError that says `retryable: false` (HTTP 403
 * Forbidden, 422, NotOwnedError...). Anything else (a retryable ProviderError, or an error the
 * provider did not classify) is worth retrying with backoff.
 */
export function isTerminalFailure(error: unknown): boolean {
  return LifecycleError.isInstance(error) && !error.retryable;
}

export interface BackoffSettings {
  /** The first delay; doubles with each failure in a row. */
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * The delay after the `attempts`-th failure in a row: base x 2^(attempts - 1), capped, then
 * scaled by a random factor in [0.5, 1) ("equal jitter": never longer than the plain
 * exponential delay, never shorter than half of it).
 */
export function backoffDelay(
  attempts: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(30, Math.max(0, attempts - 1));
  const capped = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  return capped * (0.5 + random() / 2);
}
