/**
 * Decision inputs for a worker known only from a listed record: a worker this process adopts,
 * or one the operator CLI explains or reaps. Its ownership stamps (owner, deadline, TTL) and
 * its observed state are all there is, so no rule needs a second copy elsewhere.
 */

import { readOwnership } from '../../ownership/ownership.js';
import type { EphemeralWorkerPolicy } from '../../policy/policy.js';
import type { WorkerRecordV1 } from '../../provider/v1/provider-v1.js';
import { LifecycleState } from '../../state/lifecycle-state.js';
import { decide } from './decide.js';
import type {
  Decision,
  DecisionEnvironment,
  DecisionInput,
  PresentObservation,
  WorkerFacts,
} from './decision-types.js';

/** A record as the decision function sees it: a compact observation received at `at`. */
export function observationOf(record: WorkerRecordV1, at: number): PresentObservation {
  return {
    kind: 'present',
    at,
    uid: record.uid,
    phase: record.phase,
    ready: record.ready,
    exitCode: record.exitCode,
    reason: record.reason,
    finishedAt: record.finishedAt?.getTime(),
    removing: record.removing,
  };
}

/** The facts of a worker first seen as this record (adopted), before any rule ran. */
export function adoptedFacts(
  record: WorkerRecordV1,
  stamps: { expiresAt: number | undefined; ttlMs: number },
  now: number,
): WorkerFacts {
  const finished = record.phase === 'succeeded' || record.phase === 'failed';
  return {
    workerId: record.workerId,
    state: LifecycleState.Initializing,
    adopted: true,
    createdAt: record.createdAt.getTime(),
    expiresAt: stamps.expiresAt,
    ttlMs: stamps.ttlMs,
    creation: 'done',
    busy: false,
    idleSince: undefined,
    idleMarkedAt: undefined,
    seenUnfinished: !finished,
    lastSeenAt: now,
    request: undefined,
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
    failure: undefined,
  };
}

/** The stamped deadline and TTL of a record, with the policy's TTL where none was stamped. */
export function stampsOf(
  record: WorkerRecordV1,
  policy: EphemeralWorkerPolicy,
): { owner: string; expiresAt: number | undefined; ttlMs: number } | undefined {
  const ownership = readOwnership(record);
  if (!ownership) return undefined;
  return {
    owner: ownership.owner,
    expiresAt: ownership.expiresAt?.getTime(),
    ttlMs:
      ownership.ttlAfterFinishedSeconds === undefined
        ? policy.ttlAfterCompletion
        : ownership.ttlAfterFinishedSeconds * 1000,
  };
}

export interface RecordDecisionOptions {
  /** The time to decide at. */
  readonly now: number;
  /** The policy of the one deciding; the record's stamps (deadline, TTL) take precedence. */
  readonly policy: EphemeralWorkerPolicy;
  /**
   * The manager instance deciding. When it is the stamped owner, the owner-only rules (idle
   * and startup timeouts) apply; otherwise only the stamped deadline and TTL do.
   */
  readonly instanceId?: string;
  /** Default: can stop, no log tail, no watch, 1 s retry delay and readiness poll interval. */
  readonly environment?: Partial<DecisionEnvironment>;
}

/**
 * The decision input for a worker known only from a record, as a manager that adopts it sees
 * it: what `explain` and `reap` pass to `decide`. Undefined when the record carries no
 * ownership stamp (it is not the lifecycle's to decide about).
 */
export function decisionInputFromRecord(
  record: WorkerRecordV1,
  options: RecordDecisionOptions,
): DecisionInput | undefined {
  const stamps = stampsOf(record, options.policy);
  if (!stamps) return undefined;
  return {
    now: options.now,
    worker: adoptedFacts(record, stamps, options.now),
    observation: observationOf(record, options.now),
    policy: options.policy,
    authority: {
      owner: stamps.owner,
      mayApplyOwnerRules: options.instanceId !== undefined && options.instanceId === stamps.owner,
    },
    environment: {
      canStop: true,
      logTailLines: 0,
      watching: false,
      retryDelay: 1_000,
      readinessPollInterval: 1_000,
      ...options.environment,
    },
  };
}

/** The decisions that follow one another at once, up to the first provider call or a settled answer. */
export interface WorkerPlan {
  /** Every decision in order; the last one is settled or asks for a provider call. */
  readonly steps: readonly Decision[];
  /** The facts once those decisions are applied. */
  readonly worker: WorkerFacts;
}

/**
 * Applies decisions to a copy of the facts until one asks for a provider call or is settled:
 * what a manager would do now, without doing it (`gc --dry-run`). The last step's `upcoming`
 * says which rules act later and when (`explain`).
 */
export function planWorker(input: DecisionInput, maxSteps = 32): WorkerPlan {
  const steps: Decision[] = [];
  let worker = input.worker;
  for (let i = 0; i < maxSteps; i += 1) {
    const decision = decide({ ...input, worker });
    steps.push(decision);
    worker = { ...worker, ...decision.changes, state: decision.state };
    if (decision.settled || decision.effects.length > 0) break;
  }
  return { steps, worker };
}
