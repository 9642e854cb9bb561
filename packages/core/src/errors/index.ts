export { type LifecycleErrorCode, LifecycleErrorCodes } from './codes.js';
export {
  CancelledError,
  ClosedError,
  DuplicateProviderTypeError,
  IllegalTransitionError,
  InvalidOptionsError,
  InvalidPolicyError,
  InvalidSpecError,
  NotOwnedError,
  ProviderError,
  UnknownProviderTypeError,
  UnsupportedSpecificationVersionError,
  type ValidationIssue,
  WorkerNotFoundError,
  WorkerStateError,
} from './errors.js';
export { LifecycleError, type LifecycleErrorOptions } from './lifecycle-error.js';
