/**
 * What the command knows of a worker, computed from its listed record by core's decision
 * function (`decisionInputFromRecord`, `planWorker`, `decide`): the same rules a manager of the
 * scope applies to a worker it adopts. Nothing here restates a rule; it only asks the function
 * what happens now, when the next rule acts, and what follows.
 */
import {
  type DecisionEnvironment,
  type DecisionInput,
  decisionInputFromRecord,
  type EphemeralWorkerPolicy,
  type LifecycleState,
  planWorker,
  type RuleName,
  readOwnership,
  type WorkerFacts,
  type WorkerPhaseV1,
  type WorkerPlan,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core';
import type { OwnerState } from './leases.js';

/** A provider call the decision asks for: what `gc` and `reap` do. */
export type WorkerAction = 'stop' | 'remove';

/** One managed worker as `ls` shows it. */
export interface WorkerView {
  readonly scope: string;
  readonly workerId: string;
  readonly uid: string;
  readonly owner: string;
  readonly ownerState: OwnerState;
  readonly createdAt: Date;
  /** Its lifecycle state as a manager adopting it would see it. */
  readonly state: LifecycleState;
  readonly phase: WorkerPhaseV1;
  readonly ready: boolean;
  readonly removing: boolean;
  readonly exitCode: number | undefined;
  /** The stamped deadline (hodei.io/expires-at). */
  readonly expiresAt: Date | undefined;
  /** The TTL after it finishes: stamped (hodei.io/ttl-after-finished), else the policy's. */
  readonly ttlMs: number;
  readonly ttlStamped: boolean;
  /** When its TTL counts from, once it finished. */
  readonly finishedAt: Date | undefined;
  /** When its removal is due, once it finished (its TTL's end). */
  readonly removalDueAt: Date | undefined;
}

/** What the decision asks for now, with why. */
export interface ActionNow {
  readonly action: WorkerAction;
  /** The rule that decided to end or remove it. */
  readonly rule: RuleName;
  /** A TerminationReason (stop) or CleanupReason (remove). */
  readonly reason: string;
  readonly gracePeriodMs: number;
  /** When the rule became due (the stamped deadline, the TTL's end): now minus this is the delay. */
  readonly dueAt: Date;
}

/** One ending step in a worker's predicted future. */
export interface PredictedStep {
  readonly at: Date;
  readonly action: WorkerAction;
  readonly rule: RuleName;
  readonly reason: string;
  /** The infrastructure enforces it itself (Kubernetes activeDeadlineSeconds): no call is made. */
  readonly byInfrastructure: boolean;
  /** Assumed: the step before it takes effect at once (a stop stops the worker when asked). */
  readonly assumesStopAt: Date | undefined;
}

export interface InspectOptions {
  readonly now: number;
  readonly policy: EphemeralWorkerPolicy;
  /** The provider can stop a worker and keep it (else ending means removing). */
  readonly canStop: boolean;
  /** The infrastructure enforces the stamped deadline itself (capabilities.nativeDeadline). */
  readonly nativeDeadline: boolean;
}

/**
 * A stop at the stamped deadline is the infrastructure's own where it enforces deadlines
 * (Kubernetes: activeDeadlineSeconds): the command leaves it to it, and needs no right to patch.
 */
export function leftToInfrastructure(action: ActionNow, options: InspectOptions): boolean {
  return action.action === 'stop' && action.rule === 'max-lifetime' && options.nativeDeadline;
}

/** A worker's record with its decision, ready for every command. */
export interface InspectedWorker {
  readonly record: WorkerRecordV1;
  readonly view: WorkerView;
  readonly input: DecisionInput;
  readonly plan: WorkerPlan;
  /** What a manager of the scope (not its owner) would ask for now, if anything. */
  readonly now: ActionNow | undefined;
  readonly options: InspectOptions;
}

/** The environment of a standalone decision: it lists, so it never reads readiness back. */
function environmentOf(options: InspectOptions): Partial<DecisionEnvironment> {
  return { canStop: options.canStop, watching: true, logTailLines: 0 };
}

/** The rule that decided the action: the first step that set its reason (cleanup or termination). */
function decidingRule(
  plan: WorkerPlan,
  before: WorkerFacts,
  action: WorkerAction,
): RuleName | undefined {
  const key = action === 'remove' ? 'cleanupReason' : 'terminationReason';
  let facts = before;
  for (const step of plan.steps) {
    if (step.changes[key] !== undefined && facts[key] === undefined) return step.rule;
    facts = { ...facts, ...step.changes, state: step.state };
  }
  return plan.steps.at(-1)?.rule;
}

function actionOf(plan: WorkerPlan, before: WorkerFacts, now: number): ActionNow | undefined {
  const last = plan.steps.at(-1);
  const effect = last?.effects.find((e) => e.kind === 'stop' || e.kind === 'remove');
  if (!last || !effect || (effect.kind !== 'stop' && effect.kind !== 'remove')) return undefined;
  const rule = decidingRule(plan, before, effect.kind) ?? last.rule ?? 'removal';
  const reason =
    effect.kind === 'remove'
      ? (plan.worker.cleanupReason ?? 'NormalTermination')
      : (plan.worker.terminationReason ?? 'LifetimeExceeded');
  const w = plan.worker;
  const due =
    rule === 'max-lifetime' ? w.expiresAt : rule === 'ttl-expired' ? w.cleanupAt : undefined;
  return {
    action: effect.kind,
    rule,
    reason,
    gracePeriodMs: effect.gracePeriodMs,
    dueAt: new Date(due ?? now),
  };
}

/** Inspects one listed record; undefined when it carries no ownership stamp (not managed). */
export function inspectRecord(
  record: WorkerRecordV1,
  ownerState: (owner: string) => OwnerState,
  options: InspectOptions,
): InspectedWorker | undefined {
  const ownership = readOwnership(record);
  if (!ownership) return undefined;
  const input = decisionInputFromRecord(record, {
    now: options.now,
    policy: options.policy,
    environment: environmentOf(options),
  });
  if (!input) return undefined;
  const plan = planWorker(input);
  const w = plan.worker;
  const view: WorkerView = {
    scope: ownership.scope,
    workerId: record.workerId,
    uid: record.uid,
    owner: ownership.owner,
    ownerState: ownerState(ownership.owner),
    createdAt: record.createdAt,
    state: w.state,
    phase: record.phase,
    ready: record.ready,
    removing: record.removing,
    exitCode: record.exitCode,
    expiresAt: ownership.expiresAt,
    ttlMs: input.worker.ttlMs,
    ttlStamped: ownership.ttlAfterFinishedSeconds !== undefined,
    finishedAt: w.finishedAt === undefined ? undefined : new Date(w.finishedAt),
    removalDueAt: w.cleanupAt === undefined ? undefined : new Date(w.cleanupAt),
  };
  return { record, view, input, plan, now: actionOf(plan, input.worker, options.now), options };
}

/**
 * The worker's future as the decision function sees it from this record: the ending steps in
 * order, each at its time, until its removal, or until no stamped rule would act (then only its
 * owner, the caller or the job itself ends it). A stop is assumed to take effect when asked:
 * the worker is then seen stopped, as a fresh listing shows it to the next sweep, and its TTL
 * counts from there by the same function.
 */
export function predictEndings(worker: InspectedWorker, maxSteps = 4): PredictedStep[] {
  const steps: PredictedStep[] = [];
  let input = worker.input;
  let plan = worker.plan;
  let assumesStopAt: number | undefined;
  for (let i = 0; i < maxSteps; i += 1) {
    let action = actionOf(plan, input.worker, input.now);
    let at = input.now;
    if (!action) {
      const next = plan.steps.at(-1)?.upcoming.find((u) => u.rule !== 'poll-readiness');
      if (!next) break;
      at = next.at;
      const later: DecisionInput = { ...input, now: at, worker: plan.worker };
      const laterPlan = planWorker(later);
      action = actionOf(laterPlan, plan.worker, at);
      if (!action) break;
      input = later;
      plan = laterPlan;
    }
    steps.push({
      at: new Date(at),
      action: action.action,
      rule: action.rule,
      reason: action.reason,
      byInfrastructure: leftToInfrastructure(action, worker.options),
      assumesStopAt: assumesStopAt === undefined ? undefined : new Date(assumesStopAt),
    });
    if (action.action === 'remove') break;
    assumesStopAt = at;
    const stopped: WorkerRecordV1 = {
      ...worker.record,
      phase: 'failed',
      ready: false,
      reason: 'Stopped',
      exitCode: worker.record.exitCode ?? 143,
      finishedAt: new Date(at),
    };
    const next = decisionInputFromRecord(stopped, {
      now: at,
      policy: worker.options.policy,
      environment: environmentOf(worker.options),
    });
    if (!next) break;
    input = next;
    plan = planWorker(input);
  }
  return steps;
}
