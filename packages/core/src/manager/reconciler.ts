/**
 * The reconcile loop of one manager: observe, decide, act. A worker that needs a decision (an
 * observation arrived, a call ended, a caller asked, its wake-up came) is queued once (a
 * request for a worker already queued coalesces with it); each is decided again until the
 * decision function settles, its answer applied (state, events, calls) as it goes, and it
 * sleeps until the settled answer's `wakeAt`. One wake-up per worker in one priority queue.
 */
import { randomUUID } from 'node:crypto';
import { ClosedError } from '../errors/errors.js';
import type { EventActor, LifecycleEvent } from '../events/events.js';
import { safePublish } from '../events/publisher.js';
import { createLifecycleMetrics, type LifecycleMetrics } from '../observability/metrics.js';
import type { ProviderV1, WorkerRefV1 } from '../provider/v1/provider-v1.js';
import { assertTransition, LifecycleState } from '../state/lifecycle-state.js';
import { DeadlineQueue } from './deadlines/deadline-queue.js';
import { decide } from './decision/decide.js';
import type {
  ActionFailure,
  Decision,
  DecisionEnvironment,
  DecisionInput,
  WorkerEventPayload,
} from './decision/decision-types.js';
import { Executor } from './executor/executor.js';
import { ObservationStore } from './observations/observation-store.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { TrackedWorker, WakeUp } from './worker/tracked-worker.js';
import { rejectWaiters, settleWaiters } from './worker/waiters.js';

/** More decisions in a row than any path takes: a rule that never settles is a bug. */
const MAX_STEPS = 32;

export class Reconciler {
  readonly tracked = new Map<string, TrackedWorker>();
  readonly store: ObservationStore;
  private readonly executor: Executor;
  private readonly wakeUps: DeadlineQueue<WakeUp>;
  private readonly metrics: LifecycleMetrics;
  /** Workers asked for while a decision runs: each once, decided right after it. */
  private readonly queue: TrackedWorker[] = [];
  private readonly queued = new Set<TrackedWorker>();
  private draining = false;
  private closed = false;
  private readonly environments: Record<'watching' | 'notWatching', DecisionEnvironment>;
  /** A watch stream is open: removals are confirmed by its events. */
  watching = false;
  /** Counters for the garbage collection's summary. */
  cleaned = 0;
  orphans = 0;

  constructor(
    private readonly provider: ProviderV1,
    private readonly options: ResolvedOptions,
    private readonly onResync: () => void,
  ) {
    this.wakeUps = new DeadlineQueue(options.clock, (due) => {
      if (due === 'resync') this.onResync();
      else {
        due.wake = undefined;
        this.request(due);
      }
    });
    this.metrics = createLifecycleMetrics(options.meter, () => this.tracked.size, {
      'hodei.scope': options.scope,
      'hodei.provider.id': provider.providerId,
      'hodei.provider.type': provider.type,
    });
    this.store = new ObservationStore(this.tracked, {
      now: () => this.now(),
      changed: (worker) => this.request(worker),
    });
    this.executor = new Executor(
      provider,
      {
        clock: options.clock,
        concurrency: options.concurrency,
        baseMs: options.retryDelay,
        maxMs: options.maxRetryDelay,
        terminalRetryMs: options.policy.orphanCheckInterval,
      },
      {
        ref: (worker) => this.ref(worker),
        read: (worker, record) => this.store.read(worker, record),
        failed: (worker, failure, error) => this.failed(worker, failure, error),
        settled: (worker) => this.request(worker),
        ignored: (worker, effect, error) =>
          options.logger.debug({ err: error, workerId: worker.workerId, effect }, 'read failed'),
      },
    );
    const base = {
      canStop: provider.stop !== undefined,
      logTailLines: provider.logs ? options.logTailLines : 0,
      retryDelay: options.retryDelay,
      readinessPollInterval: options.readinessPollInterval,
    };
    this.environments = {
      watching: { ...base, watching: true },
      notWatching: { ...base, watching: false },
    };
  }

  now(): number {
    return this.options.clock.now();
  }

  track(worker: TrackedWorker): void {
    this.tracked.set(worker.workerId, worker);
  }

  /**
   * Decides for the worker now, or, when a decision is already running (an event handler
   * calling back into the manager), queues it once, to be decided right after.
   */
  request(worker: TrackedWorker): void {
    if (this.closed) return;
    if (this.draining) {
      if (this.queued.has(worker)) return; // already queued: the requests coalesce
      this.queued.add(worker);
      this.queue.push(worker);
      return;
    }
    this.draining = true;
    try {
      this.reconcileSafely(worker);
      for (let i = 0; i < this.queue.length; i += 1) {
        const next = this.queue[i]!;
        this.queued.delete(next);
        this.reconcileSafely(next);
      }
    } finally {
      this.queue.length = 0;
      this.queued.clear();
      this.draining = false;
    }
  }

  /** What the decision function gets for this worker now. */
  inputOf(worker: TrackedWorker): DecisionInput {
    return {
      now: this.now(),
      worker,
      observation: worker.observation,
      policy: worker.policy,
      authority: { owner: worker.owner, mayApplyOwnerRules: worker.ownedByMe },
      environment: this.watching ? this.environments.watching : this.environments.notWatching,
    };
  }

  ref(worker: TrackedWorker): WorkerRefV1 {
    return worker.uid === undefined
      ? { workerId: worker.workerId, scope: this.options.scope }
      : { workerId: worker.workerId, scope: this.options.scope, uid: worker.uid };
  }

  /** Publishes one of a worker's events, and counts what the metrics and summaries count. */
  emit(worker: TrackedWorker, actor: EventActor['kind'], payload: WorkerEventPayload): void {
    if (payload.type === 'WorkerEphemeralCreated') this.metrics.workerCreated({});
    else if (payload.type === 'WorkerEphemeralCleanedUp') {
      this.cleaned += 1;
      this.metrics.workerCleaned({ reason: payload.cleanupReason });
    } else if (payload.type === 'OrphanWorkerDetected') {
      this.orphans += 1;
      this.metrics.orphanDetected({ kind: payload.kind });
    }
    this.publish({
      ...payload,
      workerId: worker.workerId,
      ...this.eventBase(worker.correlationId, actor),
    } as LifecycleEvent);
  }

  publishSummary(
    summary: Omit<
      Extract<LifecycleEvent, { type: 'GarbageCollectionCompleted' }>,
      'type' | 'providerId' | 'occurredAt' | 'correlationId' | 'actor'
    >,
    correlationId: string = randomUUID(),
  ): void {
    this.metrics.gcCompleted(summary.duration, {});
    this.publish({
      type: 'GarbageCollectionCompleted',
      ...summary,
      ...this.eventBase(correlationId, 'manager'),
    });
  }

  /** One line per worker whose stop or removal is failing now (for the summary's errors). */
  failingActions(): string[] {
    const lines: string[] = [];
    for (const worker of this.tracked.values()) {
      const failure = worker.failure;
      if (failure) lines.push(`${failure.action} ${worker.workerId}: ${failure.message}`);
    }
    return lines;
  }

  scheduleResync(at: number): void {
    if (!this.closed) this.wakeUps.schedule(at, 'resync');
  }

  close(): void {
    this.closed = true;
    this.wakeUps.stop();
    this.executor.close();
    for (const worker of this.tracked.values()) {
      rejectWaiters(worker, new ClosedError('Lifecycle manager'), null);
    }
  }

  // ---------------------------------------------------------------- the loop

  private reconcileSafely(worker: TrackedWorker): void {
    try {
      this.reconcile(worker);
    } catch (error) {
      // A bug (an illegal transition): reported, and the other workers still get their turn.
      this.options.logger.error({ err: error, workerId: worker.workerId }, 'reconcile failed');
    }
  }

  private reconcile(worker: TrackedWorker): void {
    // One input for the whole pass: no time passes within it, and the facts it carries are
    // the worker itself, which each applied step updates.
    const input = this.inputOf(worker);
    for (let step = 0; step < MAX_STEPS; step += 1) {
      if (this.closed || worker.state === LifecycleState.CleanedUp) break;
      const decision = decide(input);
      if (decision.settled) {
        this.setWake(worker, decision.wakeAt);
        settleWaiters(worker);
        return;
      }
      this.apply(worker, decision);
    }
    if (worker.state === LifecycleState.CleanedUp) {
      this.untrack(worker);
      settleWaiters(worker);
    } else if (!this.closed) {
      this.options.logger.error(
        { workerId: worker.workerId, state: worker.state },
        'the decision function did not settle; deciding again later',
      );
      this.setWake(worker, this.now() + this.options.retryDelay);
    }
  }

  private apply(worker: TrackedWorker, decision: Decision): void {
    if (decision.state !== worker.state) {
      assertTransition(worker.state, decision.state, worker.workerId);
      worker.state = decision.state;
    }
    Object.assign(worker, decision.changes);
    for (const event of decision.events) this.emit(worker, event.actor, event.payload);
    for (const effect of decision.effects) this.executor.run(worker, effect);
  }

  private setWake(worker: TrackedWorker, at: number | undefined): void {
    if (worker.wake && worker.wake.at === at) return;
    this.wakeUps.cancel(worker.wake);
    worker.wake = at === undefined ? undefined : this.wakeUps.schedule(at, worker);
  }

  private untrack(worker: TrackedWorker): void {
    this.wakeUps.cancel(worker.wake);
    worker.wake = undefined;
    if (this.tracked.get(worker.workerId) === worker) this.tracked.delete(worker.workerId);
    this.store.forget(worker);
  }

  private failed(worker: TrackedWorker, failure: ActionFailure, error: unknown): void {
    const attributes = { action: failure.action, terminal: failure.terminal };
    if (failure.action === 'stop') this.metrics.stopFailed(attributes);
    else this.metrics.removalFailed(attributes);
    this.options.logger.warn(
      { err: error, workerId: worker.workerId, ...attributes, attempts: failure.attempts },
      failure.terminal
        ? `${failure.action} refused; trying again at the resync interval`
        : `${failure.action} failed; retrying with backoff`,
    );
    rejectWaiters(worker, error, failure.terminal);
    if (failure.terminal && !failure.reported) {
      worker.failure = { ...failure, reported: true };
      this.emit(worker, 'infrastructure', {
        type: 'WorkerEphemeralActionFailed',
        action: failure.action,
        errorCode: failure.errorCode,
        message: failure.message,
        status: failure.status,
        attempts: failure.attempts,
        nextAttemptAt: new Date(failure.notBefore),
      });
    }
  }

  private eventBase(correlationId: string, kind: EventActor['kind']) {
    return {
      providerId: this.provider.providerId,
      occurredAt: new Date(this.now()),
      correlationId,
      actor: { kind, instanceId: this.options.instanceId },
    };
  }

  private publish(event: LifecycleEvent): void {
    safePublish(this.options.publisher, event, this.options.onPublishError);
  }
}
