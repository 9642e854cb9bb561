/**
 * What a rule of the decision function is: a name, what it decides now (act, hold, or not
 * apply), and when it will act later. The context is the decision input with what every rule
 * asks first already worked out.
 */
import type { TerminationReason } from '../../events/events.js';
import { LifecycleState } from '../../state/lifecycle-state.js';
import type {
  DecidedEvent,
  DecidedFacts,
  DecisionInput,
  Effect,
  PresentObservation,
  RuleName,
  WorkerFacts,
} from './decision-types.js';

const S = LifecycleState;

export interface Context extends DecisionInput {
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

export interface Step {
  readonly state?: LifecycleState;
  readonly changes?: Partial<DecidedFacts>;
  readonly events?: readonly DecidedEvent[];
  readonly effects?: readonly Effect[];
}

/** Nothing to do before `until` (or before the call in flight ends), and no lower rule may act. */
export interface Hold {
  readonly hold: true;
  readonly until: number | undefined;
}

export interface Rule {
  readonly name: RuleName;
  /** Acts now, holds the worker, or does not apply (undefined). */
  decide(ctx: Context): Step | Hold | undefined;
  /** When it will act if nothing changes first (asked only when no rule acts now). */
  due?(ctx: Context): number | undefined;
}

export const hold = (until: number | undefined): Hold => ({ hold: true, until });
export const isActive = (state: LifecycleState) =>
  state === S.Initializing || state === S.Ready || state === S.Running;
export const isEnded = (state: LifecycleState) => state === S.Terminated || state === S.Failed;

export function contextOf(input: DecisionInput): Context {
  const w = input.worker;
  const present = input.observation?.kind === 'present' ? input.observation : undefined;
  const backoffUntil =
    w.failure !== undefined && input.now < w.failure.notBefore ? w.failure.notBefore : undefined;
  return {
    now: input.now,
    worker: w,
    observation: input.observation,
    policy: input.policy,
    authority: input.authority,
    environment: input.environment,
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

// ------------------------------------------------------------------ building blocks

export function terminating(
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

/**
 * After a stop or a removal was accepted: read the worker back (at once without a watch;
 * with one, only if its events have not settled it within the grace period), and ask again
 * once it is overdue, so the provider can escalate (a force delete of a pod stuck terminating).
 */
export function followUp(
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
