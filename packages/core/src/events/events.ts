/**
 * The lifecycle events: the eight of the plan, and WorkerEphemeralActionFailed (a stop or a
 * removal the infrastructure refuses), as one discriminated union on `type`.
 * Durations are in milliseconds; instants are Date objects.
 */

/** Why a worker ended. Each one is produced by a rule of the manager's decision function. */
export const TerminationReason = {
  /** The caller ended it: `terminate()`, `stop()` or `remove()` on the manager. */
  ManualTermination: 'ManualTermination',
  /** It reached its deadline (maxLifetime, stamped as `hodei.io/expires-at`). */
  LifetimeExceeded: 'LifetimeExceeded',
  /** It stayed idle (marked idle, or never marked busy) for the idle timeout. */
  IdleTimeout: 'IdleTimeout',
  /** It was not ready within the startup timeout. */
  StartupTimeout: 'StartupTimeout',
  /** Its job ended by itself: the exit code says how. */
  JobCompleted: 'JobCompleted',
  /**
   * Something outside this manager ended it before its deadline: an operator (`docker stop`,
   * `docker kill`), the engine (a restart without live-restore), an eviction. The provider
   * reports it with the record reason `Stopped`, `Killed` or `Evicted`.
   */
  ExternalTermination: 'ExternalTermination',
} as const;
export type TerminationReason = (typeof TerminationReason)[keyof typeof TerminationReason];

/** Why a worker was removed. Each one is produced by a rule of the manager's decision function. */
export const CleanupReason = {
  /** Removed when it ended, without a TTL (a TTL of 0, or a provider that cannot stop). */
  NormalTermination: 'NormalTermination',
  /** Kept for its TTL after it ended, then removed. */
  TtlExpired: 'TtlExpired',
  /** It vanished out of band (a lost worker), or a crashed manager's removal was finished. */
  OrphanDetected: 'OrphanDetected',
  /** The caller removed it (`remove()` on the manager), skipping its TTL. */
  ForceCleanup: 'ForceCleanup',
  /** It failed to start (startup timeout, or a create that failed half-way). */
  WorkerError: 'WorkerError',
} as const;
export type CleanupReason = (typeof CleanupReason)[keyof typeof CleanupReason];

/**
 * `lost-worker`: tracked, but its physical worker vanished out of band.
 * `orphan-resource`: carries this scope's labels but no live manager tracks it.
 */
export type OrphanKind = 'lost-worker' | 'orphan-resource';

/** Who caused an event. */
export interface EventActor {
  /** `caller`: the application asked; `manager`: a policy rule fired; `infrastructure`: observed. */
  readonly kind: 'caller' | 'manager' | 'infrastructure';
  /** The manager instance that published the event. */
  readonly instanceId: string;
}

export interface EventBase {
  readonly providerId: string;
  readonly occurredAt: Date;
  /** Ties the events of one chain of causes together (a GC run, a termination). */
  readonly correlationId: string;
  readonly actor: EventActor;
}

export interface WorkerEventBase extends EventBase {
  readonly workerId: string;
}

export interface WorkerEphemeralCreated extends WorkerEventBase {
  readonly type: 'WorkerEphemeralCreated';
  readonly maxLifetime: number;
  /** Milliseconds kept after completion; 0 = removed at once. */
  readonly ttlAfterCompletion: number;
  readonly expiresAt: Date;
}

export interface WorkerEphemeralReady extends WorkerEventBase {
  readonly type: 'WorkerEphemeralReady';
}

export interface WorkerEphemeralIdle extends WorkerEventBase {
  readonly type: 'WorkerEphemeralIdle';
  readonly idleSince: Date;
}

export interface WorkerEphemeralTerminating extends WorkerEventBase {
  readonly type: 'WorkerEphemeralTerminating';
  readonly reason: TerminationReason;
}

export interface WorkerEphemeralTerminated extends WorkerEventBase {
  readonly type: 'WorkerEphemeralTerminated';
  readonly reason: TerminationReason;
  /** Whether a removal is scheduled (autoCleanup on). */
  readonly cleanupScheduled: boolean;
  /** When the TTL runs out and the worker is removed; null when no cleanup is scheduled. */
  readonly ttlExpiresAt: Date | null;
  readonly exitCode: number | null;
  /** The last lines of its logs, where the provider has logs; null otherwise. */
  readonly lastLogLines: readonly string[] | null;
}

export interface WorkerEphemeralCleanedUp extends WorkerEventBase {
  readonly type: 'WorkerEphemeralCleanedUp';
  readonly cleanupReason: CleanupReason;
  /** Milliseconds from the start of the removal to its confirmation. */
  readonly cleanupDuration: number;
}

export interface OrphanWorkerDetected extends WorkerEventBase {
  readonly type: 'OrphanWorkerDetected';
  readonly kind: OrphanKind;
  /** When the worker was last seen alive or tracked. */
  readonly lastSeen: Date;
  /** Milliseconds since lastSeen. */
  readonly orphanedDuration: number;
}

/**
 * A stop or a removal failed in a way retrying cannot fix soon: the infrastructure refused it
 * (HTTP 403 Forbidden, the provider's `retryable: false`, `NotOwnedError`). Published once per
 * run of failures of that action, since the manager will not hammer it: it tries again only at
 * the resync cadence (`orphanCheckInterval`), and the worker's next event says when it worked.
 * Retryable failures back off quietly (they show in `ManagedWorkerInfo` and in
 * `GarbageCollectionCompleted.errors`).
 */
export interface WorkerEphemeralActionFailed extends WorkerEventBase {
  readonly type: 'WorkerEphemeralActionFailed';
  /** What failed: stopping the worker, or removing it (including reading it back to confirm). */
  readonly action: 'stop' | 'remove';
  /** The error's stable code, when it is a LifecycleError. */
  readonly errorCode: string | undefined;
  readonly message: string;
  /** The infrastructure's own status, when it has one (an HTTP status, an errno name). */
  readonly status: number | string | undefined;
  /** Failed attempts of this action so far. */
  readonly attempts: number;
  /** When the manager tries again. */
  readonly nextAttemptAt: Date;
}

export interface GarbageCollectionCompleted extends EventBase {
  readonly type: 'GarbageCollectionCompleted';
  readonly workersCleaned: number;
  readonly orphansDetected: number;
  /**
   * Messages of the errors met during the run (the run goes on past them), then one line per
   * worker whose stop or removal is failing at the time of the run (`remove w-1: ...`).
   */
  readonly errors: readonly string[];
  readonly duration: number;
}

export type LifecycleEvent =
  | WorkerEphemeralCreated
  | WorkerEphemeralReady
  | WorkerEphemeralIdle
  | WorkerEphemeralTerminating
  | WorkerEphemeralTerminated
  | WorkerEphemeralCleanedUp
  | OrphanWorkerDetected
  | WorkerEphemeralActionFailed
  | GarbageCollectionCompleted;

export type LifecycleEventType = LifecycleEvent['type'];

/** The event of a given type: `EventOfType<'OrphanWorkerDetected'>`. */
export type EventOfType<T extends LifecycleEventType> = Extract<LifecycleEvent, { type: T }>;

export const lifecycleEventTypes: readonly LifecycleEventType[] = [
  'WorkerEphemeralCreated',
  'WorkerEphemeralReady',
  'WorkerEphemeralIdle',
  'WorkerEphemeralTerminating',
  'WorkerEphemeralTerminated',
  'WorkerEphemeralCleanedUp',
  'OrphanWorkerDetected',
  'WorkerEphemeralActionFailed',
  'GarbageCollectionCompleted',
];
