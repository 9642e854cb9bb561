/**
 * The data the decision function reads and returns. Plain data only: no provider, no clock,
 * no promise. Times are epoch milliseconds, durations milliseconds.
 */
import type {
  CleanupReason,
  EventActor,
  LifecycleEvent,
  TerminationReason,
} from '../../events/events.js';
import type { EphemeralWorkerPolicy } from '../../policy/policy.js';
import type { WorkerPhaseV1 } from '../../provider/v1/provider-v1.js';
import type { LifecycleState } from '../../state/lifecycle-state.js';

export type ActorKind = EventActor['kind'];

/** The worker as last observed on the infrastructure (by a watch, a list or a read). */
export interface PresentObservation {
  readonly kind: 'present';
  /** When the manager received it (its own clock). */
  readonly at: number;
  readonly uid: string;
  readonly phase: WorkerPhaseV1;
  readonly ready: boolean;
  readonly exitCode: number | undefined;
  /** The infrastructure's reason (DeadlineExceeded, Stopped, Killed, Evicted, OOMKilled...). */
  readonly reason: string | undefined;
  /** When it finished, as the infrastructure reports it (Kubernetes: whole seconds). */
  readonly finishedAt: number | undefined;
  /** A removal is under way (ours or anyone's). */
  readonly removing: boolean;
}

/** The physical worker no longer exists. */
export interface GoneObservation {
  readonly kind: 'gone';
  readonly at: number;
}

export type Observation = PresentObservation | GoneObservation;

/** What the caller asked for. Only the owner's requests are accepted. */
export type CallerRequest =
  | {
      readonly kind: 'terminate';
      readonly reason: TerminationReason;
      /** The caller's grace period for the stop; undefined: the policy's. */
      readonly gracePeriodMs: number | undefined;
    }
  | {
      readonly kind: 'remove';
      /** The caller's grace period for the removal; undefined: the policy's. */
      readonly gracePeriodMs: number | undefined;
    };

/** What the create call did: still running, returned, or failed (maybe leaving something, or surely nothing). */
export type CreationStatus = 'pending' | 'done' | 'failed' | 'aborted';

/** A provider call the decision asks the executor to make. At most one runs per worker at a time. */
export type Effect =
  | { readonly kind: 'stop'; readonly gracePeriodMs: number }
  | { readonly kind: 'remove'; readonly gracePeriodMs: number }
  /** Read the worker back: has the stop or the removal taken effect, is it ready yet? */
  | { readonly kind: 'confirm'; readonly of: 'stop' | 'removal' | 'readiness' }
  /** Read the last log lines, for the Terminated event. */
  | { readonly kind: 'readLogs'; readonly tail: number };

export type EffectKind = Effect['kind'];

/** The last failure of a stop or a removal, until that action succeeds. */
export interface ActionFailure {
  readonly action: 'stop' | 'remove';
  /** Failures in a row. */
  readonly attempts: number;
  /** A refusal a retry cannot fix soon (the provider's `retryable: false`, 403, NotOwned). */
  readonly terminal: boolean;
  readonly message: string;
  readonly errorCode: string | undefined;
  readonly status: number | string | undefined;
  /** No provider call for this worker before this time (backoff, or the resync cadence). */
  readonly notBefore: number;
  /** The failure has been published (terminal failures are published once). */
  readonly reported: boolean;
}

/** What the manager knows of one worker, as the decision function sees it. */
export interface WorkerFacts {
  readonly workerId: string;
  readonly state: LifecycleState;
  /** Found on the infrastructure rather than created by this manager instance. */
  readonly adopted: boolean;
  readonly createdAt: number;
  /** The stamped deadline (maxLifetime); undefined when none was stamped. */
  readonly expiresAt: number | undefined;
  /** The stamped TTL after completion. */
  readonly ttlMs: number;
  readonly creation: CreationStatus;
  /** Marked busy by the caller. */
  readonly busy: boolean;
  /** Since when it has been idle (ready, or marked idle). */
  readonly idleSince: number | undefined;
  /** A caller's idle mark not yet announced (WorkerEphemeralIdle). */
  readonly idleMarkedAt: number | undefined;
  /** This manager has seen it not yet finished (it created it, or adopted it running). */
  readonly seenUnfinished: boolean;
  /** When it was last observed present. */
  readonly lastSeenAt: number;
  readonly request: CallerRequest | undefined;
  readonly terminationReason: TerminationReason | undefined;
  /** Who started the termination (announced in WorkerEphemeralTerminating). */
  readonly terminationActor: ActorKind | undefined;
  readonly exitCode: number | undefined;
  /** When its TTL started counting (it ended). */
  readonly finishedAt: number | undefined;
  /** When its removal is due (TTL). */
  readonly cleanupAt: number | undefined;
  /** Set once its removal is decided: the reason its CleanedUp event will carry. */
  readonly cleanupReason: CleanupReason | undefined;
  /** The last log lines for the Terminated event: undefined until read, null when unavailable. */
  readonly logTail: readonly string[] | null | undefined;
  /** The provider call running for it now. */
  readonly inFlight: EffectKind | undefined;
  /** When the last stop call succeeded. */
  readonly stopAcceptedAt: number | undefined;
  /** When the first removal call started (the CleanedUp event's cleanupDuration counts from it). */
  readonly removeStartedAt: number | undefined;
  /** When the last removal call succeeded. */
  readonly removeAcceptedAt: number | undefined;
  /** When the last read-back (confirm) completed. */
  readonly checkedAt: number | undefined;
  readonly failure: ActionFailure | undefined;
}

/** The facts a decision may change (the state apart). */
export type DecidedFacts = Pick<
  WorkerFacts,
  | 'idleSince'
  | 'idleMarkedAt'
  | 'terminationReason'
  | 'terminationActor'
  | 'exitCode'
  | 'finishedAt'
  | 'cleanupAt'
  | 'cleanupReason'
>;

/** Whose worker it is, and whether the one deciding may apply the owner's rules. */
export interface DecisionAuthority {
  /** The manager instance stamped as its owner (`hodei.io/owner`). */
  readonly owner: string;
  /**
   * True when the one deciding may apply the owner-only rules: the idle timeout, the startup
   * timeout and the caller's requests. Any manager of the scope (and the operator's reaper) may
   * enforce the stamped deadline and the stamped TTL; everything else is the owner's alone.
   */
  readonly mayApplyOwnerRules: boolean;
}

/** What the provider and its connection allow. */
export interface DecisionEnvironment {
  /** The provider can stop a worker and keep it (its logs, its exit code) until removal. */
  readonly canStop: boolean;
  /** Log lines to attach to the Terminated event; 0 when the provider has no logs or none are wanted. */
  readonly logTailLines: number;
  /** A watch stream is open: removals and stops are confirmed by its events, not read back. */
  readonly watching: boolean;
  /** Delay between read-backs, and extra time granted beyond a grace period. */
  readonly retryDelay: number;
  /** How often a starting worker's readiness is read back when there is no watch. */
  readonly readinessPollInterval: number;
}

export interface DecisionInput {
  /** The time to decide at. The function never reads a clock. */
  readonly now: number;
  readonly worker: WorkerFacts;
  /** The latest observation; undefined when there is none yet. */
  readonly observation: Observation | undefined;
  /** The policy that governs this worker (its stamps, `expiresAt` and `ttlMs`, take precedence). */
  readonly policy: EphemeralWorkerPolicy;
  readonly authority: DecisionAuthority;
  readonly environment: DecisionEnvironment;
}

/** The names of the decision function's rules, in the order it tries them. */
export type RuleName =
  | 'vanished'
  | 'create-failed'
  | 'created'
  | 'resume-removal'
  | 'ttl-expired'
  | 'caller-cleanup'
  | 'removal'
  | 'job-ended'
  | 'caller-removal'
  | 'startup-timeout'
  | 'max-lifetime'
  | 'caller-termination'
  | 'idle-mark'
  | 'idle-timeout'
  | 'end-without-stop'
  | 'stopping'
  | 'ready'
  | 'busy-mark'
  | 'poll-readiness';

/** `Omit` applied to each member of a union (plain `Omit` would merge the members first). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A worker event without what the publisher adds (workerId, providerId, occurredAt, correlationId, actor). */
export type WorkerEventPayload = DistributiveOmit<
  Exclude<LifecycleEvent, { type: 'GarbageCollectionCompleted' }>,
  'workerId' | 'providerId' | 'occurredAt' | 'correlationId' | 'actor'
>;

export interface DecidedEvent {
  readonly actor: ActorKind;
  readonly payload: WorkerEventPayload;
}

/** A rule that will act later, if nothing else changes first. */
export interface UpcomingRule {
  readonly rule: RuleName;
  readonly at: number;
}

export interface Decision {
  /** The rule that acted (or holds the worker, waiting); undefined when nothing is to be done now. */
  readonly rule: RuleName | undefined;
  /** The next state (the current one when unchanged). */
  readonly state: LifecycleState;
  readonly changes: Partial<DecidedFacts>;
  readonly events: readonly DecidedEvent[];
  readonly effects: readonly Effect[];
  /**
   * False when the decision changes something (apply it and decide again at once); true when
   * there is nothing more to do before `wakeAt`, an observation, or the in-flight call's end.
   */
  readonly settled: boolean;
  /** When to decide again if nothing happens first; undefined: only when something happens. */
  readonly wakeAt: number | undefined;
  /** The timed rules that will act later, earliest first (for `explain`). */
  readonly upcoming: readonly UpcomingRule[];
}
