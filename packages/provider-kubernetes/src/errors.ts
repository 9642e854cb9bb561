/**
 * Errors of the API server mapped onto the core's errors. Transient faults (5xx, 429, 408,
 * connection refused or reset, timeouts) are retryable `ProviderError`s; refusals (4xx) are not.
 * Callers match with `ProviderError.isInstance(e)` and `e.status`, never on messages.
 */
import {
  CancelledError,
  InvalidSpecError,
  LifecycleError,
  ProviderError,
  type ValidationIssue,
} from '@hodei/lifecycle-core';

/** A Kubernetes `Status` object, as the API server returns with an error. */
export interface KubeStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: {
    readonly name?: string;
    readonly kind?: string;
    readonly causes?: readonly { reason?: string; message?: string; field?: string }[];
  };
}

/** An HTTP error answer of the API server. Internal: it never leaves the provider as is. */
export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly kubeStatus: KubeStatus | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(
      `${method} ${path}: HTTP ${status}${kubeStatus?.reason ? ` ${kubeStatus.reason}` : ''}${
        kubeStatus?.message ? `: ${kubeStatus.message}` : ''
      }`,
    );
    this.name = 'KubeHttpError';
  }
}

/** A request that did not get an answer: connection refused, reset, timed out. */
export class KubeTransportError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubeTransportError';
  }
}

/** An HTTP status worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

export function httpStatusOf(error: unknown): number | undefined {
  return error instanceof KubeHttpError ? error.status : undefined;
}

/**
 * Maps anything thrown while talking to the API server to a core error: LifecycleErrors pass
 * through; HTTP errors become ProviderError with the status (retryable for 5xx/429/408);
 * transport failures become retryable ProviderErrors with the errno code as status.
 */
export function toLifecycleError(providerId: string, what: string, error: unknown): Error {
  if (LifecycleError.isInstance(error)) return error;
  if (error instanceof KubeHttpError) {
    return new ProviderError(providerId, `${what}: ${error.message}`, {
      status: error.status,
      retryable: isRetryableStatus(error.status),
      cause: error,
    });
  }
  if (error instanceof KubeTransportError) {
    return new ProviderError(providerId, `${what}: ${error.message}`, {
      status: error.code,
      retryable: true,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(providerId, `${what}: ${message}`, { retryable: false, cause: error });
}

/**
 * On create, a 422 Invalid answer means the API server refused the pod as written: the spec
 * (or an extension value) is something Kubernetes will not run. It becomes an InvalidSpecError
 * listing the API server's causes; nothing was created. Other errors map as usual.
 */
export function createErrorOf(providerId: string, what: string, error: unknown): Error {
  if (error instanceof KubeHttpError && error.status === 422) {
    const causes = error.kubeStatus?.details?.causes ?? [];
    const issues: ValidationIssue[] =
      causes.length > 0
        ? causes.map((cause) => ({
            path: cause.field ?? '',
            message: `refused by the API server: ${cause.message ?? cause.reason ?? 'invalid'}`,
          }))
        : [
            {
              path: '',
              message: `refused by the API server: ${error.kubeStatus?.message ?? error.message}`,
            },
          ];
    return new InvalidSpecError(issues, { cause: error });
  }
  return toLifecycleError(providerId, what, error);
}

export function cancelled(what: string, reason?: unknown): CancelledError {
  return new CancelledError(what, reason === undefined ? {} : { cause: reason });
}
