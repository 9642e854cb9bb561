/**
 * The rules of a worker's beginning and end of existence: its create call, its removal (after
 * its TTL, at the caller's request, or finishing a crashed manager's), and its disappearance.
 */
import { CleanupReason, TerminationReason } from '../../events/events.js';
import { LifecycleState } from '../../state/lifecycle-state.js';
import { followUp, hold, isActive, isEnded, type Rule, terminating } from './rule.js';

const S = LifecycleState;

/** The physical worker is gone: our removal confirmed, or a lost worker. */
export const vanished: Rule = {
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
export const createFailed: Rule = {
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
export const created: Rule = {
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
export const resumeRemoval: Rule = {
  name: 'resume-removal',
  decide({ w, present }) {
    if (!w.adopted || !present?.removing || w.cleanupReason !== undefined) return undefined;
    if (!isActive(w.state) && !isEnded(w.state)) return undefined;
    return { changes: { cleanupReason: CleanupReason.OrphanDetected } };
  },
};

/** Its TTL ran out: remove it (any manager of the scope may: the owner would too). */
export const ttlExpired: Rule = {
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
export const callerCleanup: Rule = {
  name: 'caller-cleanup',
  decide({ w }) {
    if (!isEnded(w.state) || w.cleanupReason !== undefined || w.request?.kind !== 'remove')
      return undefined;
    return { changes: { cleanupReason: CleanupReason.ForceCleanup } };
  },
};

/** A removal is decided: ask for it, then confirm it (CleanedUp only once it is really gone). */
export const removal: Rule = {
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
