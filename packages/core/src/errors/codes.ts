/**
 * The stable error codes. A code, once published, is never renamed or reused: callers and
 * dashboards match on it. Add new codes at the end of the list.
 */
export const LifecycleErrorCodes = {
  /** A policy (or a per-worker policy override) is invalid. Nothing was created. */
  INVALID_POLICY: 'LIFECYCLE_INVALID_POLICY',
  /** A worker spec is invalid. Nothing was sent to the infrastructure. */
  INVALID_SPEC: 'LIFECYCLE_INVALID_SPEC',
  /** Options or settings of a manager, provider or plugin are invalid. */
  INVALID_OPTIONS: 'LIFECYCLE_INVALID_OPTIONS',
  /**
   * A state transition outside the state table was attempted by the manager itself: a bug.
   * A caller's request that the worker's state does not allow is INVALID_WORKER_STATE.
   */
  ILLEGAL_TRANSITION: 'LIFECYCLE_ILLEGAL_TRANSITION',
  /** The worker is not known (never existed, or already cleaned up). */
  WORKER_NOT_FOUND: 'LIFECYCLE_WORKER_NOT_FOUND',
  /** The worker does not belong to this manager's scope; it was not touched. */
  NOT_OWNED: 'LIFECYCLE_NOT_OWNED',
  /** The infrastructure failed. `retryable` says whether trying again may help. */
  PROVIDER_ERROR: 'LIFECYCLE_PROVIDER_ERROR',
  /** The operation was cancelled through its AbortSignal. */
  CANCELLED: 'LIFECYCLE_CANCELLED',
  /** The manager or provider was closed. */
  CLOSED: 'LIFECYCLE_CLOSED',
  // 'LIFECYCLE_UNSUPPORTED_CAPABILITY' was here: nothing ever raised it, so it was removed.
  // The value stays reserved and must never be reused.
  /** No plugin is registered for the requested provider type. */
  UNKNOWN_PROVIDER_TYPE: 'LIFECYCLE_UNKNOWN_PROVIDER_TYPE',
  /** Two plugins were registered under one provider type. */
  DUPLICATE_PROVIDER_TYPE: 'LIFECYCLE_DUPLICATE_PROVIDER_TYPE',
  /** The provider implements a contract version this core does not know. */
  UNSUPPORTED_SPECIFICATION_VERSION: 'LIFECYCLE_UNSUPPORTED_SPECIFICATION_VERSION',
  /**
   * The caller asked for something the worker's current state does not allow (marking a
   * terminated worker busy). Nothing was changed. Not a bug: the worker moved on.
   */
  INVALID_WORKER_STATE: 'LIFECYCLE_INVALID_WORKER_STATE',
} as const;

export type LifecycleErrorCode = (typeof LifecycleErrorCodes)[keyof typeof LifecycleErrorCodes];
