/**
 * Every error this SDK throws on purpose is a `LifecycleError` with a stable `code`.
 *
 * Match errors with `XError.isInstance(error)` or on `error.code`, never on the message text:
 * messages are for people and may change. `isInstance` works across duplicated installs of the
 * package (two copies in node_modules), because it looks for a `Symbol.for` marker rather than
 * the class identity that `instanceof` depends on.
 */
import type { LifecycleErrorCode } from './codes.js';

const marker = 'hodei.lifecycle.error';
const symbol = Symbol.for(marker);

export interface LifecycleErrorOptions {
  /** Whether repeating the same call later may succeed (a transient infrastructure fault). */
  retryable?: boolean;
  cause?: unknown;
}

export class LifecycleError extends Error {
  private readonly [symbol] = true;

  readonly code: LifecycleErrorCode;
  /** Whether repeating the same call later may succeed. */
  readonly retryable: boolean;

  constructor(code: LifecycleErrorCode, message: string, options: LifecycleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LifecycleError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  static isInstance(error: unknown): error is LifecycleError {
    return LifecycleError.hasMarker(error, marker);
  }

  /** Checks for the `Symbol.for(marker)` flag that each error class sets on its instances. */
  protected static hasMarker(error: unknown, markerName: string): boolean {
    const markerSymbol = Symbol.for(markerName);
    return (
      error != null &&
      typeof error === 'object' &&
      markerSymbol in error &&
      (error as Record<symbol, unknown>)[markerSymbol] === true
    );
  }
}
