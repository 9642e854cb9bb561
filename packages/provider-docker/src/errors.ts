/**
 * Mapping of dockerode / HTTP / socket failures to the SDK's typed errors. Matching is on the
 * HTTP status and the errno code; the engine's message is kept in the error text for people.
 */
import { CancelledError, type LifecycleError, ProviderError } from '@hodei/lifecycle-core';

/** What a dockerode (docker-modem) failure carries. */
interface DockerFailure {
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly json?: unknown;
  readonly message?: unknown;
  readonly name?: unknown;
  readonly cause?: unknown;
}

/** Socket-level failures that a later retry may get past (engine restarting, overloaded). */
const transientCodes = new Set([
  'ECONNREFUSED',
  'ENOENT', // the unix socket is missing while dockerd restarts
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
]);

const asFailure = (error: unknown): DockerFailure =>
  error != null && typeof error === 'object' ? (error as DockerFailure) : {};

/** The HTTP status of a failed engine call, when it got that far. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = asFailure(error).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The errno-style code of a failed connection (ECONNREFUSED, ENOENT...), if any. */
export function errnoOf(error: unknown): string | undefined {
  const code = asFailure(error).code;
  return typeof code === 'string' ? code : undefined;
}

/** True when the request was aborted by our own per-request timeout. */
export function isTimeout(error: unknown): boolean {
  const failure = asFailure(error);
  if (failure.name === 'TimeoutError') return true;
  return failure.name === 'AbortError' && asFailure(failure.cause).name === 'TimeoutError';
}

/** True when the request was aborted through a caller's signal (not our timeout). */
export function isAbort(error: unknown): boolean {
  return asFailure(error).name === 'AbortError' && !isTimeout(error);
}

/** The engine's own message (`{"message": "..."}` body), else the error's message. */
export function engineMessage(error: unknown): string {
  const failure = asFailure(error);
  const json = failure.json;
  if (json != null && typeof json === 'object' && 'message' in json) {
    const message = (json as { message: unknown }).message;
    if (typeof message === 'string') return message;
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  return typeof failure.message === 'string' ? failure.message.trim() : String(error);
}

/** True for failures a retry may fix: no connection, timeouts, 5xx, 429 and 408. */
export function isRetryable(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  if (isTimeout(error)) return true;
  const code = errnoOf(error);
  return code !== undefined && transientCodes.has(code);
}

/**
 * Wraps a failure of `what` (e.g. "create container hodei_x_w-1") as a typed error. An abort
 * through the caller's signal becomes CancelledError; everything else a ProviderError whose
 * `status` is the HTTP status or the errno code and whose `retryable` says whether to retry.
 */
export function toLifecycleError(providerId: string, what: string, error: unknown): LifecycleError {
  if (isAbort(error)) return new CancelledError(what, { cause: error });
  const status = httpStatusOf(error) ?? (isTimeout(error) ? 'ETIMEDOUT' : errnoOf(error));
  const detail = isTimeout(error) ? 'the engine did not answer in time' : engineMessage(error);
  return new ProviderError(providerId, `${what} failed: ${detail}`, {
    retryable: isRetryable(error),
    cause: error,
    ...(status === undefined ? {} : { status }),
  });
}
