/**
 * Table tests of the decision function: every rule, every state, every kind of observation
 * (none, present in each phase, being removed, gone), and the races the manager's tests name.
 * Each case is an input and the decision expected of it; the last test checks that the cases
 * together produce every transition of the state table, and only those.
 */
import { describe, expect, test } from 'vitest';
import { CleanupReason, TerminationReason } from '../../events/events.js';
import { definePolicy } from '../../policy/define-policy.js';
import type { WorkerRecordV1 } from '../../provider/v1/provider-v1.js';
import { type LifecycleState, lifecycleTransitions } from '../../state/lifecycle-state.js';
import { decide, ruleNames } from './decide.js';
import type {
  Decision,
  DecisionEnvironment,
  DecisionInput,
  Effect,
  Observation,
  PresentObservation,
  RuleName,
  WorkerFacts,
} from './decision-types.js';
import { decisionInputFromRecord, planWorker } from './from-record.js';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');
const second = 1_000;
const minute = 60 * second;

const policy = definePolicy({
  maxLifetime: '10m',
  ttlAfterCompletion: '1m',
  idleTimeout: '2m',
  gracefulTerminationTimeout: '10s',
  autoCleanupEnabled: true,
  orphanDetectionEnabled: true,
  orphanCheckInterval: '30s',
  startupTimeout: '30s',
  retainOnFailure: '1h',
});

function facts(over: Partial<WorkerFacts> = {}): WorkerFacts {
  return {
    workerId: 'w-1',
    state: 'Ready',
    adopted: false,
    createdAt: T0,
    expiresAt: T0 + 10 * minute,
    ttlMs: minute,
    creation: 'done',
    busy: false,
    idleSince: T0,
    idleMarkedAt: undefined,
    seenUnfinished: true,
    lastSeenAt: T0,
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
    ...over,
  };
}

function seen(over: Partial<PresentObservation> = {}): PresentObservation {
  return {
    kind: 'present',
    at: T0,
    uid: 'uid-1',
    phase: 'running',
    ready: true,
    exitCode: undefined,
    reason: undefined,
    finishedAt: undefined,
    removing: false,
    ...over,
  };
}

const ended = (over: Partial<PresentObservation> = {}) =>
  seen({
    phase: 'succeeded',
    ready: false,
    exitCode: 0,
    reason: 'Completed',
    finishedAt: T0 + minute,
    at: T0 + minute,
    ...over,
  });

const gone = (at = T0 + minute): Observation => ({ kind: 'gone', at });

interface CaseInput {
  readonly worker?: Partial<WorkerFacts>;
  readonly observation?: Observation | undefined;
  readonly now?: number;
  readonly owner?: boolean;
  readonly environment?: Partial<DecisionEnvironment>;
  readonly policy?: Parameters<typeof definePolicy>[0];
}

function inputOf(c: CaseInput): DecisionInput {
  return {
    now: c.now ?? T0 + minute,
    worker: facts(c.worker),
    observation: 'observation' in c ? c.observation : seen(),
    policy: c.policy ? definePolicy(c.policy, policy) : policy,
    authority: { owner: 'manager-a', mayApplyOwnerRules: c.owner ?? true },
    environment: {
      canStop: true,
      logTailLines: 20,
      watching: false,
      retryDelay: second,
      readinessPollInterval: second,
      ...c.environment,
    },
  };
}

interface Expected {
  readonly rule?: RuleName | undefined;
  readonly state?: LifecycleState;
  readonly changes?: Record<string, unknown>;
  /** Event types in order, or events matched field by field. */
  readonly events?: readonly (string | Record<string, unknown>)[];
  readonly effects?: readonly Effect[];
  readonly settled?: boolean;
  readonly wakeAt?: number | undefined;
  readonly upcoming?: readonly { rule: RuleName; at: number }[];
}

interface Case {
  readonly name: string;
  readonly given: CaseInput;
  readonly expect: Expected;
}

function check(decision: Decision, expected: Expected): void {
  if ('rule' in expected) expect(decision.rule).toBe(expected.rule);
  if (expected.state) expect(decision.state).toBe(expected.state);
  if (expected.changes) expect(decision.changes).toMatchObject(expected.changes);
  if (expected.events) {
    expect(decision.events.map((e) => e.payload.type)).toEqual(
      expected.events.map((e) => (typeof e === 'string' ? e : e.type)),
    );
    expected.events.forEach((e, i) => {
      if (typeof e !== 'string') {
        const { actor, ...payload } = e;
        expect(decision.events[i]?.payload).toMatchObject(payload);
        if (actor !== undefined) expect(decision.events[i]?.actor).toBe(actor);
      }
    });
  }
  if (expected.effects) expect(decision.effects).toEqual(expected.effects);
  if ('settled' in expected) expect(decision.settled).toBe(expected.settled);
  if ('wakeAt' in expected) expect(decision.wakeAt).toBe(expected.wakeAt);
  if (expected.upcoming) expect(decision.upcoming).toEqual(expected.upcoming);
}

const cases: Case[] = [
  // ------------------------------------------------------------------ vanished
  {
    name: 'vanished: a Ready worker gone out of band is a lost worker',
    given: { observation: gone(), worker: { lastSeenAt: T0 } },
    expect: {
      rule: 'vanished',
      state: 'CleanedUp',
      events: [
        { type: 'OrphanWorkerDetected', kind: 'lost-worker', orphanedDuration: minute },
        { type: 'WorkerEphemeralCleanedUp', cleanupReason: 'OrphanDetected', cleanupDuration: 0 },
      ],
    },
  },
  {
    name: 'vanished: a Running worker gone out of band is a lost worker',
    given: { observation: gone(), worker: { state: 'Running', busy: true } },
    expect: { state: 'CleanedUp', events: ['OrphanWorkerDetected', 'WorkerEphemeralCleanedUp'] },
  },
  {
    name: 'vanished: an Initializing worker gone out of band is a lost worker',
    given: { observation: gone(), worker: { state: 'Initializing' } },
    expect: { state: 'CleanedUp', events: ['OrphanWorkerDetected', 'WorkerEphemeralCleanedUp'] },
  },
  {
    name: 'vanished: a worker gone while being stopped is a lost worker',
    given: {
      observation: gone(),
      worker: { state: 'Terminating', terminationReason: 'IdleTimeout', stopAcceptedAt: T0 },
    },
    expect: { state: 'CleanedUp', events: ['OrphanWorkerDetected', 'WorkerEphemeralCleanedUp'] },
  },
  {
    name: 'vanished: our removal confirmed: CleanedUp with its reason and duration',
    given: {
      observation: gone(T0 + minute),
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0 + 50 * second,
        removeAcceptedAt: T0 + 55 * second,
      },
    },
    expect: {
      state: 'CleanedUp',
      events: [
        { type: 'WorkerEphemeralCleanedUp', cleanupReason: 'TtlExpired', cleanupDuration: 10_000 },
      ],
    },
  },
  {
    name: 'vanished: a half-made worker of a failed create goes without a word',
    given: {
      observation: gone(),
      worker: { state: 'Failed', creation: 'failed', cleanupReason: 'WorkerError' },
    },
    expect: { rule: 'vanished', state: 'CleanedUp', events: [] },
  },
  {
    name: 'vanished: a gone ended worker with no removal decided (autoCleanup off) is lost',
    given: {
      observation: gone(),
      worker: { state: 'Failed', exitCode: 1, finishedAt: T0 },
      policy: { autoCleanupEnabled: false },
    },
    expect: { state: 'CleanedUp', events: ['OrphanWorkerDetected', 'WorkerEphemeralCleanedUp'] },
  },
  // ------------------------------------------------------------------ create
  {
    name: 'create-failed: a create that failed may have left something: Failed, removed quietly',
    given: { observation: undefined, worker: { state: 'Created', creation: 'failed' } },
    expect: {
      rule: 'create-failed',
      state: 'Failed',
      changes: { cleanupReason: 'WorkerError' },
      events: [],
    },
  },
  {
    name: 'create-failed: a refused or cancelled create made nothing: CleanedUp at once',
    given: { observation: undefined, worker: { state: 'Created', creation: 'aborted' } },
    expect: { rule: 'create-failed', state: 'CleanedUp', events: [] },
  },
  {
    name: 'created: while the create call runs, nothing is decided (not even the deadline)',
    given: {
      observation: undefined,
      worker: { state: 'Created', creation: 'pending' },
      now: T0 + 11 * minute,
    },
    expect: { rule: 'created', state: 'Created', settled: true, wakeAt: undefined, effects: [] },
  },
  {
    name: 'created: the create returned: Initializing',
    given: { observation: seen({ phase: 'pending', ready: false }), worker: { state: 'Created' } },
    expect: { rule: 'created', state: 'Initializing', events: [] },
  },
  {
    name: 'created: terminated by the caller while being created: straight to Terminating',
    given: {
      worker: {
        state: 'Created',
        request: { kind: 'terminate', reason: 'ManualTermination', gracePeriodMs: undefined },
      },
    },
    expect: {
      rule: 'created',
      state: 'Terminating',
      events: [
        { type: 'WorkerEphemeralTerminating', reason: 'ManualTermination', actor: 'caller' },
      ],
    },
  },
  {
    name: 'created: removed by the caller while being created: straight to Terminating',
    given: { worker: { state: 'Created', request: { kind: 'remove', gracePeriodMs: 0 } } },
    expect: { rule: 'created', state: 'Terminating', changes: { terminationActor: 'caller' } },
  },
  // ------------------------------------------------------------------ removals
  {
    name: 'resume-removal: adopted while being removed (a crashed manager): its removal is finished',
    given: {
      worker: { state: 'Initializing', adopted: true },
      observation: seen({ removing: true }),
    },
    expect: { rule: 'resume-removal', changes: { cleanupReason: 'OrphanDetected' }, events: [] },
  },
  {
    name: 'resume-removal: our own worker removed by someone else is left to vanish (then lost)',
    given: { worker: { state: 'Ready' }, observation: seen({ removing: true }) },
    expect: { rule: undefined, settled: true },
  },
  {
    name: 'ttl-expired: the TTL ran out: removal, TtlExpired',
    given: {
      worker: { state: 'Terminated', finishedAt: T0, cleanupAt: T0 + minute },
      observation: ended({ at: T0 }),
    },
    expect: { rule: 'ttl-expired', changes: { cleanupReason: 'TtlExpired' } },
  },
  {
    name: 'ttl-expired: a TTL of zero is a normal termination, not an expiry',
    given: {
      worker: { state: 'Terminated', finishedAt: T0 + minute, cleanupAt: T0 + minute },
      observation: ended(),
    },
    expect: { rule: 'ttl-expired', changes: { cleanupReason: 'NormalTermination' } },
  },
  {
    name: 'ttl-expired: before the TTL runs out, it waits for it',
    given: {
      worker: { state: 'Failed', finishedAt: T0 + minute, cleanupAt: T0 + 61 * minute },
      observation: ended({ phase: 'failed', exitCode: 3 }),
    },
    expect: {
      rule: undefined,
      settled: true,
      wakeAt: T0 + 61 * minute,
      upcoming: [{ rule: 'ttl-expired', at: T0 + 61 * minute }],
    },
  },
  {
    name: 'ttl-expired: with autoCleanup off, an ended worker is kept (nothing to wake for)',
    given: {
      worker: { state: 'Terminated', finishedAt: T0, cleanupAt: undefined },
      observation: ended(),
      now: T0 + 600 * minute,
      policy: { autoCleanupEnabled: false },
    },
    expect: { rule: undefined, settled: true, wakeAt: undefined },
  },
  {
    name: 'caller-cleanup: the caller removes an ended worker: ForceCleanup, skipping its TTL',
    given: {
      worker: {
        state: 'Terminated',
        finishedAt: T0,
        cleanupAt: T0 + 10 * minute,
        request: { kind: 'remove', gracePeriodMs: undefined },
      },
      observation: ended(),
    },
    expect: { rule: 'caller-cleanup', changes: { cleanupReason: 'ForceCleanup' } },
  },
  {
    name: 'removal: decided: remove, within the policy grace period',
    given: { worker: { state: 'Terminated', cleanupReason: 'TtlExpired' }, observation: ended() },
    expect: { rule: 'removal', effects: [{ kind: 'remove', gracePeriodMs: 10_000 }] },
  },
  {
    name: "removal: the caller's grace period is honoured",
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'ForceCleanup',
        request: { kind: 'remove', gracePeriodMs: 500 },
      },
      observation: ended(),
    },
    expect: { effects: [{ kind: 'remove', gracePeriodMs: 500 }] },
  },
  {
    name: 'removal: accepted, no watch: read back at once',
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0 + minute,
        removeAcceptedAt: T0 + minute,
      },
      observation: ended({ at: T0 }),
    },
    expect: { effects: [{ kind: 'confirm', of: 'removal' }] },
  },
  {
    name: 'removal: accepted, with a watch: not read back during the grace period (the watch will say)',
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0 + minute,
        removeAcceptedAt: T0 + minute,
      },
      observation: ended({ removing: true, at: T0 + minute }),
      now: T0 + minute + 5 * second,
      environment: { watching: true },
    },
    expect: {
      rule: 'removal',
      settled: true,
      effects: [],
      wakeAt: T0 + minute + 11 * second,
    },
  },
  {
    name: 'removal: with a watch that said nothing by the end of the grace period: read back',
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0 + minute,
        removeAcceptedAt: T0 + minute,
      },
      observation: ended(),
      now: T0 + minute + 11 * second,
      environment: { watching: true },
    },
    expect: { effects: [{ kind: 'confirm', of: 'removal' }] },
  },
  {
    name: 'removal: a half-made worker is read back at once even with a watch',
    given: {
      worker: {
        state: 'Failed',
        creation: 'failed',
        cleanupReason: 'WorkerError',
        removeStartedAt: T0 + minute,
        removeAcceptedAt: T0 + minute,
      },
      observation: undefined,
      environment: { watching: true },
    },
    expect: { effects: [{ kind: 'confirm', of: 'removal' }], events: [] },
  },
  {
    name: 'removal: read back still being removed, not overdue: read back again a retry delay later',
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0,
        removeAcceptedAt: T0,
        checkedAt: T0 + 2 * second,
      },
      observation: ended({ removing: true, at: T0 + 2 * second }),
      now: T0 + 2 * second,
    },
    expect: { rule: 'removal', settled: true, wakeAt: T0 + 3 * second },
  },
  {
    name: 'removal: still being removed at the next read-back, not overdue: read back',
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0,
        removeAcceptedAt: T0,
        checkedAt: T0 + 2 * second,
      },
      observation: ended({ removing: true, at: T0 + 2 * second }),
      now: T0 + 3 * second,
    },
    expect: { effects: [{ kind: 'confirm', of: 'removal' }] },
  },
  {
    name: 'removal: read back and not being removed: ask again',
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0,
        removeAcceptedAt: T0,
        checkedAt: T0 + 2 * second,
      },
      observation: ended({ removing: false, at: T0 + 2 * second }),
      now: T0 + 3 * second,
    },
    expect: { effects: [{ kind: 'remove', gracePeriodMs: 10_000 }] },
  },
  {
    name: 'removal: stuck being removed past its grace period: ask again (the provider escalates)',
    given: {
      worker: {
        state: 'Initializing',
        adopted: true,
        cleanupReason: 'OrphanDetected',
        removeStartedAt: T0,
        removeAcceptedAt: T0,
        checkedAt: T0 + 11 * second,
      },
      observation: seen({ removing: true, at: T0 + 11 * second }),
      now: T0 + 12 * second,
    },
    expect: { effects: [{ kind: 'remove', gracePeriodMs: 10_000 }] },
  },
  {
    name: 'removal: a failed removal waits for its backoff',
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0,
        failure: {
          action: 'remove',
          attempts: 2,
          terminal: false,
          message: '503',
          errorCode: 'LIFECYCLE_PROVIDER_ERROR',
          status: 503,
          notBefore: T0 + minute + 2 * second,
          reported: false,
        },
      },
      observation: ended(),
    },
    expect: { rule: 'removal', settled: true, effects: [], wakeAt: T0 + minute + 2 * second },
  },
  {
    name: 'removal: a refused removal waits for the resync cadence, then is asked again',
    given: {
      worker: {
        state: 'Terminated',
        cleanupReason: 'TtlExpired',
        removeStartedAt: T0,
        failure: {
          action: 'remove',
          attempts: 1,
          terminal: true,
          message: '403 Forbidden',
          errorCode: 'LIFECYCLE_PROVIDER_ERROR',
          status: 403,
          notBefore: T0 + 30 * second,
          reported: true,
        },
      },
      observation: ended(),
    },
    expect: { effects: [{ kind: 'remove', gracePeriodMs: 10_000 }] },
  },
  {
    name: 'removal: a call in flight: nothing else until it ends',
    given: {
      worker: { state: 'Terminated', cleanupReason: 'TtlExpired', inFlight: 'remove' },
      observation: ended(),
    },
    expect: { rule: 'removal', settled: true, effects: [], wakeAt: undefined },
  },
  // ------------------------------------------------------------------ job-ended
  {
    name: 'job-ended: the last log lines are read first',
    given: { observation: ended() },
    expect: { rule: 'job-ended', state: 'Ready', effects: [{ kind: 'readLogs', tail: 20 }] },
  },
  {
    name: 'job-ended: while they are read, it waits',
    given: { observation: ended(), worker: { inFlight: 'readLogs' } },
    expect: { rule: 'job-ended', settled: true, effects: [] },
  },
  {
    name: 'job-ended: a completed job is Terminated with its exit code and logs; its TTL starts',
    given: { observation: ended(), worker: { logTail: ['hello', 'done'] } },
    expect: {
      rule: 'job-ended',
      state: 'Terminated',
      changes: { exitCode: 0, finishedAt: T0 + minute, cleanupAt: T0 + 2 * minute },
      events: [
        {
          type: 'WorkerEphemeralTerminated',
          reason: 'JobCompleted',
          exitCode: 0,
          lastLogLines: ['hello', 'done'],
          cleanupScheduled: true,
          ttlExpiresAt: new Date(T0 + 2 * minute),
          actor: 'infrastructure',
        },
      ],
    },
  },
  {
    name: 'job-ended: without logs to read, at once (lastLogLines null)',
    given: { observation: ended(), environment: { logTailLines: 0 }, worker: { state: 'Running' } },
    expect: {
      state: 'Terminated',
      events: [{ type: 'WorkerEphemeralTerminated', lastLogLines: null }],
    },
  },
  {
    name: 'job-ended: a failed job is Failed and kept for retainOnFailure',
    given: {
      observation: ended({ phase: 'failed', exitCode: 3, reason: 'Error' }),
      worker: { logTail: null },
    },
    expect: {
      state: 'Failed',
      changes: { exitCode: 3, cleanupAt: T0 + minute + 60 * minute },
      events: [{ type: 'WorkerEphemeralTerminated', reason: 'JobCompleted', exitCode: 3 }],
    },
  },
  {
    name: 'job-ended: a job that fails before it is ready (Initializing -> Failed)',
    given: {
      observation: ended({ phase: 'failed', exitCode: 1, reason: 'Error' }),
      worker: { state: 'Initializing', logTail: null },
    },
    expect: { state: 'Failed' },
  },
  {
    name: 'job-ended: a job that completes before it is ready (Initializing -> Terminated)',
    given: { observation: ended(), worker: { state: 'Initializing', logTail: null } },
    expect: { state: 'Terminated' },
  },
  {
    name: 'job-ended: a busy worker whose job fails (Running -> Failed)',
    given: {
      observation: ended({ phase: 'failed', exitCode: 2, reason: 'Error' }),
      worker: { state: 'Running', busy: true, logTail: null },
    },
    expect: { state: 'Failed' },
  },
  {
    name: 'job-ended: the TTL never starts before the end was observed (Kubernetes truncates finishedAt to whole seconds)',
    given: {
      observation: ended({ finishedAt: T0 + 5 * second, at: T0 + 5 * second + 900 }),
      worker: { logTail: null, seenUnfinished: true },
      now: T0 + 5 * second + 900,
    },
    expect: {
      changes: { finishedAt: T0 + 5 * second + 900, cleanupAt: T0 + 65 * second + 900 },
    },
  },
  {
    name: 'job-ended: the TTL never starts before the reported end either (a clock ahead)',
    given: {
      observation: ended({ finishedAt: T0 + 7 * second, at: T0 + 5 * second }),
      worker: { logTail: null, seenUnfinished: true },
      now: T0 + 5 * second,
    },
    expect: { changes: { finishedAt: T0 + 7 * second } },
  },
  {
    name: 'job-ended: adopted already finished: the TTL counts from the reported end',
    given: {
      observation: ended({ finishedAt: T0 + 5_300, at: T0 + 60 * minute }),
      worker: { adopted: true, state: 'Initializing', logTail: null, seenUnfinished: false },
      now: T0 + 60 * minute,
    },
    expect: {
      changes: { finishedAt: T0 + 5_300, cleanupAt: T0 + 65_300 },
      events: [{ type: 'WorkerEphemeralTerminated', ttlExpiresAt: new Date(T0 + 65_300) }],
    },
  },
  {
    name: 'job-ended: adopted already finished, the end reported in whole seconds (maybe truncated): the TTL counts from a second later',
    given: {
      observation: ended({ finishedAt: T0 + 5 * second, at: T0 + 60 * minute }),
      worker: { adopted: true, state: 'Initializing', logTail: null, seenUnfinished: false },
      now: T0 + 60 * minute,
    },
    expect: {
      changes: { finishedAt: T0 + 6 * second, cleanupAt: T0 + 66 * second },
      events: [{ type: 'WorkerEphemeralTerminated', ttlExpiresAt: new Date(T0 + 66 * second) }],
    },
  },
  {
    name: 'job-ended: adopted after its deadline, a job that completed before it ends JobCompleted, not LifetimeExceeded',
    given: {
      observation: ended({ finishedAt: T0 + 2 * minute, at: T0 + 30 * minute }),
      worker: { adopted: true, state: 'Initializing', logTail: null, seenUnfinished: false },
      now: T0 + 30 * minute,
      owner: false,
    },
    expect: {
      rule: 'job-ended',
      state: 'Terminated',
      events: [{ type: 'WorkerEphemeralTerminated', reason: 'JobCompleted', exitCode: 0 }],
    },
  },
  {
    name: "job-ended: ended by the infrastructure's deadline (DeadlineExceeded): LifetimeExceeded",
    given: {
      observation: ended({ phase: 'failed', exitCode: 137, reason: 'DeadlineExceeded' }),
      worker: { logTail: null },
    },
    expect: {
      state: 'Terminated',
      events: [{ type: 'WorkerEphemeralTerminated', reason: 'LifetimeExceeded' }],
    },
  },
  {
    name: 'job-ended: stopped from outside before its deadline (docker stop, an engine restart): ExternalTermination',
    given: {
      observation: ended({ phase: 'failed', exitCode: 143, reason: 'Stopped' }),
      worker: { logTail: null },
    },
    expect: {
      state: 'Terminated',
      events: [{ type: 'WorkerEphemeralTerminated', reason: 'ExternalTermination', exitCode: 143 }],
    },
  },
  {
    name: 'job-ended: killed from outside at or after its deadline (another manager of the scope): LifetimeExceeded',
    given: {
      observation: ended({
        phase: 'failed',
        exitCode: 137,
        reason: 'Killed',
        finishedAt: T0 + 10 * minute,
        at: T0 + 11 * minute,
      }),
      worker: { logTail: null },
      now: T0 + 11 * minute,
    },
    expect: { events: [{ type: 'WorkerEphemeralTerminated', reason: 'LifetimeExceeded' }] },
  },
  {
    name: 'job-ended: after our stop, the termination reason holds (Terminating -> Terminated)',
    given: {
      observation: ended({ phase: 'failed', exitCode: 143, reason: 'Stopped' }),
      worker: {
        state: 'Terminating',
        terminationReason: 'IdleTimeout',
        terminationActor: 'manager',
        stopAcceptedAt: T0 + 50 * second,
        logTail: ['bye'],
      },
    },
    expect: {
      state: 'Terminated',
      events: [
        {
          type: 'WorkerEphemeralTerminated',
          reason: 'IdleTimeout',
          exitCode: 143,
          actor: 'manager',
        },
      ],
    },
  },
  {
    name: "job-ended: ended during the caller's removal: removed at once (ForceCleanup)",
    given: {
      observation: ended({ phase: 'failed', exitCode: 143, reason: 'Stopped' }),
      worker: {
        state: 'Terminating',
        terminationReason: 'ManualTermination',
        terminationActor: 'caller',
        request: { kind: 'remove', gracePeriodMs: undefined },
        logTail: null,
      },
    },
    expect: {
      state: 'Terminated',
      changes: { cleanupReason: 'ForceCleanup', cleanupAt: T0 + minute },
      events: [{ type: 'WorkerEphemeralTerminated', actor: 'caller' }],
    },
  },
  {
    name: 'job-ended: with autoCleanup off, no removal is scheduled',
    given: {
      observation: ended(),
      worker: { logTail: null },
      policy: { autoCleanupEnabled: false },
    },
    expect: {
      changes: { cleanupAt: undefined },
      events: [{ type: 'WorkerEphemeralTerminated', cleanupScheduled: false, ttlExpiresAt: null }],
    },
  },
  {
    name: 'job-ended: a worker dying under an outside removal is not a finished job (it will be a lost worker)',
    given: {
      observation: ended({ phase: 'failed', exitCode: 137, removing: true }),
      worker: { logTail: null },
    },
    expect: { rule: undefined, state: 'Ready', events: [] },
  },
  // ------------------------------------------------------------------ endings
  {
    name: 'caller-removal: the owner removes a running worker: Terminating, without a stop',
    given: { worker: { request: { kind: 'remove', gracePeriodMs: undefined } } },
    expect: {
      rule: 'caller-removal',
      state: 'Terminating',
      events: [
        { type: 'WorkerEphemeralTerminating', reason: 'ManualTermination', actor: 'caller' },
      ],
    },
  },
  {
    name: "caller-removal: another manager's request is not the owner's (never applied)",
    given: { owner: false, worker: { request: { kind: 'remove', gracePeriodMs: undefined } } },
    expect: { rule: undefined, state: 'Ready' },
  },
  {
    name: 'startup-timeout: not ready in time: Terminating (StartupTimeout)',
    given: {
      worker: { state: 'Initializing' },
      observation: seen({ ready: false }),
      now: T0 + 30 * second,
    },
    expect: {
      rule: 'startup-timeout',
      state: 'Terminating',
      events: [{ type: 'WorkerEphemeralTerminating', reason: 'StartupTimeout', actor: 'manager' }],
    },
  },
  {
    name: 'startup-timeout: before it, the wake-up is set for it',
    given: {
      worker: { state: 'Initializing' },
      observation: seen({ phase: 'pending', ready: false }),
      now: T0 + 10 * second,
      environment: { watching: true },
    },
    expect: {
      rule: undefined,
      wakeAt: T0 + 30 * second,
      upcoming: [
        { rule: 'startup-timeout', at: T0 + 30 * second },
        { rule: 'max-lifetime', at: T0 + 10 * minute },
      ],
    },
  },
  {
    name: 'startup-timeout: an adopted worker is not held to this manager’s startup timeout',
    given: {
      worker: { state: 'Initializing', adopted: true },
      observation: seen({ ready: false }),
      now: T0 + 60 * second,
      environment: { watching: true },
    },
    expect: { rule: undefined, state: 'Initializing' },
  },
  {
    name: 'max-lifetime: past its deadline: Terminating (LifetimeExceeded)',
    given: { worker: { state: 'Running', busy: true }, now: T0 + 10 * minute },
    expect: {
      rule: 'max-lifetime',
      state: 'Terminating',
      events: [
        { type: 'WorkerEphemeralTerminating', reason: 'LifetimeExceeded', actor: 'manager' },
      ],
    },
  },
  {
    name: "max-lifetime: any manager of the scope enforces the stamped deadline, the owner's or not",
    given: { owner: false, worker: { adopted: true }, now: T0 + 10 * minute },
    expect: { rule: 'max-lifetime', state: 'Terminating' },
  },
  {
    name: 'max-lifetime: adopted running past its deadline: straight to Terminating (no Ready first)',
    given: {
      owner: false,
      worker: { adopted: true, state: 'Initializing' },
      now: T0 + 20 * minute,
    },
    expect: { rule: 'max-lifetime', state: 'Terminating' },
  },
  {
    name: 'max-lifetime: without a stamped deadline there is none',
    given: { owner: false, worker: { adopted: true, expiresAt: undefined }, now: T0 + 20 * minute },
    expect: { rule: undefined, upcoming: [] },
  },
  {
    name: "caller-termination: the owner's terminate: Terminating with the caller's reason",
    given: {
      worker: {
        request: { kind: 'terminate', reason: 'ManualTermination', gracePeriodMs: 2_000 },
      },
    },
    expect: {
      rule: 'caller-termination',
      state: 'Terminating',
      events: [
        { type: 'WorkerEphemeralTerminating', reason: 'ManualTermination', actor: 'caller' },
      ],
    },
  },
  {
    name: 'idle-timeout: idle for the idle timeout: Terminating (IdleTimeout)',
    given: { worker: { idleSince: T0 }, now: T0 + 2 * minute },
    expect: {
      rule: 'idle-timeout',
      state: 'Terminating',
      events: [{ type: 'WorkerEphemeralTerminating', reason: 'IdleTimeout' }],
    },
  },
  {
    name: 'idle-timeout: a busy worker is never idle',
    given: { worker: { state: 'Running', busy: true }, now: T0 + 5 * minute },
    expect: { rule: undefined, upcoming: [{ rule: 'max-lifetime', at: T0 + 10 * minute }] },
  },
  {
    name: 'idle-timeout: not the rule of a manager that does not own the worker',
    given: { owner: false, worker: { adopted: true }, now: T0 + 5 * minute },
    expect: { rule: undefined, upcoming: [{ rule: 'max-lifetime', at: T0 + 10 * minute }] },
  },
  {
    name: 'idle-timeout: a Ready worker lists both its idle and its lifetime deadlines, earliest first',
    given: { worker: { idleSince: T0 }, now: T0 + second },
    expect: {
      wakeAt: T0 + 2 * minute,
      upcoming: [
        { rule: 'idle-timeout', at: T0 + 2 * minute },
        { rule: 'max-lifetime', at: T0 + 10 * minute },
      ],
    },
  },
  // ------------------------------------------------------------------ terminating
  {
    name: 'end-without-stop: a provider without stop: the last log lines first',
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'IdleTimeout',
        terminationActor: 'manager',
      },
      environment: { canStop: false },
    },
    expect: { rule: 'end-without-stop', effects: [{ kind: 'readLogs', tail: 20 }] },
  },
  {
    name: 'end-without-stop: then Terminated, and removed at once (NormalTermination)',
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'IdleTimeout',
        terminationActor: 'manager',
        logTail: ['x'],
      },
      environment: { canStop: false },
    },
    expect: {
      state: 'Terminated',
      changes: { cleanupReason: 'NormalTermination', cleanupAt: T0 + minute },
      events: [
        {
          type: 'WorkerEphemeralTerminated',
          reason: 'IdleTimeout',
          cleanupScheduled: true,
          ttlExpiresAt: new Date(T0 + minute),
          exitCode: null,
          lastLogLines: ['x'],
        },
      ],
    },
  },
  {
    name: 'end-without-stop: a worker that never started (pending) past its deadline is removed, not stopped',
    given: {
      owner: false,
      worker: {
        adopted: true,
        state: 'Terminating',
        terminationReason: 'LifetimeExceeded',
        terminationActor: 'manager',
        logTail: [],
      },
      observation: seen({ phase: 'pending', ready: false }),
      now: T0 + 20 * minute,
    },
    expect: {
      rule: 'end-without-stop',
      state: 'Terminated',
      changes: { cleanupReason: 'NormalTermination', cleanupAt: T0 + 20 * minute },
      events: [{ type: 'WorkerEphemeralTerminated', reason: 'LifetimeExceeded' }],
    },
  },
  {
    name: 'end-without-stop: a startup timeout is a failure, removed at once (WorkerError)',
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'StartupTimeout',
        terminationActor: 'manager',
        logTail: ['booting'],
      },
      observation: seen({ ready: false }),
    },
    expect: {
      state: 'Failed',
      changes: { cleanupReason: 'WorkerError' },
      events: [{ type: 'WorkerEphemeralTerminated', reason: 'StartupTimeout' }],
    },
  },
  {
    name: "end-without-stop: the caller's removal of a worker being stopped switches to removing it",
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'LifetimeExceeded',
        terminationActor: 'manager',
        stopAcceptedAt: T0,
        request: { kind: 'remove', gracePeriodMs: 0 },
        logTail: null,
      },
    },
    expect: { state: 'Terminated', changes: { cleanupReason: 'ForceCleanup' } },
  },
  {
    name: 'stopping: ask for the stop, within the policy grace period',
    given: { worker: { state: 'Terminating', terminationReason: 'LifetimeExceeded' } },
    expect: { rule: 'stopping', effects: [{ kind: 'stop', gracePeriodMs: 10_000 }] },
  },
  {
    name: "stopping: the caller's grace period is honoured",
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'ManualTermination',
        request: { kind: 'terminate', reason: 'ManualTermination', gracePeriodMs: 2_000 },
      },
    },
    expect: { effects: [{ kind: 'stop', gracePeriodMs: 2_000 }] },
  },
  {
    name: 'stopping: accepted, no watch: read back at once',
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'IdleTimeout',
        stopAcceptedAt: T0 + minute,
      },
      observation: seen({ at: T0 }),
    },
    expect: { effects: [{ kind: 'confirm', of: 'stop' }] },
  },
  {
    name: 'stopping: accepted, with a watch: its events will say (read back only after the grace period)',
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'IdleTimeout',
        stopAcceptedAt: T0 + minute,
      },
      environment: { watching: true },
    },
    expect: { rule: 'stopping', settled: true, wakeAt: T0 + minute + 11 * second },
  },
  {
    name: 'stopping: read back still running long past the grace period: stop again',
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'IdleTimeout',
        stopAcceptedAt: T0,
        checkedAt: T0 + 30 * second,
      },
      observation: seen({ at: T0 + 30 * second }),
    },
    expect: { effects: [{ kind: 'stop', gracePeriodMs: 10_000 }] },
  },
  {
    name: 'stopping: a refused stop waits for the resync cadence',
    given: {
      worker: {
        state: 'Terminating',
        terminationReason: 'IdleTimeout',
        failure: {
          action: 'stop',
          attempts: 1,
          terminal: true,
          message: '403',
          errorCode: undefined,
          status: 403,
          notBefore: T0 + 90 * second,
          reported: true,
        },
      },
    },
    expect: { rule: 'stopping', settled: true, wakeAt: T0 + 90 * second },
  },
  // ------------------------------------------------------------------ readiness and marks
  {
    name: 'ready: running and ready: Ready, and idle from now',
    given: { worker: { state: 'Initializing', idleSince: undefined }, now: T0 + 10 * second },
    expect: {
      rule: 'ready',
      state: 'Ready',
      changes: { idleSince: T0 + 10 * second },
      events: [{ type: 'WorkerEphemeralReady', actor: 'infrastructure' }],
    },
  },
  {
    name: 'ready: marked busy before it was ready: Running',
    given: { worker: { state: 'Initializing', busy: true }, now: T0 + 10 * second },
    expect: { rule: 'ready', state: 'Running', events: ['WorkerEphemeralReady'] },
  },
  {
    name: 'ready: running but not ready yet: still Initializing',
    given: {
      worker: { state: 'Initializing' },
      observation: seen({ ready: false }),
      environment: { watching: true },
      now: T0 + 10 * second,
    },
    expect: { rule: undefined, state: 'Initializing' },
  },
  {
    name: 'ready: an unknown phase changes nothing',
    given: {
      worker: { state: 'Initializing' },
      observation: seen({ phase: 'unknown', ready: false }),
      environment: { watching: true },
      now: T0 + 10 * second,
    },
    expect: { rule: undefined, state: 'Initializing' },
  },
  {
    name: 'ready: nothing observed yet changes nothing',
    given: {
      worker: { state: 'Initializing' },
      observation: undefined,
      environment: { watching: true },
      now: T0 + 10 * second,
    },
    expect: { rule: undefined, state: 'Initializing' },
  },
  {
    name: 'busy-mark: Ready and marked busy: Running',
    given: { worker: { busy: true } },
    expect: { rule: 'busy-mark', state: 'Running', events: [] },
  },
  {
    name: 'idle-mark: Running and marked idle: Ready, announced, idle from the mark',
    given: { worker: { state: 'Running', idleMarkedAt: T0 + 30 * second } },
    expect: {
      rule: 'idle-mark',
      state: 'Ready',
      changes: { idleSince: T0 + 30 * second, idleMarkedAt: undefined },
      events: [
        {
          type: 'WorkerEphemeralIdle',
          idleSince: new Date(T0 + 30 * second),
          actor: 'caller',
        },
      ],
    },
  },
  {
    name: 'idle-mark: Ready and marked idle again: announced, the idle timeout counts anew',
    given: { worker: { idleSince: T0, idleMarkedAt: T0 + 110 * second }, now: T0 + 2 * minute },
    expect: { rule: 'idle-mark', state: 'Ready', changes: { idleSince: T0 + 110 * second } },
  },
  {
    name: 'poll-readiness: without a watch, a starting worker is read back at an interval',
    given: {
      worker: { state: 'Initializing', lastSeenAt: T0 + 9 * second },
      observation: seen({ ready: false }),
      now: T0 + 10 * second,
    },
    expect: { rule: 'poll-readiness', effects: [{ kind: 'confirm', of: 'readiness' }] },
  },
  {
    name: 'poll-readiness: before the interval, the wake-up is set for it',
    given: {
      worker: { state: 'Initializing', lastSeenAt: T0 + 10 * second },
      observation: seen({ ready: false }),
      now: T0 + 10 * second,
    },
    expect: {
      rule: undefined,
      wakeAt: T0 + 11 * second,
      upcoming: [
        { rule: 'poll-readiness', at: T0 + 11 * second },
        { rule: 'startup-timeout', at: T0 + 30 * second },
        { rule: 'max-lifetime', at: T0 + 10 * minute },
      ],
    },
  },
  {
    name: 'poll-readiness: with a watch, there is no polling',
    given: {
      worker: { state: 'Initializing', lastSeenAt: T0 },
      observation: seen({ phase: 'pending', ready: false }),
      environment: { watching: true },
      now: T0 + 10 * second,
    },
    expect: {
      rule: undefined,
      upcoming: [
        { rule: 'startup-timeout', at: T0 + 30 * second },
        { rule: 'max-lifetime', at: T0 + 10 * minute },
      ],
    },
  },
  {
    name: 'CleanedUp is final: nothing more is decided',
    given: { worker: { state: 'CleanedUp' }, observation: gone() },
    expect: { rule: undefined, settled: true, wakeAt: undefined, upcoming: [] },
  },
];

describe('decide', () => {
  test.each(cases)('$name', ({ given, expect: expected }) => {
    check(decide(inputOf(given)), expected);
  });

  test('is pure: the same input gives the same answer and the input is not changed', () => {
    for (const { given } of cases) {
      const input = inputOf(given);
      const frozen = JSON.stringify(input);
      expect(decide(input)).toEqual(decide(input));
      expect(JSON.stringify(input)).toBe(frozen);
    }
  });

  test('every rule acts in some case', () => {
    const acting = new Set(cases.map(({ given }) => decide(inputOf(given)).rule));
    expect(ruleNames.filter((rule) => !acting.has(rule))).toEqual([]);
  });

  test('the cases produce every transition of the state table, and no other', () => {
    const produced = new Set<string>();
    for (const { given } of cases) {
      const input = inputOf(given);
      const decision = decide(input);
      if (decision.state !== input.worker.state) {
        produced.add(`${input.worker.state} -> ${decision.state}`);
      }
    }
    const table = Object.entries(lifecycleTransitions).flatMap(([from, tos]) =>
      tos.map((to) => `${from} -> ${to}`),
    );
    expect([...produced].sort()).toEqual(table.sort());
  });
});

// ------------------------------------------------------------------ known only from a record

function record(over: Partial<WorkerRecordV1> = {}): WorkerRecordV1 {
  return {
    workerId: 'w-r',
    uid: 'uid-r',
    phase: 'running',
    ready: true,
    exitCode: undefined,
    reason: undefined,
    createdAt: new Date(T0),
    startedAt: new Date(T0),
    finishedAt: undefined,
    removing: false,
    labels: {
      'hodei.io/managed-by': 'ci',
      'hodei.io/worker-id': 'w-r',
      'hodei.io/provider-id': 'docker-1',
      'hodei.io/owner': 'dead-manager',
    },
    annotations: {
      'hodei.io/expires-at': new Date(T0 + 6 * second).toISOString(),
      'hodei.io/ttl-after-finished': '2',
    },
    ...over,
  };
}

describe('decisionInputFromRecord and planWorker (what the operator CLI uses)', () => {
  test('a record without an ownership stamp is not the lifecycle’s to decide about', () => {
    expect(decisionInputFromRecord(record({ labels: {} }), { now: T0, policy })).toBeUndefined();
  });

  test('a running worker of a dead owner: its stamped deadline, not the caller’s policy, ends it', () => {
    const early = decisionInputFromRecord(record(), { now: T0 + second, policy })!;
    expect(early.authority).toEqual({ owner: 'dead-manager', mayApplyOwnerRules: false });
    const plan = planWorker(early);
    expect(plan.worker.state).toBe('Ready');
    expect(plan.steps.at(-1)?.upcoming).toEqual([{ rule: 'max-lifetime', at: T0 + 6 * second }]);

    const late = planWorker(decisionInputFromRecord(record(), { now: T0 + 7 * second, policy })!);
    expect(late.steps.map((s) => s.rule)).toEqual(['max-lifetime', 'stopping']);
    expect(late.steps.at(-1)?.effects).toEqual([{ kind: 'stop', gracePeriodMs: 10_000 }]);
    expect(late.worker.terminationReason).toBe(TerminationReason.LifetimeExceeded);
  });

  test('a job that completed before its deadline, seen after it: JobCompleted, removed at its stamped TTL', () => {
    const finished = record({
      phase: 'succeeded',
      ready: false,
      exitCode: 0,
      reason: 'Completed',
      finishedAt: new Date(T0 + 3_200),
    });
    const plan = planWorker(decisionInputFromRecord(finished, { now: T0 + 5 * minute, policy })!);
    expect(plan.steps.map((s) => s.rule)).toEqual(['job-ended', 'ttl-expired', 'removal']);
    expect(plan.steps[0]?.events[0]?.payload).toMatchObject({
      type: 'WorkerEphemeralTerminated',
      reason: 'JobCompleted',
      exitCode: 0,
      ttlExpiresAt: new Date(T0 + 3_200 + 2 * second),
    });
    expect(plan.worker.cleanupReason).toBe(CleanupReason.TtlExpired);
    expect(plan.steps.at(-1)?.effects).toEqual([{ kind: 'remove', gracePeriodMs: 10_000 }]);
  });

  test('the owner itself may apply the owner-only rules (its idle timeout)', () => {
    const input = decisionInputFromRecord(record({ annotations: {} }), {
      now: T0,
      policy,
      instanceId: 'dead-manager',
    })!;
    expect(input.authority.mayApplyOwnerRules).toBe(true);
    const plan = planWorker(input);
    expect(plan.steps.at(-1)?.upcoming).toEqual([{ rule: 'idle-timeout', at: T0 + 2 * minute }]);
  });
});
