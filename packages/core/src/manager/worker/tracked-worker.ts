/**
 * The manager's record of one worker: the facts the decision function reads, plus what only
 * the manager needs (its uid, owner, policy, waiters, its wake-up). Kept flat and small (numbers,
 * not Dates; one wake-up per worker), since a manager may track a hundred thousand of them.
 */
import type { EphemeralWorkerPolicy } from '../../policy/policy.js';
import type { LifecycleState } from '../../state/lifecycle-state.js';
import type { Deadline } from '../deadlines/deadline-queue.js';
import type {
  ActionFailure,
  CallerRequest,
  CreationStatus,
  Observation,
  WorkerFacts,
} from '../decision/decision-types.js';
import type { ManagedWorkerInfo } from '../types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface Waiter {
  readonly until: (worker: TrackedWorker) => boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Rejects on the first failed attempt (`remove`), or only on a terminal one (`terminate`). */
  readonly rejectOn: 'any-failure' | 'terminal-failure';
}

/** A deadline's payload: a worker's wake-up, or the periodic resync. */
export type WakeUp = TrackedWorker | 'resync';

export interface TrackedWorker extends Mutable<WorkerFacts> {
  uid: string | undefined;
  /** The manager instance that created it (`hodei.io/owner`). */
  readonly owner: string;
  /** This manager may apply the owner-only rules (idle timeout, caller requests). */
  readonly ownedByMe: boolean;
  readonly policy: EphemeralWorkerPolicy;
  readonly correlationId: string;
  /** Order in which create calls returned (0: adopted); a re-list skips those newer than its list. */
  createdSeq: number;
  observation: Observation | undefined;
  /** The latest watch observation received while the create call was still running. */
  observedWhileCreating: Observation | undefined;
  /** Failed stop attempts so far, and failed removal attempts (removal and its read-backs). */
  stopFailures: number;
  removalFailures: number;
  wake: Deadline<WakeUp> | undefined;
  waiters: Waiter[] | undefined;
}

export interface NewWorker {
  readonly workerId: string;
  readonly uid: string | undefined;
  readonly state: LifecycleState;
  readonly adopted: boolean;
  readonly owner: string;
  readonly ownedByMe: boolean;
  readonly policy: EphemeralWorkerPolicy;
  readonly correlationId: string;
  readonly createdAt: number;
  readonly expiresAt: number | undefined;
  readonly ttlMs: number;
  readonly creation: CreationStatus;
  readonly seenUnfinished: boolean;
  readonly now: number;
}

/** A tracked worker with every field present from the start (one hidden class for all). */
export function newTrackedWorker(init: NewWorker): TrackedWorker {
  return {
    workerId: init.workerId,
    state: init.state,
    adopted: init.adopted,
    createdAt: init.createdAt,
    expiresAt: init.expiresAt,
    ttlMs: init.ttlMs,
    creation: init.creation,
    busy: false,
    idleSince: undefined,
    idleMarkedAt: undefined,
    seenUnfinished: init.seenUnfinished,
    lastSeenAt: init.now,
    request: undefined as CallerRequest | undefined,
    terminationReason: undefined,
    terminationActor: undefined,
    exitCode: undefined,
    finishedAt: undefined,
    cleanupAt: undefined,
    cleanupReason: undefined,
    logTail: undefined,
    inFlight: undefined,
    stopAcceptedAt: undefined,
    removeStartedAt: undefined,
    removeAcceptedAt: undefined,
    checkedAt: undefined,
    failure: undefined as ActionFailure | undefined,
    uid: init.uid,
    owner: init.owner,
    ownedByMe: init.ownedByMe,
    policy: init.policy,
    correlationId: init.correlationId,
    createdSeq: 0,
    observation: undefined,
    observedWhileCreating: undefined,
    stopFailures: 0,
    removalFailures: 0,
    wake: undefined,
    waiters: undefined,
  };
}

const dateOf = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

export function snapshot(worker: TrackedWorker): ManagedWorkerInfo {
  const failure = worker.failure;
  return {
    workerId: worker.workerId,
    uid: worker.uid,
    state: worker.state,
    owner: worker.owner,
    adopted: worker.adopted,
    createdAt: new Date(worker.createdAt),
    expiresAt: dateOf(worker.expiresAt),
    busy: worker.busy,
    idleSince: dateOf(worker.idleSince),
    exitCode: worker.exitCode,
    terminationReason: worker.terminationReason,
    cleanupAt: dateOf(worker.cleanupAt),
    removalAttempts: worker.removalFailures,
    stopAttempts: worker.stopFailures,
    failure:
      failure === undefined
        ? undefined
        : {
            action: failure.action,
            message: failure.message,
            terminal: failure.terminal,
            attempts: failure.attempts,
            nextAttemptAt: new Date(failure.notBefore),
          },
  };
}
