/**
 * The rules that end a running worker (its job, its deadline, its idle and startup timeouts,
 * the caller) and see it through Terminating to Terminated or Failed.
 */
import { CleanupReason, TerminationReason } from '../../events/events.js';
import { LifecycleState } from '../../state/lifecycle-state.js';
import type { PresentObservation } from './decision-types.js';
import {
  type Context,
  followUp,
  type Hold,
  hold,
  isActive,
  type Rule,
  type Step,
  terminating,
} from './rule.js';
import { endReasonOf, ttlCountsFrom } from './ttl.js';

const S = LifecycleState;

/**
 * Ending without a stop: no stop capability, a startup timeout, the caller's removal, or a
 * worker that never started (a container created but not started, a pod never scheduled):
 * there is nothing to stop, and a stop would leave it as it is for ever.
 */
function withoutStop(ctx: Context): boolean {
  const { w, environment } = ctx;
  return (
    !environment.canStop ||
    w.terminationReason === TerminationReason.StartupTimeout ||
    w.request?.kind === 'remove' ||
    ctx.present?.phase === 'pending'
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

/** It ended (by itself, or after our stop): Terminated or Failed, its TTL starts. */
export const jobEnded: Rule = {
  name: 'job-ended',
  decide(ctx) {
    if (!ctx.ended || !(isActive(ctx.w.state) || ctx.w.state === S.Terminating)) return undefined;
    return logsFirst(ctx) ?? ended(ctx, ctx.present);
  },
};

/** The caller removes a running worker: it ends now, without a stop, and is removed. */
export const callerRemoval: Rule = {
  name: 'caller-removal',
  decide({ w, owner }) {
    if (!owner || !isActive(w.state) || w.request?.kind !== 'remove') return undefined;
    return terminating(TerminationReason.ManualTermination, 'caller');
  },
};

/** Not ready in time: removed at once and confirmed gone (the owner's rule, for workers it created). */
export const startupTimeout: Rule = {
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
export const maxLifetime: Rule = {
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
export const callerTermination: Rule = {
  name: 'caller-termination',
  decide({ w, owner }) {
    if (!owner || !isActive(w.state) || w.request?.kind !== 'terminate') return undefined;
    return terminating(w.request.reason, 'caller');
  },
};

/** Idle (ready, not busy) for the idle timeout since it became idle: stopped (the owner's rule). */
export const idleTimeout: Rule = {
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
export const endWithoutStop: Rule = {
  name: 'end-without-stop',
  decide(ctx) {
    if (ctx.w.state !== S.Terminating || !withoutStop(ctx)) return undefined;
    return logsFirst(ctx) ?? ended(ctx, undefined);
  },
};

/** Terminating with a stop: ask for it, then see it take effect (the watch, or a read-back). */
export const stopping: Rule = {
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
