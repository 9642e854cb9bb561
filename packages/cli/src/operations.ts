/**
 * The commands' work against a provider, free of argument parsing and output: list and
 * inspect, explain, plan and apply a sweep (gc, reap), follow events.
 */
import type {
  EphemeralWorkerPolicy,
  ProviderV1,
  WorkerObservationV1,
  WorkerRecordV1,
} from '@hodei/lifecycle-core';
import {
  type ActionNow,
  type InspectedWorker,
  inspectRecord,
  leftToInfrastructure,
  type PredictedStep,
  predictEndings,
  type WorkerView,
} from './inspect.js';
import { type OwnerState, readOwnerStates, reapable } from './leases.js';

export interface ScanOptions {
  readonly now: () => number;
  readonly policy: EphemeralWorkerPolicy;
}

/** Every managed worker of the scopes: one list and one lease list per scope. */
export async function scan(
  provider: ProviderV1,
  scopes: readonly string[],
  options: ScanOptions,
): Promise<InspectedWorker[]> {
  const all: InspectedWorker[] = [];
  for (const scope of scopes) {
    const [records, ownerState] = await Promise.all([
      provider.list({ scope }),
      readOwnerStates(provider, scope),
    ]);
    const now = options.now();
    for (const record of records) {
      const inspected = inspectRecord(record, ownerState, {
        now,
        policy: options.policy,
        canStop: provider.capabilities.stop,
        nativeDeadline: provider.capabilities.nativeDeadline,
      });
      // Unlabelled or another scope's (a provider must not list those; never touched anyway).
      if (inspected && inspected.view.scope === scope) all.push(inspected);
    }
  }
  all.sort(
    (a, b) =>
      a.view.scope.localeCompare(b.view.scope) || a.view.workerId.localeCompare(b.view.workerId),
  );
  return all;
}

export interface Explanation {
  readonly now: number;
  readonly view: WorkerView;
  readonly steps: readonly PredictedStep[];
  /** The owner is alive: its own rules (idle timeout, the caller) may end the worker first. */
  readonly ownerRulesApply: boolean;
}

export function explain(worker: InspectedWorker): Explanation {
  return {
    now: worker.input.now,
    view: worker.view,
    steps: predictEndings(worker),
    ownerRulesApply: worker.view.ownerState === 'alive',
  };
}

/** One provider call a sweep makes, and how it went. */
export interface ActionResult extends Omit<ActionNow, 'dueAt'> {
  readonly dueAt: string;
  readonly scope: string;
  readonly workerId: string;
  readonly uid: string;
  readonly owner: string;
  readonly ownerState: OwnerState;
  /** Planned only (--dry-run), done, or failed (with the error's message). */
  readonly outcome: 'planned' | 'done' | 'failed';
  readonly error?: string;
  readonly at: string;
}

export interface SweepOptions {
  /** Only workers whose owner is not alive (the reaper); false: every worker of the scope (gc). */
  readonly onlyWithoutLiveOwner: boolean;
  readonly dryRun: boolean;
  readonly now: () => number;
  /** Provider calls at a time. Default 8. */
  readonly concurrency?: number;
  /** Called after each action (progress, output as it happens). */
  readonly onAction?: (result: ActionResult, index: number, total: number) => void;
}

/** What to do now to these workers, by the decision function. */
export function planSweep(
  workers: readonly InspectedWorker[],
  onlyWithoutLiveOwner: boolean,
): InspectedWorker[] {
  return workers.filter(
    (w) =>
      w.now !== undefined &&
      !leftToInfrastructure(w.now, w.options) &&
      (!onlyWithoutLiveOwner || reapable(w.view.owner, w.view.ownerState)),
  );
}

/**
 * Does (or, dry, only reports) what the decision asks for now: a stop or a removal, each pinned
 * to the observed object (its uid), so a newer worker under the same id is never touched.
 */
export async function sweep(
  provider: ProviderV1,
  workers: readonly InspectedWorker[],
  options: SweepOptions,
): Promise<ActionResult[]> {
  const due = planSweep(workers, options.onlyWithoutLiveOwner);
  const results: ActionResult[] = [];
  const act = async (worker: InspectedWorker): Promise<void> => {
    const action = worker.now!;
    const { view } = worker;
    const ref = { scope: view.scope, workerId: view.workerId, uid: view.uid };
    const base = {
      ...action,
      dueAt: action.dueAt.toISOString(),
      scope: view.scope,
      workerId: view.workerId,
      uid: view.uid,
      owner: view.owner,
      ownerState: view.ownerState,
    };
    let result: ActionResult;
    if (options.dryRun) {
      result = { ...base, outcome: 'planned', at: new Date(options.now()).toISOString() };
    } else {
      try {
        const callOptions = { gracePeriodMs: action.gracePeriodMs };
        if (action.action === 'stop' && provider.stop) await provider.stop(ref, callOptions);
        else await provider.remove(ref, callOptions);
        result = { ...base, outcome: 'done', at: new Date(options.now()).toISOString() };
      } catch (error) {
        result = {
          ...base,
          outcome: 'failed',
          error: error instanceof Error ? error.message : String(error),
          at: new Date(options.now()).toISOString(),
        };
      }
    }
    results.push(result);
    options.onAction?.(result, results.length - 1, due.length);
  };
  // A few calls at a time: a stop waits for its grace period, others need not wait behind it.
  const queue = [...due];
  const concurrency = Math.max(1, options.concurrency ?? 8);
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await act(next);
    }),
  );
  return results;
}

/** A lifecycle event as `events` prints it, from the provider's observations. */
export interface WorkerEventLine {
  readonly at: string;
  readonly scope: string;
  readonly workerId: string;
  readonly uid: string;
  /** seen (already there when the command started), created, ready, finished, removing, removed. */
  readonly event: 'seen' | 'created' | 'ready' | 'finished' | 'removing' | 'removed';
  readonly phase?: string;
  readonly exitCode?: number;
  readonly reason?: string;
}

/**
 * Turns a stream of observations into lifecycle events: each change a consumer cares about,
 * once (a re-listed worker in the same state says nothing new).
 */
export function eventMapper(scope: string, now: () => number) {
  const known = new Map<string, WorkerRecordV1>();
  return (observation: WorkerObservationV1, initial = false): WorkerEventLine[] => {
    const at = new Date(now()).toISOString();
    if (observation.type === 'removed') {
      known.delete(observation.uid);
      return [
        { at, scope, workerId: observation.workerId, uid: observation.uid, event: 'removed' },
      ];
    }
    const record = observation.worker;
    const before = known.get(record.uid);
    known.set(record.uid, record);
    const base = { at, scope, workerId: record.workerId, uid: record.uid, phase: record.phase };
    const out: WorkerEventLine[] = [];
    if (!before) out.push({ ...base, event: initial ? 'seen' : 'created' });
    const finished = (r: WorkerRecordV1 | undefined) =>
      r?.phase === 'succeeded' || r?.phase === 'failed';
    if (record.ready && record.phase === 'running' && !before?.ready && !initial)
      out.push({ ...base, event: 'ready' });
    if (finished(record) && !finished(before) && !initial) {
      out.push({
        ...base,
        event: 'finished',
        ...(record.exitCode === undefined ? {} : { exitCode: record.exitCode }),
        ...(record.reason === undefined ? {} : { reason: record.reason }),
      });
    }
    if (record.removing && !before?.removing) out.push({ ...base, event: 'removing' });
    return out;
  };
}
