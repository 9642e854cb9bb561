/**
 * @hodei/lifecycle-core/provider, for provider authors: the provider contract (version 1) and
 * the provider kit. `defineProvider` does what every provider must (checks of refs, selectors
 * and options, spec validation before any call, the ownership stamp, the closed state,
 * cancellation, honest errors) and calls your few hooks; `pollList` builds a watch from `list`;
 * `reflect` is the list-watch-relist loop; `parseSettings` validates your settings. The guide:
 * https://github.com/hodei-lifecycle/hodei-lifecycle/blob/main/docs/writing-a-provider.md
 *
 * @packageDocumentation
 */

// Time, for a provider that waits or schedules (on the manager's clock type).
export { type Clock, sleep, systemClock, type TimerHandle } from './clock/clock.js';
// The errors a provider throws (the same classes as the root entry's).
export {
  CancelledError,
  ClosedError,
  InvalidOptionsError,
  InvalidSpecError,
  LifecycleError,
  type LifecycleErrorCode,
  LifecycleErrorCodes,
  type LifecycleErrorOptions,
  NotOwnedError,
  ProviderError,
  type ValidationIssue,
  WorkerNotFoundError,
} from './errors/index.js';
// The ownership stamp, and the label rules of every platform.
export {
  assertOwnershipIds,
  isOwnershipKey,
  MAX_WORKER_ID_LENGTH,
  mergeWithOwnership,
  OWNERSHIP_PREFIX,
  type Ownership,
  OwnershipKeys,
  type OwnershipStamp,
  readOwnership,
  stampOwnership,
  workerIdProblem,
} from './ownership/ownership.js';
export {
  dnsLabelProblem,
  escapeLabelValue,
  labelKeyProblem,
  labelValueProblem,
  MAX_ANNOTATIONS_BYTES,
  MAX_LABEL_VALUE_LENGTH,
} from './ownership/platform-rules.js';
export {
  type Duration,
  type DurationUnit,
  definePolicyPreset,
  type EphemeralWorkerPolicy,
  type PolicyInput,
  type PolicyPreset,
  type PolicyPresetName,
  policyPresets,
} from './policy/index.js';
// The contract.
export {
  assertProviderV1,
  assertWorkerRef,
  assertWorkerSelector,
  matchesSelector,
  supportedSpecificationVersions,
} from './provider/index.js';
export type * from './provider/v1/index.js';
export type { ProviderV1 as Provider } from './provider/v1/index.js';
// The kit.
export * from './provider-kit/index.js';
// Plugins, and the preset a plugin declares.
export {
  defineProviderPlugin,
  type ProviderPlugin,
  type ProviderPluginOptions,
} from './registry/index.js';
// Specs: validation (what `defineProvider` runs for you) and quantities.
export {
  parseCpuMillis,
  parseMemoryBytes,
  SpecLimits,
  type ValidatedWorkerRequest,
  type ValidatedWorkerSpec,
  validateWorkerRequest,
  validateWorkerSpec,
  type WorkerRequestOptions,
  type WorkerResources,
  type WorkerSpec,
  workerSpecIssues,
} from './spec/index.js';
