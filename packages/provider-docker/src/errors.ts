/**
 * What the kit needs to know about a dockerode (docker-modem) failure: its HTTP status or errno
 * code, and the engine's own message. The retry rule itself is the kit's, shared by every
 * provider; Docker adds one case: a missing socket (ENOENT) while dockerd restarts is transient.
 */
import {
  type FailureDescription,
  failureStatus,
  isTimeoutError,
  isTransientStatus,
  type LifecycleError,
  toProviderError,
} from '@hodei/lifecycle-core/provider';

const asRecord = (error: unknown): Record<string, unknown> =>
  error != null && typeof error === 'object' ? (error as Record<string, unknown>) : {};

/** The HTTP status of a failed engine call, when it got that far. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = asRecord(error).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** True when the request was aborted through a caller's signal (not our timeout). */
export function isAbort(error: unknown): boolean {
  return asRecord(error).name === 'AbortError' && !isTimeoutError(error);
}

/** The engine's own message (`{"message": "..."}` body), else the error's message. */
export function engineMessage(error: unknown): string {
  const failure = asRecord(error);
  const json = failure.json;
  if (json != null && typeof json === 'object' && 'message' in json) {
    const message = (json as { message: unknown }).message;
    if (typeof message === 'string') return message;
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  if (isTimeoutError(error)) return 'the engine did not answer in time';
  return typeof failure.message === 'string' ? failure.message.trim() : String(error);
}

/** The provider's `describeError`: the status, the engine's words, and the socket exception. */
export function describeDockerError(error: unknown): FailureDescription {
  const status = failureStatus(error);
  return {
    ...(status === undefined ? {} : { status }),
    // The unix socket is missing while dockerd restarts: a retry may find it back.
    retryable: status === 'ENOENT' || isTransientStatus(status),
    message: engineMessage(error),
  };
}

/** True for failures a retry may fix: no connection, timeouts, 5xx, 429 and 408. */
export function isRetryable(error: unknown): boolean {
  return describeDockerError(error).retryable === true;
}

/** A failure of `what` as the contract's error (the kit's mapping, with Docker's reading). */
export function toLifecycleError(providerId: string, what: string, error: unknown): LifecycleError {
  return toProviderError(providerId, what, error, describeDockerError(error));
}
