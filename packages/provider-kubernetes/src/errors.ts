/**
 * Errors of the API server, and what the kit needs to know of them: the HTTP status (the kit's
 * shared rule makes 5xx, 429 and 408 retryable, other refusals not), or, for a request that got
 * no answer, that a retry may help. Callers match with `ProviderError.isInstance(e)` and
 * `e.status`, never on messages.
 */
import {
  CancelledError,
  type FailureDescription,
  InvalidSpecError,
  type LifecycleError,
  toProviderError,
  type ValidationIssue,
} from '@hodei/lifecycle-core/provider';

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

export function httpStatusOf(error: unknown): number | undefined {
  return error instanceof KubeHttpError ? error.status : undefined;
}

/** The provider's `describeError`: the status, and every transport failure is transient. */
export function describeKubeError(error: unknown): FailureDescription | undefined {
  if (error instanceof KubeHttpError) return { status: error.status };
  // No answer at all (refused, reset, timed out, TLS cut): the same call may pass later.
  if (error instanceof KubeTransportError) return { status: error.code, retryable: true };
  // A watch line cut in the middle: the connection broke.
  if (error instanceof SyntaxError) return { status: 'EBADMSG', retryable: true };
  return undefined;
}

/**
 * Maps anything thrown while talking to the API server to a core error: LifecycleErrors pass
 * through; HTTP errors become ProviderError with the status (retryable for 5xx/429/408);
 * transport failures become retryable ProviderErrors with the errno code as status.
 */
export function toLifecycleError(providerId: string, what: string, error: unknown): LifecycleError {
  return toProviderError(providerId, what, error, describeKubeError(error));
}

/**
 * On create, a 422 Invalid answer means the API server refused the pod as written: the spec
 * (or an extension value) is something Kubernetes will not run. It becomes an InvalidSpecError
 * listing the API server's causes; nothing was created. Other errors map as usual.
 */
export function createErrorOf(providerId: string, what: string, error: unknown): LifecycleError {
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
