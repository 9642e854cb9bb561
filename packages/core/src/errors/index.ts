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
  UnsupportedCapabilityError,
  UnsupportedSpecificationVersionError,
  type ValidationIssue,
  WorkerNotFoundError,
} from './errors.js';
export { LifecycleError, type LifecycleErrorOptions } from './lifecycle-error.js';
