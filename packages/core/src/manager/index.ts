export {
  type AdoptionInput,
  type AdoptionReason,
  type AdoptionVerdict,
  adoptionOf,
  type OwnerLiveness,
  ownerLiveness,
} from './decision/adoption.js';
export { decide, ruleNames } from './decision/decide.js';
export type {
  ActionFailure,
  ActorKind,
  CallerRequest,
  CreationStatus,
  DecidedEvent,
  DecidedFacts,
  Decision,
  DecisionAuthority,
  DecisionEnvironment,
  DecisionInput,
  Effect,
  EffectKind,
  GoneObservation,
  Observation,
  PresentObservation,
  RuleName,
  UpcomingRule,
  WorkerEventPayload,
  WorkerFacts,
} from './decision/decision-types.js';
export {
  decisionInputFromRecord,
  observationOf,
  planWorker,
  type RecordDecisionOptions,
  type WorkerPlan,
} from './decision/from-record.js';
export { lifecycleEnabledFromEnv } from './resolve-options.js';
export type {
  CreateWorkerOptions,
  GarbageCollectionSummary,
  LifecycleManager,
  LifecycleOptions,
  ManagedWorkerInfo,
  TerminateOptions,
  WorkerFailureInfo,
} from './types.js';
export { withLifecycle } from './with-lifecycle.js';
