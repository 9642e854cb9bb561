/**
 * The decision function: the single place where the lifecycle's policy rules live.
 *
 * Given a worker's facts, its latest observation, the time and the policy, `decide` returns
 * the next state, the events to publish, the provider calls to make and when to look again.
 * It reads no clock, does no I/O and changes nothing: the manager applies its answer and asks
 * again until it is settled; the operator CLI asks it to explain a worker's future.
 *
 * The rules are tried in order; the first that acts (or holds the worker, waiting for a call
 * in flight or a backoff) decides. Their order is the precedence: what the infrastructure
 * observed comes before what the clock says (a job that completed before its deadline was
 * seen ended `JobCompleted`, even when its adopter arrives after the deadline).
 */
import { CleanupReason, TerminationReason } from '../../events/events.js';
import { LifecycleState } from '../../state/lifecycle-state.js';
import type {
  DecidedEvent,
  DecidedFacts,
  Decision,
  DecisionInput,
  Effect,
  PresentObservation,
  RuleName,
  UpcomingRule,
  WorkerFacts,
} from './decision-types.js';
import { endReasonOf, ttlCountsFrom } from './ttl.js';

const S = LifecycleState;

interface Context extends DecisionInput {
  readonly w: WorkerFacts;
  readonly present: PresentObservation | undefined;
  /** Observed finished by itself (not in the middle of someone's removal). */
  readonly ended: boolean;
  /** No provider call runs for it and no backoff holds it. */
  readonly canAct: boolean;
  /** When a backoff stops holding it. */
  readonly backoffUntil: number | undefined;
  readonly owner: boolean;
}

interface Step {
  readonly state?: LifecycleState;
  readonly changes?: Partial<DecidedFacts>;
  readonly events?: readonly DecidedEvent[];
  readonly effects?: readonly Effect[];
}

/** Nothing to do before `until` (or before the call in flight ends), and no lower rule may act. */
interface Hold {
  readonly hold: true;
  readonly until: number | undefined;
}

interface Rule {
  readonly name: RuleName;
  /** Acts now, holds the worker, or does not apply (undefined). */
  decide(ctx: Context): Step | Hold | undefined;
  /** When it will act if nothing changes first (asked only when no rule acts now). */
  due?(ctx: Context): number | undefined;
}

const hold = (until: number | undefined): Hold => ({ hold: true, until });
const isActive = (state: LifecycleState) =>
  state === S.Initializing || state === S.Ready || state === S.Running;
const isEnded = (state: LifecycleState) => state === S.Terminated || state === S.Failed;

// ------------------------------------------------------------------ helpers

function terminating(
  reason: TerminationReason,
  actor: 'caller' | 'manager',
  extra: Partial<DecidedFacts> = {},
): Step {
  return {
    state: S.Terminating,
    changes: { terminationReason: reason, terminationActor: actor, ...extra },
    events: [{ actor, payload: { type: 'WorkerEphemeralTerminating', reason } }],
  };
}

/** Ending without a stop: no stop capability, a startup timeout, or the caller's removal. */
function withoutStop(ctx: Context): boolean {
  const { w, environment } = ctx;
  return (
    !environment.canStop ||
    w.terminationReason === TerminationReason.StartupTimeout ||
    w.request?.kind === 'remove'
  );
}

/** The Terminated event needs the last log lines: read them first, where the provider has logs. */
function logsFirst(ctx: Context): Step | Hold | undefined {
  if (ctx.environment.logTailLines === 0 || ctx.w.logTail !== undefined) return undefined;
  if (ctx.w.inFlight !== undefined) return hold(undefined);
  return { effects: [{ kind: 'readLogs', tail: ctx.environment.logTailLines }] };
}

/**
 * The worker has ended: Terminated (or Failed), with its exit code and last log lines, and its
 * removal due after its TTL, or at once when it ended without a stop.
 */
function ended(ctx: Context, observed: PresentObservation | undefined): Step {
  const { w, now, policy } = ctx;
  const byItself = w.state !== S.Terminating;
  const reason =
    w.terminationReason ??
    (observed ? endReasonOf(observed, w.expiresAt) : TerminationReason.JobCompleted);
  const failedByItself =
    byItself && observed?.phase === 'failed' && reason === TerminationReason.JobCompleted;
  const state =
    failedByItself || reason === TerminationReason.StartupTimeout ? S.Failed : S.Terminated;
  const exitCode = observed?.exitCode ?? w.exitCode;
  const lastLogLines = w.logTail ?? null;
  if (!byItself && withoutStop(ctx)) {
    // It is removed now: that is how it ends.
    const cleanupReason =
      w.request?.kind === 'remove'
        ? CleanupReason.ForceCleanup
        : reason === TerminationReason.StartupTimeout
          ? CleanupReason.WorkerError
          : CleanupReason.NormalTermination;
    return {
      state,
      changes: {
        terminationReason: reason,
        exitCode,
        finishedAt: now,
        cleanupAt: now,
        cleanupReason,
      },
      events: [
        {
          actor: w.terminationActor ?? 'manager',
          payload: {
            type: 'WorkerEphemeralTerminated',
            reason,
            cleanupScheduled: true,
            ttlExpiresAt: new Date(now),
            exitCode: exitCode ?? null,
            lastLogLines,
          },
        },
      ],
    };
  }
  const finishedAt = observed ? ttlCountsFrom(observed, w.seenUnfinished) : now;
  const ttl =
    failedByItself && policy.retainOnFailure !== undefined ? policy.retainOnFailure : w.ttlMs;
  const cleanupAt = policy.autoCleanupEnabled ? finishedAt + ttl : undefined;
  return {
    state,
    changes: { terminationReason: reason, exitCode, finishedAt, cleanupAt },
    events: [
      {
        actor: byItself ? 'infrastructure' : 'manager',
        payload: {
          type: 'WorkerEphemeralTerminated',
          reason,
          cleanupScheduled: cleanupAt !== undefined,
          ttlExpiresAt: cleanupAt === undefined ? null : new Date(cleanupAt),
          exitCode: exitCode ?? null,
          lastLogLines,
        },
      },
    ],
  };
}

/**
 * After a stop or a removal was accepted: read the worker back (at once without a watch;
 * with one, only if its events have not settled it within the grace period), and ask again
 * once it is overdue, so the provider can escalate (a force delete of a pod stuck terminating).
 */
function followUp(
  ctx: Context,
  p: {
    readonly acceptedAt: number;
    readonly overdueSince: number;
    readonly gracePeriodMs: number;
    readonly trustWatch: boolean;
    readonly confirm: Effect;
    readonly again: Effect;
    /** A fresh observation shows the request has not taken hold. */
    readonly notTaken: (observed: PresentObservation) => boolean;
  },
): Step | Hold {
  const { now, w, environment: env } = ctx;
  const checked =
    w.checkedAt !== undefined && w.checkedAt >= p.acceptedAt ? w.checkedAt : undefined;
  const firstCheck =
    p.trustWatch && env.watching ? p.acceptedAt + p.gracePeriodMs + env.retryDelay : p.acceptedAt;
  const dueAt = checked === undefined ? firstCheck : Math.max(firstCheck, checked + env.retryDelay);
  if (now < dueAt) return hold(dueAt);
  if (!ctx.canAct) return hold(ctx.backoffUntil);
  // Only what was read after the request counts: an older observation predates it.
  const fresh =
    checked !== undefined && ctx.present && ctx.present.at >= checked ? ctx.present : undefined;
  const overdue = now - p.overdueSince > p.gracePeriodMs + env.retryDelay;
  return { effects: [fresh && (overdue || p.notTaken(fresh)) ? p.again : p.confirm] };
}

// ------------------------------------------------------------------ the rules

/** The physical worker is gone: our removal confirmed, or a lost worker. */
const vanished: Rule = {
  name: 'vanished',
  decide({ w, observation, now }) {
    if (observation?.kind !== 'gone' || w.state === S.Created) return undefined;
    if (w.creation === 'failed') return { state: S.CleanedUp }; // never announced: no events
    if (w.cleanupReason !== undefined) {
      return {
        state: S.CleanedUp,
        events: [
          {
            actor: 'manager',
            payload: {
              type: 'WorkerEphemeralCleanedUp',
              cleanupReason: w.cleanupReason,
              cleanupDuration: now - (w.removeStartedAt ?? now),
            },
          },
        ],
      };
    }
    // Nobody here removed it: deleted out of band (by hand, by the infrastructure).
    return {
      state: S.CleanedUp,
      changes: { cleanupReason: CleanupReason.OrphanDetected },
      events: [
        {
          actor: 'manager',
          payload: {
            type: 'OrphanWorkerDetected',
            kind: 'lost-worker',
            lastSeen: new Date(w.lastSeenAt),
            orphanedDuration: now - w.lastSeenAt,
          },
        },
        {
          actor: 'manager',
          payload: {
            type: 'WorkerEphemeralCleanedUp',
            cleanupReason: CleanupReason.OrphanDetected,
            cleanupDuration: 0,
          },
        },
      ],
    };
  },
};

/** The create call failed: whatever it may have left is removed quietly (it was never announced). */
const createFailed: Rule = {
  name: 'create-failed',
  decide({ w }) {
    if (w.state !== S.Created) return undefined;
    if (w.creation === 'aborted') return { state: S.CleanedUp }; // nothing exists
    if (w.creation === 'failed') {
      return { state: S.Failed, changes: { cleanupReason: CleanupReason.WorkerError } };
    }
    return undefined;
  },
};

/** The create call returned: it is starting, unless the caller already asked to end it. */
const created: Rule = {
  name: 'created',
  decide({ w }) {
    if (w.state !== S.Created) return undefined;
    if (w.creation === 'pending') return hold(undefined);
    if (w.request?.kind === 'remove')
      return terminating(TerminationReason.ManualTermination, 'caller');
    if (w.request?.kind === 'terminate') return terminating(w.request.reason, 'caller');
    return { state: S.Initializing };
  },
};

/** Adopted while being removed (a crashed manager's removal, maybe stuck): finish it. */
const resumeRemoval: Rule = {
  name: 'resume-removal',
  decide({ w, present }) {
    if (!w.adopted || !present?.removing || w.cleanupReason !== undefined) return undefined;
    if (!isActive(w.state) && !isEnded(w.state)) return undefined;
    return { changes: { cleanupReason: CleanupReason.OrphanDetected } };
  },
};

/** Its TTL ran out: remove it (any manager of the scope may: the owner would too). */
const ttlExpired: Rule = {
  name: 'ttl-expired',
  decide(ctx) {
    const at = ttlExpired.due!(ctx);
    if (at === undefined || ctx.now < at) return undefined;
    const { w } = ctx;
    // A TTL of zero means "remove at once": a normal termination, not an expiry.
    const ttlRan = (w.cleanupAt ?? 0) > (w.finishedAt ?? 0);
    return {
      changes: {
        cleanupReason: ttlRan ? CleanupReason.TtlExpired : CleanupReason.NormalTermination,
      },
    };
  },
  due({ w, policy }) {
    if (!isEnded(w.state) || w.cleanupReason !== undefined || !policy.autoCleanupEnabled)
      return undefined;
    return w.cleanupAt;
  },
};

/** The caller removes an ended worker now, skipping its TTL. */
const callerCleanup: Rule = {
  name: 'caller-cleanup',
  decide({ w }) {
    if (!isEnded(w.state) || w.cleanupReason !== undefined || w.request?.kind !== 'remove')
      return undefined;
    return { changes: { cleanupReason: CleanupReason.ForceCleanup } };
  },
};

/** A removal is decided: ask for it, then confirm it (CleanedUp only once it is really gone). */
const removal: Rule = {
  name: 'removal',
  decide(ctx) {
    const { w, policy } = ctx;
    if (w.cleanupReason === undefined || w.state === S.CleanedUp) return undefined;
    const requested = w.request?.kind === 'remove' ? w.request.gracePeriodMs : undefined;
    const gracePeriodMs = requested ?? policy.gracefulTerminationTimeout;
    if (w.removeAcceptedAt === undefined) {
      if (!ctx.canAct) return hold(ctx.backoffUntil);
      return { effects: [{ kind: 'remove', gracePeriodMs }] };
    }
    return followUp(ctx, {
      acceptedAt: w.removeAcceptedAt,
      overdueSince: w.removeStartedAt ?? w.removeAcceptedAt,
      gracePeriodMs,
      // A half-made worker's events may have gone unseen: read it back at once.
      trustWatch: w.creation !== 'failed',
      confirm: { kind: 'confirm', of: 'removal' },
      again: { kind: 'remove', gracePeriodMs },
      notTaken: (observed) => !observed.removing,
    });
  },
};

/** It ended (by itself, or after our stop): Terminated or Failed, its TTL starts. */
const jobEnded: Rule = {
  name: 'job-ended',
  decide(ctx) {
    if (!ctx.ended || !(isActive(ctx.w.state) || ctx.w.state === S.Terminating)) return undefined;
    return logsFirst(ctx) ?? ended(ctx, ctx.present);
  },
};

/** The caller removes a running worker: it ends now, without a stop, and is removed. */
const callerRemoval: Rule = {
  name: 'caller-removal',
  decide({ w, owner }) {
    if (!owner || !isActive(w.state) || w.request?.kind !== 'remove') return undefined;
    return terminating(TerminationReason.ManualTermination, 'caller');
  },
};

/** Not ready in time: removed at once and confirmed gone (the owner's rule, for workers it created). */
const startupTimeout: Rule = {
  name: 'startup-timeout',
  decide(ctx) {
    const at = startupTimeout.due!(ctx);
    if (at === undefined || ctx.now < at) return undefined;
    return terminating(TerminationReason.StartupTimeout, 'manager');
  },
  due({ w, owner, policy }) {
    if (!owner || w.adopted || w.state !== S.Initializing || policy.startupTimeout === undefined)
      return undefined;
    return w.createdAt + policy.startupTimeout;
  },
};

/** Its stamped deadline passed: stopped (any manager of the scope may enforce it). */
const maxLifetime: Rule = {
  name: 'max-lifetime',
  decide(ctx) {
    const at = maxLifetime.due!(ctx);
    if (at === undefined || ctx.now < at) return undefined;
    return terminating(TerminationReason.LifetimeExceeded, 'manager');
  },
  due({ w }) {
    return isActive(w.state) ? w.expiresAt : undefined;
  },
};

/** The caller ends it (terminate, or stop through the provider contract). */
const callerTermination: Rule = {
  name: 'caller-termination',
  decide({ w, owner }) {
    if (!owner || !isActive(w.state) || w.request?.kind !== 'terminate') return undefined;
    return terminating(w.request.reason, 'caller');
  },
};

/** Idle (ready, not busy) for the idle timeout since it became idle: stopped (the owner's rule). */
const idleTimeout: Rule = {
  name: 'idle-timeout',
  decide(ctx) {
    const at = idleTimeout.due!(ctx);
    if (at === undefined || ctx.now < at) return undefined;
    return terminating(TerminationReason.IdleTimeout, 'manager');
  },
  due({ w, owner, policy }) {
    if (!owner || w.state !== S.Ready || w.busy || w.idleSince === undefined) return undefined;
    return policy.idleTimeout === undefined ? undefined : w.idleSince + policy.idleTimeout;
  },
};

/** Ending without a stop: the last log lines, then Terminated, then the removal. */
const endWithoutStop: Rule = {
  name: 'end-without-stop',
  decide(ctx) {
    if (ctx.w.state !== S.Terminating || !withoutStop(ctx)) return undefined;
    return logsFirst(ctx) ?? ended(ctx, undefined);
  },
};

/** Terminating with a stop: ask for it, then see it take effect (the watch, or a read-back). */
const stopping: Rule = {
  name: 'stopping',
  decide(ctx) {
    const { w, policy } = ctx;
    if (w.state !== S.Terminating || withoutStop(ctx)) return undefined;
    const requested = w.request?.kind === 'terminate' ? w.request.gracePeriodMs : undefined;
    const gracePeriodMs = requested ?? policy.gracefulTerminationTimeout;
    if (w.stopAcceptedAt === undefined) {
      if (!ctx.canAct) return hold(ctx.backoffUntil);
      return { effects: [{ kind: 'stop', gracePeriodMs }] };
    }
    return followUp(ctx, {
      acceptedAt: w.stopAcceptedAt,
      overdueSince: w.stopAcceptedAt,
      gracePeriodMs,
      trustWatch: true,
      confirm: { kind: 'confirm', of: 'stop' },
      again: { kind: 'stop', gracePeriodMs },
      notTaken: () => false, // still running: read back, and stop again once overdue
    });
  },
};

/** It became ready: Ready (or Running, when the caller already marked it busy); idle from now. */
const ready: Rule = {
  name: 'ready',
  decide({ w, present, now }) {
    if (w.state !== S.Initializing || !present?.ready || present.phase !== 'running')
      return undefined;
    if (present.removing) return undefined;
    const readyEvent: DecidedEvent = {
      actor: 'infrastructure',
      payload: { type: 'WorkerEphemeralReady' },
    };
    if (w.busy) return { state: S.Running, events: [readyEvent] };
    return { state: S.Ready, changes: { idleSince: now }, events: [readyEvent] };
  },
};

/** The caller marked it busy: Running; the idle timeout stops counting. */
const busyMark: Rule = {
  name: 'busy-mark',
  decide({ w }) {
    return w.state === S.Ready && w.busy ? { state: S.Running } : undefined;
  },
};

/** The caller marked it idle: Ready, announced; the idle timeout counts from the mark. */
const idleMark: Rule = {
  name: 'idle-mark',
  decide({ w }) {
    if (w.idleMarkedAt === undefined || w.busy) return undefined;
    if (w.state !== S.Ready && w.state !== S.Running) return undefined;
    return {
      state: S.Ready,
      changes: { idleMarkedAt: undefined, idleSince: w.idleMarkedAt },
      events: [
        {
          actor: 'caller',
          payload: { type: 'WorkerEphemeralIdle', idleSince: new Date(w.idleMarkedAt) },
        },
      ],
    };
  },
};

/** Without a watch, a starting worker's readiness is read back at an interval. */
const pollReadiness: Rule = {
  name: 'poll-readiness',
  decide(ctx) {
    const at = pollReadiness.due!(ctx);
    if (at === undefined || ctx.now < at || ctx.w.inFlight !== undefined) return undefined;
    return { effects: [{ kind: 'confirm', of: 'readiness' }] };
  },
  due({ w, environment: env }) {
    if (w.state !== S.Initializing || env.watching || w.inFlight !== undefined) return undefined;
    return Math.max(w.checkedAt ?? 0, w.lastSeenAt) + env.readinessPollInterval;
  },
};

/**
 * Every rule, in precedence order. Removing any one of them makes a test fail (the mutation
 * check in packages/core/test/mutation-check.mjs drops each in turn).
 */
export const rules: readonly Rule[] = [
  vanished,
  createFailed,
  created,
  resumeRemoval,
  ttlExpired,
  callerCleanup,
  removal,
  jobEnded,
  callerRemoval,
  startupTimeout,
  maxLifetime,
  callerTermination,
  idleMark,
  idleTimeout,
  endWithoutStop,
  stopping,
  ready,
  busyMark,
  pollReadiness,
];

/** The names of the rules, in precedence order. */
export const ruleNames: readonly RuleName[] = rules.map((rule) => rule.name);

function contextOf(input: DecisionInput): Context {
  const w = input.worker;
  const present = input.observation?.kind === 'present' ? input.observation : undefined;
  const backoffUntil =
    w.failure !== undefined && input.now < w.failure.notBefore ? w.failure.notBefore : undefined;
  return {
    ...input,
    w,
    present,
    ended:
      present !== undefined &&
      !present.removing &&
      (present.phase === 'succeeded' || present.phase === 'failed'),
    canAct: w.inFlight === undefined && backoffUntil === undefined,
    backoffUntil,
    owner: input.authority.mayApplyOwnerRules,
  };
}

/**
 * Decides what happens next to one worker. Pure: the same input gives the same answer.
 *
 * Apply the answer (its state, changes, events and effects) and, while it is not `settled`,
 * decide again at once. A settled answer says when to look again (`wakeAt`), if nothing is
 * observed first, and lists the rules that will act later (`upcoming`).
 */
export function decide(input: DecisionInput): Decision {
  const ctx = contextOf(input);
  const state = input.worker.state;
  if (state !== S.CleanedUp) {
    for (const rule of rules) {
      const outcome = rule.decide(ctx);
      if (outcome === undefined) continue;
      if ('hold' in outcome) {
        const until =
          outcome.until !== undefined && outcome.until > input.now ? outcome.until : undefined;
        return {
          rule: rule.name,
          state,
          changes: {},
          events: [],
          effects: [],
          settled: true,
          wakeAt: until,
          upcoming: until === undefined ? [] : [{ rule: rule.name, at: until }],
        };
      }
      const silent = input.worker.creation === 'failed';
      return {
        rule: rule.name,
        state: outcome.state ?? state,
        changes: outcome.changes ?? {},
        events: silent ? [] : (outcome.events ?? []),
        effects: outcome.effects ?? [],
        settled: false,
        wakeAt: undefined,
        upcoming: [],
      };
    }
  }
  const upcoming: UpcomingRule[] = [];
  for (const rule of rules) {
    const at = state === S.CleanedUp ? undefined : rule.due?.(ctx);
    if (at !== undefined && at > input.now) upcoming.push({ rule: rule.name, at });
  }
  upcoming.sort((a, b) => a.at - b.at);
  return {
    rule: undefined,
    state,
    changes: {},
    events: [],
    effects: [],
    settled: true,
    wakeAt: upcoming[0]?.at,
    upcoming,
  };
}
