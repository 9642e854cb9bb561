export { untilSettledOrAborted } from './abort.js';
export {
  type CreateContext,
  type CreateInput,
  type DefinedProvider,
  defineProvider,
  type LeaseHoldContext,
  type LeaseHooks,
  type LogsContext,
  type ProviderDefinition,
  type TerminateContext,
  type WatchContext,
  type WatchHook,
} from './define-provider.js';
export {
  type FailureDescription,
  failureStatus,
  isTimeoutError,
  isTransientStatus,
  toProviderError,
  transientErrorCodes,
} from './errors.js';
export {
  assertLeaseHold,
  assertLeaseRef,
  assertLeaseSelector,
  MIN_LEASE_DURATION_MS,
} from './lease-checks.js';
export { type PollListOptions, pollList } from './poll-list.js';
export {
  type ReflectorEvent,
  type ReflectorOptions,
  type ReflectorSource,
  reflect,
} from './reflector.js';
export {
  type CommonProviderSettings,
  commonSettingKeys,
  type ProviderRequestInfo,
  parseProviderSettings,
  parseSettings,
  type ResolvedCommonSettings,
  resolveCommonSettings,
  type StandardOutput,
  type StandardPathSegment,
  type StandardResult,
  type StandardSchemaV1,
  validateSettings,
  wholeNumberProblem,
} from './settings.js';
