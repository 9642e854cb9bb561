import type { CleanupReason, TerminationReason } from '../events/events.js';
import type { EphemeralWorkerPolicy } from '../policy/policy.js';
import type { WorkerObservationV1 } from '../provider/v1/provider-v1.js';
import type { LifecycleState } from '../state/lifecycle-state.js';
import type { Deadline } from './deadline-queue.js';
import type { ManagedWorkerInfo } from './types.js';

export type DeadlineKind = 'lifetime' | 'idle' | 'startup' | 'ttl' | 'retry' | 'poll';

/** What a pending retry will do again. */
export type RetryAction = 'stop' | 'remove' | 'confirm';

/**
 * The manager's record of one worker. Kept small (numbers, not Dates; deadlines by reference)
 * since a manager may track a hundred thousand of them.
 */
export interface TrackedWorker {
  readonly workerId: string;
  uid: string | undefined;
  state: LifecycleState;
  /** Found on the infrastructure, not created by this manager instance. */
  readonly adopted: boolean;
  readonly owner: string;
  /** This manager may apply owner-only rules (idle timeout, caller termination). */
  readonly ownedByMe: boolean;
  readonly policy: EphemeralWorkerPolicy;
  readonly correlationId: string;
  readonly createdAt: number;
  /** Absolute deadline; NaN when none was stamped. */
  readonly expiresAt: number;
  /** TTL after completion, in ms. */
  readonly ttlMs: number;
  busy: boolean;
  idleSince: number | undefined;
  lastSeen: number;
  exitCode: number | undefined;
  terminationReason: TerminationReason | undefined;
  /** When it ended, as observed. */
  finishedAt: number | undefined;
  /** When the TTL runs out and the removal is due. */
  cleanupAt: number | undefined;
  /** The reason the coming CleanedUp event will carry. */
  pendingCleanupReason: CleanupReason | undefined;
  /** Its end is being processed (logs are being fetched). */
  finishing: boolean;
  /** A removal is under way (sent, or waiting for confirmation). */
  removing: boolean;
  removalStartedAt: number | undefined;
  removalAttempts: number;
  retryAction: RetryAction | undefined;
  /** The create call has not returned yet, or failed: no events, only a silent cleanup. */
  creating: boolean;
  createFailed: boolean;
  /** Order in which create calls returned (0: adopted); a resync skips those newer than its list. */
  createdSeq: number;
  /** The latest observation that arrived while the create call was still running. */
  observedWhileCreating: WorkerObservationV1 | undefined;
  deadlines: Partial<Record<DeadlineKind, Deadline<DeadlineEntry>>> | undefined;
  waiters: Waiter[] | undefined;
}

export interface DeadlineEntry {
  readonly worker: TrackedWorker | undefined;
  readonly kind: DeadlineKind | 'resync';
}

export interface Waiter {
  readonly until: (worker: TrackedWorker) => boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Rejects on the first failed attempt (the manager still retries in the background). */
  readonly rejectOnFailure: boolean;
}

export function snapshot(worker: TrackedWorker): ManagedWorkerInfo {
  const date = (ms: number | undefined) =>
    ms === undefined || Number.isNaN(ms) ? undefined : new Date(ms);
  return {
    workerId: worker.workerId,
    uid: worker.uid,
    state: worker.state,
    owner: worker.owner,
    adopted: worker.adopted,
    createdAt: new Date(worker.createdAt),
    expiresAt: date(worker.expiresAt),
    busy: worker.busy,
    idleSince: date(worker.idleSince),
    exitCode: worker.exitCode,
    terminationReason: worker.terminationReason,
    cleanupAt: date(worker.cleanupAt),
    removalAttempts: worker.removalAttempts,
  };
}
