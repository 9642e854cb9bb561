/**
 * The eight lifecycle events of the plan, as one discriminated union on `type`.
 * Durations are in milliseconds; instants are Date objects.
 */

export const TerminationReason = {
  ManualTermination: 'ManualTermination',
  LifetimeExceeded: 'LifetimeExceeded',
  IdleTimeout: 'IdleTimeout',
  StartupTimeout: 'StartupTimeout',
  JobCompleted: 'JobCompleted',
  HealthCheckFailed: 'HealthCheckFailed',
  ProviderError: 'ProviderError',
} as const;
export type TerminationReason = (typeof TerminationReason)[keyof typeof TerminationReason];

export const CleanupReason = {
  NormalTermination: 'NormalTermination',
  TtlExpired: 'TtlExpired',
  OrphanDetected: 'OrphanDetected',
  ForceCleanup: 'ForceCleanup',
  ProviderShutdown: 'ProviderShutdown',
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

interface EventBase {
  readonly providerId: string;
  readonly occurredAt: Date;
  /** Ties the events of one chain of causes together (a GC run, a termination). */
  readonly correlationId: string;
  readonly actor: EventActor;
}

interface WorkerEventBase extends EventBase {
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

export interface GarbageCollectionCompleted extends EventBase {
  readonly type: 'GarbageCollectionCompleted';
  readonly workersCleaned: number;
  readonly orphansDetected: number;
  /** Messages of the errors met during the run (the run goes on past them). */
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
  'GarbageCollectionCompleted',
];
