/**
 * The lifecycle manager's public face: a provider decorator with the manager's methods. Each
 * method checks its request and records it as a fact of the worker (created, busy, idle,
 * asked to terminate or be removed); the reconciler then decides what follows with the
 * decision function, runs the provider calls, and publishes the events. Watch and list feed
 * one store of observations; there is one re-list path (start, resync, a dropped watch and
 * collectGarbage all use it).
 */
import { randomUUID } from 'node:crypto';
import {
  CancelledError,
  ClosedError,
  InvalidOptionsError,
  InvalidSpecError,
  NotOwnedError,
  WorkerNotFoundError,
  WorkerStateError,
} from '../errors/errors.js';
import { TerminationReason } from '../events/events.js';
import { readOwnership } from '../ownership/ownership.js';
import type {
  CreateOptionsV1,
  CreateWorkerRequestV1,
  OwnerLeaseV1,
  ProviderV1,
  RemoveOptionsV1,
  StopOptionsV1,
  WorkerRecordV1,
  WorkerRefV1,
} from '../provider/v1/provider-v1.js';
import { validateWorkerRequest } from '../spec/validate-worker-request.js';
import type { WorkerSpec } from '../spec/worker-spec.js';
import { isActiveState, isFinishedState, LifecycleState } from '../state/lifecycle-state.js';
import { adoptionOf, ownerLiveness } from './decision/adoption.js';
import { stampsOf } from './decision/from-record.js';
import { LeaseKeeper } from './lease/lease-keeper.js';
import { runWatchLoop } from './observations/watch-loop.js';
import { Reconciler } from './reconciler.js';
import type { ResolvedOptions } from './resolve-options.js';
import { ScopedDecorator } from './scoped-decorator.js';
import type {
  CreateWorkerOptions,
  GarbageCollectionSummary,
  LifecycleManager,
  ManagedWorkerInfo,
  TerminateOptions,
} from './types.js';
import { newTrackedWorker, snapshot, type TrackedWorker } from './worker/tracked-worker.js';
import { waitFor } from './worker/waiters.js';

const S = LifecycleState;

export class ManagedProvider extends ScopedDecorator implements LifecycleManager {
  readonly enabled = true;

  private readonly engine: Reconciler;
  /** Holds this instance's owner lease, where the provider has leases. */
  private readonly leaseKeeper: LeaseKeeper | undefined;
  private readonly watchAbort = new AbortController();
  private started: Promise<void> | undefined;
  private gcRun: Promise<GarbageCollectionSummary> | undefined;
  /** Create calls that have returned (or failed): a re-list skips those newer than its list. */
  private createdCount = 0;
  private cleanedAtLastRun = 0;
  private closed = false;

  constructor(inner: ProviderV1, options: ResolvedOptions) {
    super(inner, options);
    this.engine = new Reconciler(inner, options, () => {
      this.engine.scheduleResync(this.now() + this.policy.orphanCheckInterval);
      void this.collectGarbage();
    });
    if (inner.stop) this.stop = (ref, opts) => this.stopByRef(ref, opts);
    this.leaseKeeper =
      options.lease && inner.leases
        ? new LeaseKeeper(inner.leases, options, options.lease.durationMs)
        : undefined;
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
    if (this.engine.tracked.has(workerId)) {
      throw new InvalidOptionsError('createWorker options', [
        { path: 'workerId', message: `'${workerId}' is already tracked by this manager` },
      ]);
    }
    const now = this.now();
    const expiresAt = now + policy.maxLifetime;
    const worker = newTrackedWorker({
      workerId,
      uid: undefined,
      state: S.Created,
      adopted: false,
      owner: this.instanceId,
      ownedByMe: true,
      policy,
      correlationId: randomUUID(),
      createdAt: now,
      expiresAt,
      ttlMs: policy.ttlAfterCompletion,
      creation: 'pending',
      seenUnfinished: false,
      now,
    });
    this.engine.track(worker);
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
      worker.createdSeq = ++this.createdCount;
      // Refused before any call, or cancelled (the provider removed what it made): nothing
      // exists. Otherwise a half-made worker may: it is removed (quietly) before we report.
      const nothingMade = InvalidSpecError.isInstance(error) || CancelledError.isInstance(error);
      worker.creation = nothingMade ? 'aborted' : 'failed';
      const removed = waitFor(worker, (w) => w.state === S.CleanedUp, 'any-failure');
      this.engine.request(worker);
      await removed.catch(() => undefined); // its removal goes on, retried, if this failed
      throw error;
    }
    worker.creation = 'done';
    worker.createdSeq = ++this.createdCount;
    this.engine.emit(worker, 'manager', {
      type: 'WorkerEphemeralCreated',
      maxLifetime: policy.maxLifetime,
      ttlAfterCompletion: policy.ttlAfterCompletion,
      expiresAt: new Date(expiresAt),
    });
    this.engine.store.created(worker, record); // decided now: Initializing, maybe Ready
    return record;
  }

  markBusy(workerId: string): void {
    const worker = this.requireOwned(workerId);
    if (worker.state === S.Running) return;
    if (worker.state !== S.Ready && worker.state !== S.Initializing && worker.state !== S.Created) {
      throw new WorkerStateError('markBusy', worker.state, S.Running, workerId);
    }
    worker.busy = true;
    worker.idleMarkedAt = undefined;
    this.engine.request(worker);
  }

  markIdle(workerId: string): void {
    const worker = this.requireOwned(workerId);
    if (worker.state === S.Initializing || worker.state === S.Created) {
      worker.busy = false; // becomes idle when it is ready
      return;
    }
    if (worker.state !== S.Ready && worker.state !== S.Running) {
      throw new WorkerStateError('markIdle', worker.state, S.Ready, workerId);
    }
    worker.busy = false;
    worker.idleMarkedAt = this.now();
    this.engine.request(worker);
  }

  async terminate(workerId: string, options: TerminateOptions = {}): Promise<void> {
    const worker = this.requireOwned(workerId);
    if (!isActiveState(worker.state) && worker.state !== S.Terminating) return;
    worker.request ??= {
      kind: 'terminate',
      reason: options.reason ?? TerminationReason.ManualTermination,
      gracePeriodMs: options.gracePeriodMs,
    };
    const ended = waitFor(worker, (w) => isFinishedState(w.state), 'terminal-failure');
    this.engine.request(worker);
    await ended;
  }

  worker(workerId: string): ManagedWorkerInfo | undefined {
    const worker = this.engine.tracked.get(workerId);
    return worker ? snapshot(worker) : undefined;
  }

  workers(): ManagedWorkerInfo[] {
    return [...this.engine.tracked.values()].map(snapshot);
  }

  collectGarbage(): Promise<GarbageCollectionSummary> {
    this.gcRun ??= this.relist(false).finally(() => {
      this.gcRun = undefined;
    });
    return this.gcRun;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchAbort.abort();
    this.engine.close();
    // Released before the provider closes: the others may adopt at once what is left.
    await this.leaseKeeper?.close();
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

  /**
   * Removes now, skipping the TTL (cleanup reason ForceCleanup), within the caller's grace
   * period. Resolves once it is gone; rejects on a failed attempt (it is still retried).
   * Never touches another scope.
   */
  async remove(ref: WorkerRefV1, options: RemoveOptionsV1 = {}): Promise<void> {
    if (ref.scope !== this.scope) return;
    const worker = this.engine.tracked.get(ref.workerId);
    if (!worker || (ref.uid !== undefined && worker.uid !== undefined && ref.uid !== worker.uid)) {
      await this.inner.remove(ref, options);
      return;
    }
    if (!worker.ownedByMe)
      throw new NotOwnedError(ref.workerId, `owned by manager ${worker.owner}`);
    if (worker.request?.kind !== 'remove') {
      worker.request = { kind: 'remove', gracePeriodMs: options.gracePeriodMs };
    }
    const gone = waitFor(worker, (w) => w.state === S.CleanedUp, 'any-failure');
    this.engine.request(worker);
    await gone;
  }

  private async stopByRef(ref: WorkerRefV1, options: StopOptionsV1 = {}): Promise<void> {
    if (ref.scope !== this.scope) return;
    const worker = this.engine.tracked.get(ref.workerId);
    if (!worker || (ref.uid !== undefined && worker.uid !== undefined && ref.uid !== worker.uid)) {
      await this.inner.stop?.(ref, options);
      return;
    }
    await this.terminate(ref.workerId, { gracePeriodMs: options.gracePeriodMs });
  }

  // ------------------------------------------------------------------ start & re-list

  private async startOnce(): Promise<void> {
    // Alive before the first worker exists: no other manager ever takes this one's for orphans.
    await this.leaseKeeper?.start();
    if (this.inner.watch) {
      void runWatchLoop({
        provider: this.inner,
        selector: { scope: this.scope },
        clock: this.options.clock,
        logger: this.options.logger,
        backoff: { baseMs: this.options.retryDelay, maxMs: this.options.maxRetryDelay },
        signal: this.watchAbort.signal,
        observe: (observation) => this.engine.store.watched(observation),
        setWatching: (watching) => {
          this.engine.watching = watching;
        },
        relist: () => void this.collectGarbage(),
      });
    }
    await this.relist(true);
    this.engine.scheduleResync(this.now() + this.policy.orphanCheckInterval);
  }

  /**
   * The one re-list: lists the scope once, repairs what watches missed (every tracked worker
   * is present in the list or gone), adopts what no manager here tracks (always at start, then
   * when orphan detection is on), and reports a summary.
   */
  private async relist(initial: boolean): Promise<GarbageCollectionSummary> {
    const startedAt = this.now();
    const createdBefore = this.createdCount;
    const correlationId = randomUUID();
    const errors: string[] = [];
    let orphansDetected = 0;
    let records: WorkerRecordV1[] | undefined;
    try {
      records = await this.inner.list({ scope: this.scope });
    } catch (error) {
      errors.push(`list: ${error instanceof Error ? error.message : String(error)}`);
      this.options.logger.warn({ err: error }, 're-list failed');
    }
    if (records && !this.closed) {
      const orphansBefore = this.engine.orphans;
      const untracked = this.engine.store.listed(records, createdBefore);
      if (initial || this.policy.orphanDetectionEnabled) {
        const leases = await this.leasesFor(untracked, errors);
        for (const record of this.closed ? [] : untracked) {
          const owner = readOwnership(record)?.owner;
          if (owner === undefined) continue;
          if (leases === 'failed' && owner !== this.instanceId) continue; // next re-list
          const verdict = adoptionOf({
            owner,
            self: this.instanceId,
            liveness: ownerLiveness(owner, leases === 'failed' ? undefined : leases),
          });
          if (verdict.adopt) this.adopt(record, correlationId);
        }
      }
      orphansDetected = this.engine.orphans - orphansBefore;
    }
    errors.push(...this.engine.failingActions());
    const summary: GarbageCollectionSummary = {
      // Since the previous run: the watch, the TTLs and the caller clean between runs.
      workersCleaned: this.engine.cleaned - this.cleanedAtLastRun,
      orphansDetected,
      errors,
      duration: this.now() - startedAt,
    };
    this.cleanedAtLastRun = this.engine.cleaned;
    this.engine.publishSummary(summary, correlationId);
    return summary;
  }

  /**
   * The leases of the scope, read once per re-list, only when an untracked worker of another
   * owner needs them; undefined when the provider has none; 'failed' when the read failed
   * (other owners' workers then wait for the next re-list).
   */
  private async leasesFor(
    untracked: readonly WorkerRecordV1[],
    errors: string[],
  ): Promise<OwnerLeaseV1[] | undefined | 'failed'> {
    const leases = this.inner.leases;
    if (!leases) return undefined;
    const needed = untracked.some((record) => {
      const owner = readOwnership(record)?.owner;
      return owner !== undefined && owner !== this.instanceId;
    });
    if (!needed) return [];
    try {
      return await leases.list({ scope: this.scope });
    } catch (error) {
      errors.push(`leases: ${error instanceof Error ? error.message : String(error)}`);
      this.options.logger.warn({ err: error }, 'reading the owner leases failed');
      return 'failed';
    }
  }

  /** Takes over a worker of this scope that no manager in this process tracks. */
  private adopt(record: WorkerRecordV1, correlationId: string): void {
    const ownership = readOwnership(record);
    const stamps = stampsOf(record, this.policy);
    if (!ownership || !stamps || ownership.scope !== this.scope) return; // never another scope's
    if (this.engine.tracked.has(record.workerId)) return;
    const now = this.now();
    const worker = newTrackedWorker({
      workerId: record.workerId,
      uid: record.uid,
      state: S.Initializing,
      adopted: true,
      owner: stamps.owner,
      ownedByMe: stamps.owner === this.instanceId,
      policy: this.policy,
      correlationId,
      createdAt: record.createdAt.getTime(),
      expiresAt: stamps.expiresAt,
      ttlMs: stamps.ttlMs,
      creation: 'done',
      seenUnfinished: false,
      now,
    });
    this.engine.track(worker);
    const lastSeen = record.createdAt.getTime();
    this.engine.emit(worker, 'manager', {
      type: 'OrphanWorkerDetected',
      kind: 'orphan-resource',
      lastSeen: new Date(lastSeen),
      orphanedDuration: Math.max(0, now - lastSeen),
    });
    this.engine.store.read(worker, record);
  }

  // ------------------------------------------------------------------ plumbing

  private requireOwned(workerId: string): TrackedWorker {
    this.assertOpen();
    const worker = this.engine.tracked.get(workerId);
    if (!worker || worker.creation === 'failed' || worker.creation === 'aborted') {
      throw new WorkerNotFoundError(workerId);
    }
    if (!worker.ownedByMe) throw new NotOwnedError(workerId, `owned by manager ${worker.owner}`);
    return worker;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('Lifecycle manager');
  }

  private now(): number {
    return this.options.clock.now();
  }
}
