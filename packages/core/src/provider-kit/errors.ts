/**
 * From whatever an infrastructure client throws to the contract's errors, with one rule for
 * `retryable` on every provider: transient faults (no connection, timeouts, HTTP 5xx, 429 and
 * 408, a full process table) may pass if the same call is made later; refusals never do.
 */
import { CancelledError, ProviderError } from '../errors/errors.js';
import { LifecycleError } from '../errors/lifecycle-error.js';

/** What the kit reads from a failure: the infrastructure's status and whether to retry. */
export interface FailureDescription {
  /** An HTTP status or an errno-style code ('ECONNREFUSED'). */
  readonly status?: number | string;
  /** Default: `isTransientStatus(status)`. */
  readonly retryable?: boolean;
  /** The words of the infrastructure, for people (default: the error's message). */
  readonly message?: string;
}

/**
 * Connection-level codes that a later retry may get past. ENOENT is not among them: for a
 * process it means a missing executable (a refusal); a provider whose socket may vanish while
 * its daemon restarts says so in its own `describeError`.
 */
export const transientErrorCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'ENOMEM',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** True for statuses worth a retry: HTTP 5xx, 429, 408, and the transient error codes. */
export function isTransientStatus(status: number | string | undefined): boolean {
  if (typeof status === 'number') return status >= 500 || status === 429 || status === 408;
  return status !== undefined && transientErrorCodes.has(status);
}

const record = (error: unknown): Record<string, unknown> =>
  error != null && typeof error === 'object' ? (error as Record<string, unknown>) : {};

/** True when the error is a timeout (a `TimeoutError`, also as the cause of an `AbortError`). */
export function isTimeoutError(error: unknown): boolean {
  const failure = record(error);
  if (failure.name === 'TimeoutError') return true;
  return failure.name === 'AbortError' && record(failure.cause).name === 'TimeoutError';
}

/**
 * The status a failure carries, read the way most clients report it: a numeric `statusCode` or
 * `status` (HTTP), else a string `code` (errno); a timeout is 'ETIMEDOUT'.
 */
export function failureStatus(error: unknown): number | string | undefined {
  const failure = record(error);
  for (const key of ['statusCode', 'status'] as const) {
    if (typeof failure[key] === 'number') return failure[key] as number;
  }
  if (isTimeoutError(error)) return 'ETIMEDOUT';
  return typeof failure.code === 'string' ? failure.code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

/**
 * Wraps a failure of `what` ("create container x") as the contract's error: a LifecycleError
 * passes unchanged; an abort (an `AbortError` that is not a timeout) is a CancelledError;
 * anything else a ProviderError whose `status` and `retryable` follow `described`, else the
 * status read from the error and `isTransientStatus`.
 */
export function toProviderError(
  providerId: string,
  what: string,
  error: unknown,
  described?: FailureDescription,
): LifecycleError {
  if (LifecycleError.isInstance(error)) return error;
  if (record(error).name === 'AbortError' && !isTimeoutError(error)) {
    return new CancelledError(what, { cause: error });
  }
  const status = described?.status ?? failureStatus(error);
  const detail = described?.message ?? messageOf(error);
  return new ProviderError(providerId, `${what} failed: ${detail}`, {
    retryable: described?.retryable ?? isTransientStatus(status),
    cause: error,
    ...(status === undefined ? {} : { status }),
  });
}
