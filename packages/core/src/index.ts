/**
 * @hodei/lifecycle-core, for applications: the lifecycle manager, policies, events and
 * publishers, errors, the provider registry, the spec and contract types, and the readers of
 * the ownership stamp. Provider authors import `@hodei/lifecycle-core/provider` (the contract
 * and the provider kit). Everything else is internal and may change in any release.
 *
 * One list per folder, by name, so that every public name is a decision (and shows in the API
 * report, `packages/core/api/`, when it changes).
 *
 * @packageDocumentation
 */

// clock: what `LifecycleOptions.clock` takes.
export { type Clock, systemClock, type TimerHandle } from './clock/clock.js';
// errors: every error the SDK throws, with its stable code.
export * from './errors/index.js';
// events and publishers.
export {
  CleanupReason,
  combinePublishers,
  createInProcessPublisher,
  createPublisherAdapter,
  type EventActor,
  type EventBase,
  type EventHandler,
  type EventIterationOptions,
  type EventOfType,
  type EventPublisher,
  type GarbageCollectionCompleted,
  type InProcessPublisher,
  type InProcessPublisherOptions,
  type LifecycleEvent,
  type LifecycleEventType,
  lifecycleEventTypes,
  noopPublisher,
  type OrphanKind,
  type OrphanWorkerDetected,
  type PublishErrorHandler,
  TerminationReason,
  type Unsubscribe,
  type WorkerEphemeralActionFailed,
  type WorkerEphemeralCleanedUp,
  type WorkerEphemeralCreated,
  type WorkerEphemeralIdle,
  type WorkerEphemeralReady,
  type WorkerEphemeralTerminated,
  type WorkerEphemeralTerminating,
  type WorkerEventBase,
} from './events/index.js';
// the manager.
// the manager's decision function: the one place its rules live, for operator tools (explain a
// worker's future, plan a sweep) that see a worker only as a listed record.
export {
  type ActionFailure,
  type ActorKind,
  type AdoptionInput,
  type AdoptionReason,
  type AdoptionVerdict,
  adoptionOf,
  type CallerRequest,
  type CreateWorkerOptions,
  type CreationStatus,
  type DecidedEvent,
  type DecidedFacts,
  type Decision,
  type DecisionAuthority,
  type DecisionEnvironment,
  type DecisionInput,
  decide,
  decisionInputFromRecord,
  type Effect,
  type EffectKind,
  type GarbageCollectionSummary,
  type GoneObservation,
  type LifecycleManager,
  type LifecycleOptions,
  lifecycleEnabledFromEnv,
  type ManagedWorkerInfo,
  type Observation,
  type OwnerLiveness,
  observationOf,
  ownerLiveness,
  type PresentObservation,
  planWorker,
  type RecordDecisionOptions,
  type RuleName,
  ruleNames,
  type TerminateOptions,
  type UpcomingRule,
  type WorkerEventPayload,
  type WorkerFacts,
  type WorkerFailureInfo,
  type WorkerPlan,
  withLifecycle,
} from './manager/index.js';
// observability.
export { type LifecycleLogger, meterName, silentLogger } from './observability/index.js';
// ownership: reading the stamp (writing it is the provider's: see /provider).
export {
  isOwnershipKey,
  OWNERSHIP_PREFIX,
  type Ownership,
  OwnershipKeys,
  readOwnership,
} from './ownership/ownership.js';
// policy.
export {
  type Duration,
  type DurationUnit,
  defaultPolicy,
  definePolicy,
  type EphemeralWorkerPolicy,
  formatDuration,
  type PolicyInput,
  type PolicyPreset,
  type PolicyPresetName,
  parseDuration,
  policyPresets,
} from './policy/index.js';
// the provider contract, as types: what a manager is and returns.
export type {
  CreateOptionsV1,
  CreateWorkerRequestV1,
  LeaseHoldOptionsV1,
  LeaseHoldV1,
  LeaseRefV1,
  LeaseSelectorV1,
  LogsOptionsV1,
  OwnerLeaseV1,
  Provider,
  ProviderCapabilitiesV1,
  ProviderHealthV1,
  ProviderLeasesV1,
  ProviderV1,
  RemoveOptionsV1,
  StopOptionsV1,
  WatchOptionsV1,
  WorkerObservationV1,
  WorkerPhaseV1,
  WorkerRecordV1,
  WorkerRefV1,
  WorkerSelectorV1,
} from './provider/index.js';
// the provider registry.
export {
  createProviderRegistry,
  type ProviderPlugin,
  type ProviderPluginOptions,
  type ProviderRegistry,
} from './registry/index.js';
// specs, as the caller writes them.
export type { WorkerResources, WorkerSpec } from './spec/index.js';
// states.
export { isActiveState, isFinishedState, LifecycleState } from './state/index.js';
