import { randomUUID } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import { sleep } from '../clock/clock.js';
import {
  CancelledError,
  ClosedError,
  IllegalTransitionError,
  InvalidOptionsError,
  InvalidSpecError,
  NotOwnedError,
  WorkerNotFoundError,
} from '../errors/errors.js';
import {
  CleanupReason,
  type EventActor,
  type LifecycleEvent,
  type OrphanKind,
  TerminationReason,
} from '../events/events.js';
import { safePublish } from '../events/publisher.js';
import { createLifecycleMetrics, type LifecycleMetrics } from '../observability/metrics.js';
import { readOwnership } from '../ownership/ownership.js';
import type {
  CreateOptionsV1,
  CreateWorkerRequestV1,
  ProviderV1,
  RemoveOptionsV1,
  StopOptionsV1,
  WorkerObservationV1,
  WorkerRecordV1,
  WorkerRefV1,
} from '../provider/v1/provider-v1.js';
import { validateWorkerRequest } from '../spec/validate-worker-request.js';
import type { WorkerSpec } from '../spec/worker-spec.js';
import {
  assertTransition,
  isActiveState,
  isFinishedState,
  LifecycleState,
} from '../state/lifecycle-state.js';
import { BoundedFifo } from '../util/fifo.js';
import { type Deadline, DeadlineQueue } from './deadline-queue.js';
import type { ResolvedOptions } from './resolve-options.js';
import { ScopedDecorator } from './scoped-decorator.js';
import {
  type DeadlineEntry,
  type DeadlineKind,
  type RetryAction,
  snapshot,
  type TrackedWorker,
} from './tracked-worker.js';
import type {
  CreateWorkerOptions,
  GarbageCollectionSummary,
  LifecycleManager,
  ManagedWorkerInfo,
} from './types.js';

const S = LifecycleState;

/** Ids of workers already cleaned up, so a late watch event cannot resurrect them. */
const RECENTLY_GONE = 10_000;

/**
 * The lifecycle manager: a provider decorator that enforces the policy on every worker.
 *
 * How it works, in short: every rule with a time (maxLifetime, idle, startup, TTL, retries,
 * the resync) is a deadline in one priority queue driven by the injected clock. Observations
 * come from the provider's watch where it has one, and from one `list` per resync interval.
 * Each observation moves the worker through the state table; each move publishes its event.
 */
export class ManagedProvider extends ScopedDecorator implements LifecycleManager {
  readonly enabled = true;

  private readonly tracked = new Map<string, TrackedWorker>();
  private readonly recentlyGone = new BoundedFifo<string>(RECENTLY_GONE);
  private readonly recentlyGoneSet = new Set<string>();
  private readonly queue: DeadlineQueue<DeadlineEntry>;
  private readonly limit: LimitFunction;
  /**
   * The log tails of Terminated events, bounded like the rest of the manager's calls: a burst
   * of endings (a mass removal, many jobs completing at once) reads them `concurrency` at a
   * time. A limiter of their own, as they are also read from within a step holding a slot.
   */
  private readonly logLimit: LimitFunction;
  private readonly metrics: LifecycleMetrics;
  private readonly watchAbort = new AbortController();
  private started: Promise<void> | undefined;
  private gcRun: Promise<GarbageCollectionSummary> | undefined;
  private cleanedSinceGc = 0;
  private createdCount = 0;
  /** The provider's watch stream is open: removals are confirmed by its events. */
  private watching = false;
  private closed = false;

  constructor(inner: ProviderV1, options: ResolvedOptions) {
    super(inner, options);
    this.queue = new DeadlineQueue(options.clock, (entry) => this.onDeadline(entry));
    this.limit = pLimit(options.concurrency);
    this.logLimit = pLimit(options.concurrency);
    this.metrics = createLifecycleMetrics(options.meter, () => this.tracked.size, {
      'hodei.scope': this.scope,
      'hodei.provider.id': this.providerId,
      'hodei.provider.type': this.type,
    });
    if (inner.stop) this.stop = (ref, opts) => this.stopByRef(ref, opts);
  }

  // ---------------------------------------------------------------- public API

  start(): Promise<void> {
    this.started ??= this.startOnce();
    return this.started;
  }

  async createWorker(spec: WorkerSpec, options: CreateWorkerOptions = {}): Promise<WorkerRecordV1> {
    this.assertOpen();
    // Everything that can be refused is refused before any call to the infrastructure.
    // One InvalidSpecError listing every problem of the spec, its policy and the worker id.
    const { policy } = validateWorkerRequest(spec, {
      workerId: options.workerId,
      basePolicy: this.policy,
    });
    const workerId = options.workerId ?? `w-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    if (options.signal?.aborted) throw new CancelledError(`Creating worker ${workerId}`);
    await this.start();
    this.assertOpen();
    if (this.tracked.has(workerId)) {
      throw new InvalidOptionsError('createWorker options', [
        { path: 'workerId', message: `'${workerId}' is already tracked by this manager` },
      ]);
    }
    const now = this.now();
    const expiresAt = now + policy.maxLifetime;
    const worker = this.track({
      workerId,
      uid: undefined,
      state: S.Created,
      adopted: false,
      owner: this.instanceId,
      ownedByMe: true,
      policy,
      createdAt: now,
      expiresAt,
      ttlMs: policy.ttlAfterCompletion,
      creating: true,
    });
    let record: WorkerRecordV1;
    try {
      record = await this.inner.create(
        {
          spec,
          ownership: {
            scope: this.scope,
            workerId,
            providerId: this.providerId,
            owner: this.instanceId,
            expiresAt: new Date(expiresAt),
            ttlAfterFinishedSeconds: Math.ceil(policy.ttlAfterCompletion / 1000),
          },
        },
        options.signal ? { signal: options.signal } : {},
      );
    } catch (error) {
      worker.creating = false;
      if (InvalidSpecError.isInstance(error) || CancelledError.isInstance(error)) {
        // Nothing exists (the provider refused before any call, or removed what it made).
        this.untrack(worker);
      } else {
        // The provider may have left a half-made worker: remove it, quietly, with retries.
        worker.createFailed = true;
        this.beginCleanup(worker, CleanupReason.WorkerError);
      }
      throw error;
    }
    worker.creating = false;
    worker.createdSeq = ++this.createdCount;
    worker.uid = record.uid;
    worker.lastSeen = this.now();
    this.transition(worker, S.Initializing);
    this.metrics.workerCreated({});
    this.emit(worker, 'manager', {
      type: 'WorkerEphemeralCreated',
      maxLifetime: policy.maxLifetime,
      ttlAfterCompletion: policy.ttlAfterCompletion,
      expiresAt: new Date(expiresAt),
    });
    this.schedule(worker, 'lifetime', expiresAt);
    if (policy.startupTimeout !== undefined)
      this.schedule(worker, 'startup', now + policy.startupTimeout);
    this.observeRecord(worker, record);
    const later = worker.observedWhileCreating;
    worker.observedWhileCreating = undefined;
    if (later) this.observe(later);
    if (worker.state === S.Initializing && !this.inner.watch) {
      this.schedule(worker, 'poll', this.now() + this.options.readinessPollInterval);
    }
    return record;
  }

  markBusy(workerId: string): void {
    const worker = this.requireOwned(workerId);
    if (worker.state === S.Running) return;
    if (worker.state !== S.Ready && worker.state !== S.Initializing) {
      throw new IllegalTransitionError(worker.state, S.Running, workerId);
    }
    worker.busy = true;
    this.cancel(worker, 'idle');
    this.transition(worker, S.Running);
  }

  markIdle(workerId: string): void {
    const worker = this.requireOwned(workerId);
    if (worker.state === S.Initializing || worker.state === S.Created) {
      worker.busy = false; // becomes idle when it is ready
      return;
    }
    if (worker.state !== S.Ready && worker.state !== S.Running) {
      throw new IllegalTransitionError(worker.state, S.Ready, workerId);
    }
    if (worker.state === S.Running) this.transition(worker, S.Ready);
    this.becomeIdle(worker, true);
  }

  async terminate(workerId: string, options: { reason?: TerminationReason } = {}): Promise<void> {
    const worker = this.requireOwned(workerId);
    if (!isActiveState(worker.state) && worker.state !== S.Terminating) return;
    const done = this.waitFor(worker, (w) => isFinishedState(w.state));
    this.beginTermination(worker, options.reason ?? TerminationReason.ManualTermination, 'caller');
    await done;
  }

  worker(workerId: string): ManagedWorkerInfo | undefined {
    const worker = this.tracked.get(workerId);
    return worker && !worker.creating && !worker.createFailed ? snapshot(worker) : undefined;
  }

  workers(): ManagedWorkerInfo[] {
    return [...this.tracked.values()].filter((w) => !w.creating && !w.createFailed).map(snapshot);
  }

  collectGarbage(): Promise<GarbageCollectionSummary> {
    this.gcRun ??= this.runGarbageCollection(false).finally(() => {
      this.gcRun = undefined;
    });
    return this.gcRun;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchAbort.abort();
    this.queue.stop();
    for (const worker of this.tracked.values()) {
      for (const waiter of worker.waiters ?? [])
        waiter.reject(new ClosedError('Lifecycle manager'));
      worker.waiters = undefined;
    }
    if (this.options.closeProvider) await this.inner.close?.();
  }

  // ------------------------------------------------- the provider contract, decorated

  create(request: CreateWorkerRequestV1, options: CreateOptionsV1 = {}): Promise<WorkerRecordV1> {
    // Ownership is the manager's to decide; only the caller's worker id is kept.
    const workerId = request.ownership?.workerId;
    return this.createWorker(request.spec, {
      ...(workerId ? { workerId } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Removes now, skipping the TTL (cleanup reason ForceCleanup). Never touches another scope. */
  async remove(ref: WorkerRefV1, options: RemoveOptionsV1 = {}): Promise<void> {
    if (ref.scope !== this.scope) return;
    const worker = this.tracked.get(ref.workerId);
    if (!worker || worker.creating || (ref.uid !== undefined && ref.uid !== worker.uid)) {
      await this.inner.remove(ref, options);
      return;
    }
    if (!worker.ownedByMe)
      throw new NotOwnedError(ref.workerId, `owned by manager ${worker.owner}`);
    const gone = this.waitFor(worker, (w) => w.state === S.CleanedUp, true);
    if (isActiveState(worker.state) || worker.state === S.Terminating) {
      await this.endWithoutStop(
        worker,
        TerminationReason.ManualTermination,
        'caller',
        CleanupReason.ForceCleanup,
      );
    } else {
      this.beginCleanup(worker, CleanupReason.ForceCleanup);
    }
    await gone;
  }

  private async stopByRef(ref: WorkerRefV1, options?: StopOptionsV1): Promise<void> {
    if (ref.scope !== this.scope) return;
    const worker = this.tracked.get(ref.workerId);
    if (!worker || worker.creating) {
      await this.inner.stop?.(ref, options);
      return;
    }
    await this.terminate(ref.workerId);
  }

  // ------------------------------------------------------------------ start & GC

  private async startOnce(): Promise<void> {
    if (this.inner.watch) void this.watchLoop();
    await this.runGarbageCollection(true);
    this.scheduleResync();
  }

  private scheduleResync(): void {
    if (this.closed) return;
    this.queue.schedule(this.now() + this.policy.orphanCheckInterval, {
      worker: undefined,
      kind: 'resync',
    });
  }

  private async runGarbageCollection(initial: boolean): Promise<GarbageCollectionSummary> {
    const startedAt = this.now();
    const createdBeforeList = this.createdCount;
    const correlationId = randomUUID();
    const errors: string[] = [];
    let orphansDetected = 0;
    let records: WorkerRecordV1[] = [];
    let listed = false;
    try {
      records = await this.inner.list({ scope: this.scope });
      listed = true;
    } catch (error) {
      errors.push(`list: ${messageOf(error)}`);
      this.options.logger.warn({ err: error }, 'resync: list failed');
    }
    if (listed && !this.closed) {
      const seen = new Map(records.map((record) => [record.workerId, record]));
      for (const worker of [...this.tracked.values()]) {
        if (worker.creating || worker.state === S.CleanedUp) continue;
        const record = seen.get(worker.workerId);
        // A worker whose create returned after the list began may be missing from it: not lost.
        if (!record && worker.createdSeq > createdBeforeList) continue;
        if (!record || (worker.uid !== undefined && record.uid !== worker.uid)) {
          if (this.vanished(worker)) orphansDetected += 1;
          continue;
        }
        seen.delete(worker.workerId);
        this.observeRecord(worker, record);
      }
      if (initial || this.policy.orphanDetectionEnabled) {
        for (const record of seen.values()) {
          if (this.adopt(record, correlationId)) orphansDetected += 1;
        }
      }
    }
    const workersCleaned = this.cleanedSinceGc;
    this.cleanedSinceGc = 0;
    const summary: GarbageCollectionSummary = {
      workersCleaned,
      orphansDetected,
      errors,
      duration: this.now() - startedAt,
    };
    this.metrics.gcCompleted(summary.duration, {});
    this.publish({
      type: 'GarbageCollectionCompleted',
      ...summary,
      ...this.eventBase(correlationId, 'manager'),
    });
    return summary;
  }

  /** Consumes the provider's watch; after a drop, re-lists (to repair) and watches again. */
  private async watchLoop(): Promise<void> {
    const watch = this.inner.watch!.bind(this.inner);
    let failures = 0;
    while (!this.closed) {
      this.watching = true;
      try {
        for await (const observation of watch(
          { scope: this.scope },
          { signal: this.watchAbort.signal },
        )) {
          failures = 0;
          this.observe(observation);
        }
      } catch (error) {
        this.watching = false;
        if (this.closed) return;
        failures += 1;
        this.options.logger.warn(
          { err: error, failures },
          'watch dropped; re-listing and watching again',
        );
      }
      this.watching = false;
      if (this.closed) return;
      try {
        await sleep(this.options.clock, this.backoff(failures), this.watchAbort.signal);
      } catch {
        return; // closed while waiting
      }
      void this.collectGarbage();
    }
  }

  // --------------------------------------------------------------- observations

  private observe(observation: WorkerObservationV1): void {
    if (this.closed) return;
    const workerId =
      observation.type === 'removed' ? observation.workerId : observation.worker.workerId;
    const creating = this.tracked.get(workerId);
    if (creating?.creating) {
      // Kept, and replayed once the create call returns (a watch can be faster than create).
      creating.observedWhileCreating = observation;
      return;
    }
    if (observation.type === 'removed') {
      const worker = this.tracked.get(observation.workerId);
      if (!worker) return;
      if (worker.uid !== undefined && worker.uid !== observation.uid) return;
      this.vanished(worker);
      return;
    }
    const record = observation.worker;
    const worker = this.tracked.get(record.workerId);
    if (!worker) return; // untracked workers are the resync's business (adoption)
    if (worker.uid !== undefined && record.uid !== worker.uid) return;
    this.observeRecord(worker, record);
  }

  private observeRecord(worker: TrackedWorker, record: WorkerRecordV1): void {
    worker.lastSeen = this.now();
    worker.uid ??= record.uid;
    if (worker.creating || worker.state === S.CleanedUp) return;
    // Being removed (by us, or out of band as `docker rm -f` does): its end is not the job's
    // end. Our removal is confirmed when it vanishes; anyone else's makes it a lost worker.
    if (record.removing) return;
    if (record.phase === 'succeeded' || record.phase === 'failed') {
      if (isActiveState(worker.state) || worker.state === S.Terminating) {
        void this.finish(worker, record);
      }
      return;
    }
    if (worker.state === S.Initializing && record.ready && record.phase === 'running') {
      this.becomeReady(worker);
    }
  }

  /** The physical worker is gone. Returns true when that makes it a lost worker (an orphan). */
  private vanished(worker: TrackedWorker): boolean {
    if (worker.state === S.CleanedUp) return false; // already closed (a late, second report)
    if (worker.removing) {
      this.cleanedUp(worker); // our own removal, confirmed
      return false;
    }
    const now = this.now();
    this.metrics.orphanDetected({ kind: 'lost-worker' });
    this.options.logger.warn({ workerId: worker.workerId }, 'worker vanished out of band');
    this.emitOrphan(worker, 'lost-worker', worker.lastSeen, now - worker.lastSeen);
    worker.pendingCleanupReason = CleanupReason.OrphanDetected;
    this.cleanedUp(worker);
    return true;
  }

  /** Takes over a worker of this scope that no manager in this process tracks. */
  private adopt(record: WorkerRecordV1, correlationId: string): boolean {
    const ownership = readOwnership(record);
    if (!ownership || ownership.scope !== this.scope) return false; // never another scope's
    if (this.recentlyGoneSet.has(record.uid)) return false;
    if (this.tracked.has(record.workerId)) return false;
    const now = this.now();
    const worker = this.track({
      workerId: record.workerId,
      uid: record.uid,
      state: S.Initializing,
      adopted: true,
      owner: ownership.owner,
      ownedByMe: ownership.owner === this.instanceId,
      policy: this.policy,
      createdAt: record.createdAt.getTime(),
      expiresAt: ownership.expiresAt?.getTime() ?? Number.NaN,
      ttlMs:
        ownership.ttlAfterFinishedSeconds === undefined
          ? this.policy.ttlAfterCompletion
          : ownership.ttlAfterFinishedSeconds * 1000,
      creating: false,
      correlationId,
    });
    this.metrics.orphanDetected({ kind: 'orphan-resource' });
    const lastSeen = record.createdAt.getTime();
    this.emitOrphan(worker, 'orphan-resource', lastSeen, Math.max(0, now - lastSeen));
    // Any manager of the scope may enforce the stamped deadline and TTL (the owner would too).
    if (!Number.isNaN(worker.expiresAt)) this.schedule(worker, 'lifetime', worker.expiresAt);
    if (record.removing) {
      // A removal its manager began and never saw through (a pod stuck terminating after a
      // crash): finish it, so the provider can escalate.
      this.beginCleanup(worker, CleanupReason.OrphanDetected);
    } else if (record.phase === 'running' && record.ready) {
      this.becomeReady(worker);
    } else {
      this.observeRecord(worker, record);
    }
    return true;
  }

  private becomeReady(worker: TrackedWorker): void {
    this.cancel(worker, 'startup');
    this.cancel(worker, 'poll');
    if (worker.busy) {
      this.transition(worker, S.Running);
      this.emit(worker, 'infrastructure', { type: 'WorkerEphemeralReady' });
      return;
    }
    this.transition(worker, S.Ready);
    this.emit(worker, 'infrastructure', { type: 'WorkerEphemeralReady' });
    this.becomeIdle(worker, false);
  }

  /** Starts the idle clock; `announce` publishes WorkerEphemeralIdle (a caller's idle mark). */
  private becomeIdle(worker: TrackedWorker, announce: boolean): void {
    const now = this.now();
    worker.busy = false;
    worker.idleSince = now;
    if (announce)
      this.emit(worker, 'caller', { type: 'WorkerEphemeralIdle', idleSince: new Date(now) });
    const idleTimeout = worker.policy.idleTimeout;
    if (worker.ownedByMe && idleTimeout !== undefined)
      this.schedule(worker, 'idle', now + idleTimeout);
  }

  // ---------------------------------------------------------------- deadlines

  private onDeadline(entry: DeadlineEntry): void {
    if (this.closed) return;
    const worker = entry.worker;
    if (!worker) {
      this.scheduleResync();
      void this.collectGarbage();
      return;
    }
    if (worker.deadlines) delete worker.deadlines[entry.kind as DeadlineKind];
    switch (entry.kind) {
      case 'lifetime':
        if (isActiveState(worker.state)) {
          this.beginTermination(worker, TerminationReason.LifetimeExceeded, 'manager');
        }
        break;
      case 'idle':
        if (worker.state === S.Ready && !worker.busy) {
          this.beginTermination(worker, TerminationReason.IdleTimeout, 'manager');
        }
        break;
      case 'startup':
        if (worker.state === S.Initializing || worker.state === S.Created) {
          this.beginTermination(worker, TerminationReason.StartupTimeout, 'manager');
        }
        break;
      case 'poll':
        void this.limit(() => this.pollReadiness(worker));
        break;
      case 'ttl':
        // A TTL of zero means "remove at once": a normal termination, not an expiry.
        this.beginCleanup(
          worker,
          (worker.cleanupAt ?? 0) > (worker.finishedAt ?? 0)
            ? CleanupReason.TtlExpired
            : CleanupReason.NormalTermination,
        );
        break;
      case 'retry':
        this.retry(worker);
        break;
    }
  }

  private async pollReadiness(worker: TrackedWorker): Promise<void> {
    if (worker.state !== S.Initializing || this.closed) return;
    try {
      const record = await this.inner.get(this.ref(worker));
      if (!record) this.vanished(worker);
      else this.observeRecord(worker, record);
    } catch (error) {
      this.options.logger.debug({ err: error, workerId: worker.workerId }, 'readiness poll failed');
    }
    if (worker.state === S.Initializing) {
      this.schedule(worker, 'poll', this.now() + this.options.readinessPollInterval);
    }
  }

  // -------------------------------------------------------------- termination

  private beginTermination(
    worker: TrackedWorker,
    reason: TerminationReason,
    actor: EventActor['kind'],
  ): void {
    if (!isActiveState(worker.state) || worker.creating) return;
    this.enterTerminating(worker, reason, actor);
    if (reason === TerminationReason.StartupTimeout || !this.inner.stop) {
      // Without stop, stopping means removing; a worker that never started is removed at once.
      const cleanupReason =
        reason === TerminationReason.StartupTimeout
          ? CleanupReason.WorkerError
          : CleanupReason.NormalTermination;
      void this.endWithoutStop(worker, reason, actor, cleanupReason);
      return;
    }
    void this.limit(() => this.stopStep(worker));
  }

  /** Active -> Terminating: the running-state deadlines are cancelled and the reason announced. */
  private enterTerminating(
    worker: TrackedWorker,
    reason: TerminationReason,
    actor: EventActor['kind'],
  ): void {
    worker.terminationReason = reason;
    this.cancel(worker, 'idle', 'startup', 'poll', 'lifetime');
    this.transition(worker, S.Terminating);
    this.emit(worker, actor, { type: 'WorkerEphemeralTerminating', reason });
  }

  private async stopStep(worker: TrackedWorker): Promise<void> {
    if (worker.state !== S.Terminating || this.closed) return;
    const ref = this.ref(worker);
    try {
      await this.inner.stop!(ref, { gracePeriodMs: worker.policy.gracefulTerminationTimeout });
      const record = await this.inner.get(ref);
      if (!record) {
        this.vanished(worker);
      } else if (record.phase === 'succeeded' || record.phase === 'failed') {
        await this.finish(worker, record);
      } else {
        // Stopping takes effect later on some infrastructures (the kubelet): look again soon.
        this.scheduleRetry(worker, 'stop', undefined);
      }
    } catch (error) {
      this.scheduleRetry(worker, 'stop', error);
    }
  }

  /**
   * Ends a worker by removing it (no stop capability, a startup timeout, or a caller's
   * remove): Terminating -> Terminated (or Failed) with the last log lines, then removal.
   */
  private async endWithoutStop(
    worker: TrackedWorker,
    reason: TerminationReason,
    actor: EventActor['kind'],
    cleanupReason: CleanupReason,
  ): Promise<void> {
    if (isActiveState(worker.state)) this.enterTerminating(worker, reason, actor);
    if (worker.state !== S.Terminating) return;
    const lastLogLines = await this.tailLogs(worker);
    if (worker.state !== S.Terminating) return;
    const now = this.now();
    this.transition(worker, reason === TerminationReason.StartupTimeout ? S.Failed : S.Terminated);
    worker.finishedAt = now;
    this.emit(worker, actor, {
      type: 'WorkerEphemeralTerminated',
      reason,
      cleanupScheduled: true,
      ttlExpiresAt: new Date(now),
      exitCode: worker.exitCode ?? null,
      lastLogLines,
    });
    this.beginCleanup(worker, cleanupReason);
  }

  /** The worker has ended (by itself, or after our stop): Terminated or Failed, TTL scheduled. */
  private async finish(worker: TrackedWorker, record: WorkerRecordV1): Promise<void> {
    if (worker.finishing) return;
    worker.finishing = true;
    const lastLogLines = await this.tailLogs(worker);
    worker.finishing = false;
    if (!isActiveState(worker.state) && worker.state !== S.Terminating) return;
    const byItself = worker.state !== S.Terminating;
    const reason =
      worker.terminationReason ??
      (record.reason === 'DeadlineExceeded'
        ? TerminationReason.LifetimeExceeded
        : TerminationReason.JobCompleted);
    const failedByItself =
      byItself && record.phase === 'failed' && reason === TerminationReason.JobCompleted;
    worker.terminationReason = reason;
    worker.exitCode = record.exitCode;
    this.cancel(worker, 'idle', 'startup', 'poll', 'lifetime', 'retry');
    this.transition(worker, failedByItself ? S.Failed : S.Terminated);
    const now = this.now();
    const finishedAt = Math.min(now, record.finishedAt?.getTime() ?? now);
    worker.finishedAt = finishedAt;
    const ttl =
      failedByItself && worker.policy.retainOnFailure !== undefined
        ? worker.policy.retainOnFailure
        : worker.ttlMs;
    const cleanupScheduled = worker.policy.autoCleanupEnabled;
    worker.cleanupAt = cleanupScheduled ? finishedAt + ttl : undefined;
    this.emit(worker, byItself ? 'infrastructure' : 'manager', {
      type: 'WorkerEphemeralTerminated',
      reason,
      cleanupScheduled,
      ttlExpiresAt: worker.cleanupAt === undefined ? null : new Date(worker.cleanupAt),
      exitCode: record.exitCode ?? null,
      lastLogLines,
    });
    if (worker.cleanupAt !== undefined) this.schedule(worker, 'ttl', worker.cleanupAt);
  }

  private async tailLogs(worker: TrackedWorker): Promise<string[] | null> {
    if (!this.inner.logs || this.options.logTailLines === 0) return null;
    const logs = this.inner.logs.bind(this.inner);
    try {
      return await this.logLimit(() => logs(this.ref(worker), { tail: this.options.logTailLines }));
    } catch {
      return null; // the logs are a courtesy; their absence must not stall the lifecycle
    }
  }

  // ------------------------------------------------------------------ cleanup

  private beginCleanup(worker: TrackedWorker, reason: CleanupReason): void {
    if (worker.state === S.CleanedUp) return;
    worker.pendingCleanupReason ??= reason;
    if (worker.removing) return;
    worker.removing = true;
    worker.removalStartedAt ??= this.now();
    this.cancel(worker, 'ttl');
    void this.limit(() => this.removeStep(worker));
  }

  private async removeStep(worker: TrackedWorker): Promise<void> {
    if (worker.state === S.CleanedUp || this.closed) return;
    try {
      // The uid pins the exact physical worker: a newer one under the same id is left alone.
      await this.inner.remove(this.ref(worker), {
        gracePeriodMs: worker.policy.gracefulTerminationTimeout,
      });
    } catch (error) {
      this.scheduleRetry(worker, 'remove', error);
      return;
    }
    if (this.watching && worker.uid !== undefined) {
      // The watch will report it gone. A worker may take its grace period to go: read it back
      // only if the watch has not reported it by then (plus the retry delay), so a mass
      // removal on a slow infrastructure does not read every worker back while it drains.
      worker.retryAction = 'confirm';
      this.schedule(
        worker,
        'retry',
        this.now() + worker.policy.gracefulTerminationTimeout + this.options.retryDelay,
      );
      return;
    }
    await this.confirmStep(worker);
  }

  /** Confirms the removal by reading the worker back: CleanedUp only once it is really gone. */
  private async confirmStep(worker: TrackedWorker): Promise<void> {
    if (worker.state === S.CleanedUp || this.closed) return;
    try {
      const record = await this.inner.get(this.ref(worker));
      if (!record || (worker.uid !== undefined && record.uid !== worker.uid)) {
        this.cleanedUp(worker);
      } else {
        // Still there: look again soon; once it outlasts its grace period, ask for the removal
        // again, so the provider can escalate (a force delete of a pod stuck terminating).
        const overdue =
          this.now() - (worker.removalStartedAt ?? this.now()) >
          worker.policy.gracefulTerminationTimeout + this.options.retryDelay;
        this.scheduleRetry(worker, record.removing && !overdue ? 'confirm' : 'remove', undefined);
      }
    } catch (error) {
      this.scheduleRetry(worker, 'confirm', error);
    }
  }

  private cleanedUp(worker: TrackedWorker): void {
    if (worker.state === S.CleanedUp) return;
    const reason = worker.pendingCleanupReason ?? CleanupReason.NormalTermination;
    this.transition(worker, S.CleanedUp);
    this.cancel(worker, 'lifetime', 'idle', 'startup', 'poll', 'ttl', 'retry');
    this.untrack(worker);
    if (worker.createFailed) return; // it never existed as far as events go
    this.cleanedSinceGc += 1;
    this.metrics.workerCleaned({ reason });
    this.emit(worker, 'manager', {
      type: 'WorkerEphemeralCleanedUp',
      cleanupReason: reason,
      cleanupDuration: this.now() - (worker.removalStartedAt ?? this.now()),
    });
  }

  // ------------------------------------------------------------------ retries

  /** A failed (or not yet effective) step is tried again with backoff; never forgotten. */
  private scheduleRetry(worker: TrackedWorker, action: RetryAction, error: unknown): void {
    if (this.closed || worker.state === S.CleanedUp) return;
    if (error !== undefined) {
      worker.removalAttempts += 1;
      this.metrics.removalFailed({ action });
      this.options.logger.warn(
        { err: error, workerId: worker.workerId, action, attempts: worker.removalAttempts },
        `${action} failed; retrying`,
      );
      for (const waiter of worker.waiters?.filter((w) => w.rejectOnFailure) ?? [])
        waiter.reject(error);
      if (worker.waiters) worker.waiters = worker.waiters.filter((w) => !w.rejectOnFailure);
    }
    worker.retryAction = action;
    const delay =
      error === undefined ? this.options.retryDelay : this.backoff(worker.removalAttempts);
    this.schedule(worker, 'retry', this.now() + delay);
  }

  private retry(worker: TrackedWorker): void {
    const action = worker.retryAction;
    worker.retryAction = undefined;
    if (action === 'stop') void this.limit(() => this.stopStep(worker));
    else if (action === 'remove') void this.limit(() => this.removeStep(worker));
    else if (action === 'confirm') void this.limit(() => this.confirmStep(worker));
  }

  private backoff(attempts: number): number {
    const exponent = Math.min(30, Math.max(0, attempts - 1));
    return Math.min(this.options.maxRetryDelay, this.options.retryDelay * 2 ** exponent);
  }

  // ------------------------------------------------------------------ plumbing

  private track(
    init: Pick<
      TrackedWorker,
      | 'workerId'
      | 'uid'
      | 'state'
      | 'adopted'
      | 'owner'
      | 'ownedByMe'
      | 'policy'
      | 'createdAt'
      | 'expiresAt'
      | 'ttlMs'
      | 'creating'
    > & { correlationId?: string },
  ): TrackedWorker {
    const worker: TrackedWorker = {
      ...init,
      correlationId: init.correlationId ?? randomUUID(),
      busy: false,
      idleSince: undefined,
      lastSeen: this.now(),
      exitCode: undefined,
      terminationReason: undefined,
      finishedAt: undefined,
      cleanupAt: undefined,
      removing: false,
      removalStartedAt: undefined,
      removalAttempts: 0,
      retryAction: undefined,
      pendingCleanupReason: undefined,
      finishing: false,
      createFailed: false,
      observedWhileCreating: undefined,
      createdSeq: 0,
      deadlines: undefined,
      waiters: undefined,
    };
    this.tracked.set(worker.workerId, worker);
    return worker;
  }

  private untrack(worker: TrackedWorker): void {
    if (this.tracked.get(worker.workerId) === worker) this.tracked.delete(worker.workerId);
    if (worker.uid !== undefined) {
      if (this.recentlyGone.length >= RECENTLY_GONE) {
        const oldest = this.recentlyGone.shift();
        if (oldest !== undefined) this.recentlyGoneSet.delete(oldest);
      }
      this.recentlyGone.push(worker.uid);
      this.recentlyGoneSet.add(worker.uid);
    }
  }

  private transition(worker: TrackedWorker, to: LifecycleState): void {
    if (worker.state === to) return;
    assertTransition(worker.state, to, worker.workerId);
    worker.state = to;
    if (worker.waiters) {
      const waiting = worker.waiters;
      worker.waiters = waiting.filter((waiter) => !waiter.until(worker));
      for (const waiter of waiting) if (waiter.until(worker)) waiter.resolve();
    }
  }

  private waitFor(
    worker: TrackedWorker,
    until: (worker: TrackedWorker) => boolean,
    rejectOnFailure = false,
  ): Promise<void> {
    if (until(worker)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      worker.waiters ??= [];
      worker.waiters.push({ until, resolve, reject, rejectOnFailure });
    });
  }

  private schedule(worker: TrackedWorker, kind: DeadlineKind, at: number): void {
    if (this.closed) return;
    worker.deadlines ??= {};
    this.queue.cancel(worker.deadlines[kind]);
    worker.deadlines[kind] = this.queue.schedule(at, { worker, kind });
  }

  private cancel(worker: TrackedWorker, ...kinds: DeadlineKind[]): void {
    if (!worker.deadlines) return;
    for (const kind of kinds) {
      const deadline: Deadline<DeadlineEntry> | undefined = worker.deadlines[kind];
      if (deadline) {
        this.queue.cancel(deadline);
        delete worker.deadlines[kind];
      }
    }
  }

  private requireOwned(workerId: string): TrackedWorker {
    this.assertOpen();
    const worker = this.tracked.get(workerId);
    if (!worker || worker.creating || worker.createFailed) throw new WorkerNotFoundError(workerId);
    if (!worker.ownedByMe) throw new NotOwnedError(workerId, `owned by manager ${worker.owner}`);
    return worker;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('Lifecycle manager');
  }

  private ref(worker: TrackedWorker): WorkerRefV1 {
    return worker.uid === undefined
      ? { workerId: worker.workerId, scope: this.scope }
      : { workerId: worker.workerId, scope: this.scope, uid: worker.uid };
  }

  private now(): number {
    return this.options.clock.now();
  }

  private eventBase(correlationId: string, kind: EventActor['kind']) {
    return {
      providerId: this.providerId,
      occurredAt: new Date(this.now()),
      correlationId,
      actor: { kind, instanceId: this.instanceId },
    };
  }

  private emit(
    worker: TrackedWorker,
    actor: EventActor['kind'],
    payload: DistributiveOmit<
      Exclude<LifecycleEvent, { type: 'GarbageCollectionCompleted' }>,
      'workerId' | 'providerId' | 'occurredAt' | 'correlationId' | 'actor'
    >,
  ): void {
    this.publish({
      ...payload,
      workerId: worker.workerId,
      ...this.eventBase(worker.correlationId, actor),
    } as LifecycleEvent);
  }

  private emitOrphan(
    worker: TrackedWorker,
    kind: OrphanKind,
    lastSeen: number,
    orphanedDuration: number,
  ): void {
    this.emit(worker, 'manager', {
      type: 'OrphanWorkerDetected',
      kind,
      lastSeen: new Date(lastSeen),
      orphanedDuration,
    });
  }

  private publish(event: LifecycleEvent): void {
    safePublish(this.options.publisher, event, this.options.onPublishError);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
