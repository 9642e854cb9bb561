/**
 * The in-memory "cluster": the shared state that memory providers talk to, like several
 * Docker clients talking to one engine. Two providers (two managers) on one infrastructure see
 * each other's workers, which is what orphan adoption and multi-manager tests need.
 *
 * Semantics, kept close to Docker and Kubernetes:
 * - a worker runs `startupDelayMs` pending, then running; ready `readyAfterMs` later;
 * - with `runForMs` it exits by itself with `exitCode` (0 = succeeded, else failed, reason
 *   'Completed' or 'Error');
 * - a stop sends "SIGTERM": a worker that is still running exits at once with 143 (phase
 *   failed, reason 'Stopped'); an `ignoreStop` worker is killed when the grace period runs
 *   out, with 137 (phase failed, reason 'Killed'). A worker that already finished keeps its
 *   exit code. Stop keeps the record, exit status and logs; remove stops, then deletes;
 * - a deadline enforced natively fails the worker with 137, reason 'DeadlineExceeded' (the
 *   Kubernetes activeDeadlineSeconds behaviour); a native TTL deletes it after it finished.
 * All timing goes through the clock, so a manual clock drives everything in tests.
 */
import {
  CancelledError,
  type Clock,
  type LeaseHoldV1,
  type LeaseRefV1,
  type LeaseSelectorV1,
  type OwnerLeaseV1,
  ProviderError,
  type ProviderHealthV1,
  systemClock,
  type TimerHandle,
  WorkerNotFoundError,
  type WorkerObservationV1,
  type WorkerPhaseV1,
  type WorkerRecordV1,
  type WorkerRefV1,
  type WorkerSelectorV1,
} from '@hodei/lifecycle-core';
import { sleep } from '@hodei/lifecycle-core/provider';
import type { MemoryWorkerBehaviour } from './memory-extension.js';

/** The operations a provider performs on the infrastructure; each one is counted as a call. */
export type MemoryOperation =
  | 'create'
  | 'get'
  | 'list'
  | 'remove'
  | 'stop'
  | 'logs'
  | 'watch'
  | 'health'
  | 'leaseHold'
  | 'leaseRelease'
  | 'leaseList'
  | 'listScopes';

export const memoryOperations: readonly MemoryOperation[] = [
  'create',
  'get',
  'list',
  'remove',
  'stop',
  'logs',
  'watch',
  'health',
  'leaseHold',
  'leaseRelease',
  'leaseList',
  'listScopes',
];

/** Calls made to the infrastructure so far, per operation, and their total. */
export type MemoryCallCounts = { readonly [K in MemoryOperation | 'total']: number };

/** A worker named by id (unique across scopes), or by id and scope, or by its uid. */
export type MemoryWorkerTarget =
  | string
  | { readonly workerId?: string; readonly scope?: string; readonly uid?: string };

/** Fault injection. Every fault applies to all providers sharing the infrastructure. */
export interface MemoryFaults {
  /** The next `count` creates reject (default: a retryable ProviderError, status 503) and create nothing. */
  failCreates(count?: number, error?: Error): void;
  /** Every create from now on takes `ms` on the clock (0 turns it off); the worker exists, pending, meanwhile. */
  delayCreates(ms: number): void;
  /** The next `count` removes reject (default: a retryable ProviderError, status 503) and remove nothing. */
  failRemoves(count?: number, error?: Error): void;
  /** The next `count` calls of `operation` reject, before doing anything. */
  failCalls(operation: MemoryOperation, count?: number, error?: Error): void;
  /** Every open watch stream throws a retryable ProviderError, as if its connection dropped. */
  dropWatches(): void;
  /** health() reports unhealthy with this message until reset. */
  setUnhealthy(message?: string): void;
  /**
   * The owner's leases (in every scope) run out now, as if its renewals had stopped: they are
   * listed, not alive. Its next `hold` takes them again.
   */
  expireLease(owner: string): void;
  /**
   * A network partition between the owner and the infrastructure: from now on its `hold` and
   * `release` calls fail (a retryable ProviderError, status 504) and are not seen, so its
   * leases run out on the infrastructure's clock. `reset()` or `healLease(owner)` ends it.
   */
  partitionLease(owner: string): void;
  /** Ends a `partitionLease`: the owner's next `hold` is seen again. */
  healLease(owner: string): void;
  /** Clears every pending fault, delay and partition. Workers and leases are left as they are. */
  reset(): void;
}

export interface MemoryInfrastructureOptions {
  /** Drives every delay: startup, readiness, exit, grace periods, deadlines. Default: the system clock. */
  readonly clock?: Clock;
}

/** The shared in-memory cluster, with the controls a test needs. */
export interface MemoryInfrastructure {
  readonly clock: Clock;
  /** The worker's process ends now with this exit code (default: its spec's exitCode, else 0). */
  complete(target: MemoryWorkerTarget, exitCode?: number): void;
  /** Deletes the worker out of band, at once, like `docker rm -f` or `kubectl delete pod --force`. */
  vanish(target: MemoryWorkerTarget): void;
  /** Sets the readiness of a running worker (its health check starts or stops passing). */
  setReady(target: MemoryWorkerTarget, ready: boolean): void;
  /** Every worker of every scope, as a provider would observe it. */
  workers(): WorkerRecordV1[];
  /** Every owner lease of every scope, judged on the infrastructure's clock. */
  leases(): OwnerLeaseV1[];
  /** Live call counters; see `resetCalls`. */
  readonly calls: MemoryCallCounts;
  resetCalls(): void;
  readonly faults: MemoryFaults;
}

/** What a memory provider asks the infrastructure to create. */
export interface MemoryCreateInput {
  readonly workerId: string;
  readonly scope: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly behaviour: MemoryWorkerBehaviour;
  /** Fail the worker at this instant (native deadline), if set. */
  readonly deadlineAt?: number;
  /** Delete the worker this long after it finishes (native TTL), if set. */
  readonly ttlAfterFinishedMs?: number;
}

/** The "API server" a provider talks to. Not exported from the package. */
export interface MemoryInfrastructureApi {
  create(input: MemoryCreateInput, signal?: AbortSignal): Promise<WorkerRecordV1>;
  get(ref: WorkerRefV1): Promise<WorkerRecordV1 | undefined>;
  list(selector: WorkerSelectorV1): Promise<WorkerRecordV1[]>;
  remove(ref: WorkerRefV1, gracePeriodMs: number, signal?: AbortSignal): Promise<void>;
  stop(ref: WorkerRefV1, gracePeriodMs: number, signal?: AbortSignal): Promise<void>;
  logs(ref: WorkerRefV1, tail?: number): Promise<string[]>;
  watch(selector: WorkerSelectorV1, signal: AbortSignal): AsyncIterable<WorkerObservationV1>;
  health(): Promise<ProviderHealthV1>;
  leaseHold(lease: LeaseHoldV1, signal?: AbortSignal): Promise<void>;
  leaseRelease(lease: LeaseRefV1): Promise<void>;
  leaseList(selector: LeaseSelectorV1): Promise<OwnerLeaseV1[]>;
  listScopes(): Promise<string[]>;
}

interface MemoryLease {
  readonly scope: string;
  readonly owner: string;
  durationMs: number;
  renewedAt: number;
  /** Not alive from this instant on (the infrastructure's clock). */
  expiresAt: number;
}

interface MemoryWorker {
  readonly uid: string;
  readonly workerId: string;
  readonly scope: string;
  readonly behaviour: MemoryWorkerBehaviour;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly ttlAfterFinishedMs: number | undefined;
  phase: WorkerPhaseV1;
  ready: boolean;
  exitCode: number | undefined;
  reason: string | undefined;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  removing: boolean;
  /** Set by setReady(): the test now decides readiness, the readyAfterMs timer no longer does. */
  readinessControlled: boolean;
  logs: string[];
  /** Timers of the worker's own life (start, ready, exit, deadline, kill, TTL). */
  readonly timers: Set<TimerHandle>;
  /** When an ignoreStop worker will be killed, once a stop was sent. */
  killAt: number | undefined;
  killTimer: TimerHandle | undefined;
  readonly ended: Promise<void>;
  markEnded: () => void;
}

interface Watcher {
  readonly selector: WorkerSelectorV1;
  readonly queue: WorkerObservationV1[];
  dropped: boolean;
  wake: (() => void) | undefined;
}

interface PendingFault {
  remaining: number;
  error: Error | undefined;
}

const internals = new WeakMap<
  MemoryInfrastructure,
  (providerId: string) => MemoryInfrastructureApi
>();

/** Connects a provider to an infrastructure: the provider's view of the cluster API. */
export function connectToInfrastructure(
  infrastructure: MemoryInfrastructure,
  providerId: string,
): MemoryInfrastructureApi {
  const connect = internals.get(infrastructure);
  if (!connect) {
    throw new TypeError('not a memory infrastructure: create it with createMemoryInfrastructure()');
  }
  return connect(providerId);
}

export function isMemoryInfrastructure(value: unknown): value is MemoryInfrastructure {
  return (
    typeof value === 'object' && value !== null && internals.has(value as MemoryInfrastructure)
  );
}

const EXIT_STOPPED = 143;
const EXIT_KILLED = 137;

export function createMemoryInfrastructure(
  options: MemoryInfrastructureOptions = {},
): MemoryInfrastructure {
  const clock = options.clock ?? systemClock;
  const workers = new Map<string, MemoryWorker>();
  const watchers = new Set<Watcher>();
  const counts: Record<MemoryOperation | 'total', number> = {
    create: 0,
    get: 0,
    list: 0,
    remove: 0,
    stop: 0,
    logs: 0,
    watch: 0,
    health: 0,
    leaseHold: 0,
    leaseRelease: 0,
    leaseList: 0,
    listScopes: 0,
    total: 0,
  };
  const pendingFaults = new Map<MemoryOperation, PendingFault>();
  const leases = new Map<string, MemoryLease>();
  const partitioned = new Set<string>();
  const leaseKey = (scope: string, owner: string) => `${scope}\u0000${owner}`;
  const toLease = (lease: MemoryLease): OwnerLeaseV1 => ({
    scope: lease.scope,
    owner: lease.owner,
    alive: clock.now() < lease.expiresAt,
    durationMs: lease.durationMs,
    renewedAt: new Date(lease.renewedAt),
  });
  const partitionError = (providerId: string, owner: string) =>
    new ProviderError(
      providerId,
      `injected fault: the lease of ${owner} is partitioned from the infrastructure (504 Gateway Timeout)`,
      { retryable: true, status: 504 },
    );
  let createDelayMs = 0;
  let unhealthyMessage: string | undefined;
  let nextUid = 1;

  // ---- records and observations ----

  function toRecord(worker: MemoryWorker): WorkerRecordV1 {
    const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
    return {
      workerId: worker.workerId,
      uid: worker.uid,
      phase: worker.phase,
      ready: worker.ready,
      exitCode: worker.exitCode,
      reason: worker.reason,
      createdAt: new Date(worker.createdAt),
      startedAt: date(worker.startedAt),
      finishedAt: date(worker.finishedAt),
      removing: worker.removing,
      labels: { ...worker.labels },
      annotations: { ...worker.annotations },
    };
  }

  function matches(worker: MemoryWorker, selector: WorkerSelectorV1): boolean {
    if (worker.scope !== selector.scope) return false;
    return Object.entries(selector.labels ?? {}).every(
      ([key, value]) => worker.labels[key] === value,
    );
  }

  function publish(worker: MemoryWorker, observation: WorkerObservationV1): void {
    for (const watcher of watchers) {
      if (watcher.dropped || !matches(worker, watcher.selector)) continue;
      watcher.queue.push(observation);
      watcher.wake?.();
    }
  }

  const changed = (worker: MemoryWorker) =>
    publish(worker, { type: 'upsert', worker: toRecord(worker) });

  // ---- the life of a worker ----

  function schedule(worker: MemoryWorker, delayMs: number, action: () => void): void {
    const handle = clock.setTimer(delayMs, () => {
      worker.timers.delete(handle);
      if (workers.get(worker.uid) === worker) action();
    });
    worker.timers.add(handle);
  }

  const isFinished = (worker: MemoryWorker) =>
    worker.phase === 'succeeded' || worker.phase === 'failed';

  function start(worker: MemoryWorker): void {
    const { startupDelayMs = 0 } = worker.behaviour;
    if (startupDelayMs > 0) schedule(worker, startupDelayMs, () => run(worker));
    else run(worker);
  }

  function run(worker: MemoryWorker): void {
    if (worker.phase !== 'pending') return;
    const b = worker.behaviour;
    worker.phase = 'running';
    worker.startedAt = clock.now();
    worker.logs.push(...(b.logLines ?? []));
    if (!b.neverReady) {
      if ((b.readyAfterMs ?? 0) > 0) {
        schedule(worker, b.readyAfterMs ?? 0, () => {
          if (worker.phase !== 'running' || worker.ready || worker.readinessControlled) return;
          worker.ready = true;
          changed(worker);
        });
      } else {
        worker.ready = true;
      }
    }
    if (b.runForMs !== undefined) {
      const exitCode = b.exitCode ?? 0;
      schedule(worker, b.runForMs, () => finish(worker, exitCode, exitReason(exitCode)));
    }
    changed(worker);
  }

  const exitReason = (exitCode: number) => (exitCode === 0 ? 'Completed' : 'Error');

  /** The process ended. Its record, exit code and logs stay until the worker is deleted. */
  function finish(worker: MemoryWorker, exitCode: number, reason: string): void {
    if (isFinished(worker) || workers.get(worker.uid) !== worker) return;
    for (const timer of worker.timers) timer.cancel();
    worker.timers.clear();
    worker.killTimer = undefined;
    worker.phase = exitCode === 0 ? 'succeeded' : 'failed';
    worker.ready = false;
    worker.exitCode = exitCode;
    worker.reason = reason;
    worker.finishedAt = clock.now();
    worker.markEnded();
    if (worker.ttlAfterFinishedMs !== undefined && !worker.removing) {
      schedule(worker, worker.ttlAfterFinishedMs, () => destroy(worker));
    }
    changed(worker);
  }

  /** The resource is gone. */
  function destroy(worker: MemoryWorker): void {
    if (workers.get(worker.uid) !== worker) return;
    for (const timer of worker.timers) timer.cancel();
    worker.timers.clear();
    workers.delete(worker.uid);
    worker.markEnded();
    publish(worker, { type: 'removed', workerId: worker.workerId, uid: worker.uid });
  }

  /** Sends "SIGTERM"; resolves once the process has ended. */
  function terminate(worker: MemoryWorker, gracePeriodMs: number): Promise<void> {
    if (isFinished(worker)) return Promise.resolve();
    if (!worker.behaviour.ignoreStop) {
      finish(worker, EXIT_STOPPED, 'Stopped');
      return worker.ended;
    }
    // The process ignores SIGTERM: it is killed when the (earliest requested) grace period ends.
    const killAt = clock.now() + gracePeriodMs;
    if (worker.killAt === undefined || killAt < worker.killAt) {
      if (worker.killTimer) {
        worker.killTimer.cancel();
        worker.timers.delete(worker.killTimer);
      }
      worker.killAt = killAt;
      const handle = clock.setTimer(gracePeriodMs, () => {
        worker.timers.delete(handle);
        finish(worker, EXIT_KILLED, 'Killed');
      });
      worker.killTimer = handle;
      worker.timers.add(handle);
    }
    return worker.ended;
  }

  // ---- lookups ----

  function find(ref: WorkerRefV1): MemoryWorker | undefined {
    for (const worker of workers.values()) {
      if (worker.scope !== ref.scope || worker.workerId !== ref.workerId) continue;
      if (ref.uid !== undefined && worker.uid !== ref.uid) continue;
      return worker;
    }
    return undefined;
  }

  function resolveTarget(target: MemoryWorkerTarget): MemoryWorker {
    const query = typeof target === 'string' ? { workerId: target } : target;
    const found = [...workers.values()].filter(
      (w) =>
        (query.workerId === undefined || w.workerId === query.workerId) &&
        (query.scope === undefined || w.scope === query.scope) &&
        (query.uid === undefined || w.uid === query.uid),
    );
    const described = JSON.stringify(query);
    if (found.length === 0) throw new WorkerNotFoundError(described);
    if (found.length > 1) {
      throw new Error(
        `memory infrastructure: ${described} matches ${found.length} workers (scopes ${found
          .map((w) => w.scope)
          .join(', ')}); name the scope or the uid`,
      );
    }
    return found[0]!;
  }

  // ---- calls, counted and subject to faults ----

  function call(providerId: string, operation: MemoryOperation): void {
    counts[operation] += 1;
    counts.total += 1;
    const fault = pendingFaults.get(operation);
    if (fault && fault.remaining > 0) {
      fault.remaining -= 1;
      if (fault.remaining === 0) pendingFaults.delete(operation);
      throw (
        fault.error ??
        new ProviderError(
          providerId,
          `injected fault: ${operation} failed (503 Service Unavailable)`,
          {
            retryable: true,
            status: 503,
          },
        )
      );
    }
  }

  /** Every call crosses the "network": callers never get an answer synchronously. */
  const roundTrip = () => Promise.resolve();

  async function waitOrCancel(work: Promise<void>, what: string, signal?: AbortSignal) {
    if (!signal) return work;
    if (signal.aborted) throw new CancelledError(what, { cause: signal.reason });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new CancelledError(what, { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([work, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  function connect(providerId: string): MemoryInfrastructureApi {
    return {
      async create(input, signal) {
        call(providerId, 'create');
        const existing = find({ workerId: input.workerId, scope: input.scope });
        if (existing) {
          throw new ProviderError(
            providerId,
            `worker ${input.workerId} already exists in scope ${input.scope} (uid ${existing.uid}): 409 Conflict`,
            { retryable: false, status: 409 },
          );
        }
        let markEnded!: () => void;
        const ended = new Promise<void>((resolve) => {
          markEnded = resolve;
        });
        const worker: MemoryWorker = {
          uid: `mem-${String(nextUid++).padStart(6, '0')}`,
          workerId: input.workerId,
          scope: input.scope,
          behaviour: input.behaviour,
          labels: { ...input.labels },
          annotations: { ...input.annotations },
          createdAt: clock.now(),
          ttlAfterFinishedMs: input.ttlAfterFinishedMs,
          phase: 'pending',
          ready: false,
          exitCode: undefined,
          reason: undefined,
          startedAt: undefined,
          finishedAt: undefined,
          removing: false,
          readinessControlled: false,
          logs: [],
          timers: new Set(),
          killAt: undefined,
          killTimer: undefined,
          ended,
          markEnded,
        };
        workers.set(worker.uid, worker);
        changed(worker);
        const what = `create of worker ${input.workerId}`;
        try {
          await roundTrip();
          if (signal?.aborted) throw new CancelledError(what, { cause: signal.reason });
          if (createDelayMs > 0) {
            await sleep(clock, createDelayMs, signal).catch((cause: unknown) => {
              throw new CancelledError(what, { cause });
            });
          }
        } catch (error) {
          // Cancelled half-way: remove what exists, as the contract asks.
          destroy(worker);
          throw error;
        }
        if (workers.get(worker.uid) !== worker) {
          throw new ProviderError(
            providerId,
            `worker ${input.workerId} was deleted while it was being created`,
            {
              retryable: true,
            },
          );
        }
        if (input.deadlineAt !== undefined) {
          schedule(worker, input.deadlineAt - clock.now(), () =>
            finish(worker, EXIT_KILLED, 'DeadlineExceeded'),
          );
        }
        start(worker);
        return toRecord(worker);
      },

      async get(ref) {
        call(providerId, 'get');
        await roundTrip();
        const worker = find(ref);
        return worker ? toRecord(worker) : undefined;
      },

      async list(selector) {
        call(providerId, 'list');
        await roundTrip();
        return [...workers.values()].filter((w) => matches(w, selector)).map(toRecord);
      },

      async remove(ref, gracePeriodMs, signal) {
        call(providerId, 'remove');
        await roundTrip();
        const worker = find(ref);
        // Gone already, or another incarnation than the one asked for: nothing to do.
        if (!worker || worker.removing) return;
        worker.removing = true;
        changed(worker);
        // The removal goes on even if the caller stops waiting for it.
        const removal = terminate(worker, gracePeriodMs).then(() => destroy(worker));
        await waitOrCancel(removal, `removal of worker ${ref.workerId}`, signal);
      },

      async stop(ref, gracePeriodMs, signal) {
        call(providerId, 'stop');
        await roundTrip();
        const worker = find(ref);
        if (!worker) throw new WorkerNotFoundError(ref.workerId);
        await waitOrCancel(
          terminate(worker, gracePeriodMs),
          `stop of worker ${ref.workerId}`,
          signal,
        );
      },

      async logs(ref, tail) {
        call(providerId, 'logs');
        await roundTrip();
        const worker = find(ref);
        if (!worker) throw new WorkerNotFoundError(ref.workerId);
        if (tail === undefined) return [...worker.logs];
        return tail === 0 ? [] : worker.logs.slice(-tail);
      },

      watch(selector, signal) {
        return {
          async *[Symbol.asyncIterator]() {
            call(providerId, 'watch');
            if (signal.aborted) return;
            const watcher: Watcher = { selector, queue: [], dropped: false, wake: undefined };
            // Like a list-then-watch: the current state first, then every change.
            for (const worker of workers.values()) {
              if (matches(worker, selector))
                watcher.queue.push({ type: 'upsert', worker: toRecord(worker) });
            }
            watchers.add(watcher);
            const onAbort = () => watcher.wake?.();
            signal.addEventListener('abort', onAbort, { once: true });
            try {
              while (!signal.aborted) {
                if (watcher.dropped) {
                  throw new ProviderError(
                    providerId,
                    'watch connection dropped (ECONNRESET); re-list and watch again',
                    {
                      retryable: true,
                      status: 'ECONNRESET',
                    },
                  );
                }
                const next = watcher.queue.shift();
                if (next) {
                  yield next;
                  continue;
                }
                await new Promise<void>((resolve) => {
                  watcher.wake = resolve;
                });
                watcher.wake = undefined;
              }
            } finally {
              watchers.delete(watcher);
              signal.removeEventListener('abort', onAbort);
            }
          },
        };
      },

      async leaseHold(lease, signal) {
        call(providerId, 'leaseHold');
        await roundTrip();
        if (signal?.aborted) {
          throw new CancelledError(`hold of the lease of ${lease.owner}`, {
            cause: signal.reason,
          });
        }
        if (partitioned.has(lease.owner)) throw partitionError(providerId, lease.owner);
        const now = clock.now();
        const key = leaseKey(lease.scope, lease.owner);
        const held = leases.get(key);
        const renewed: MemoryLease = held ?? {
          scope: lease.scope,
          owner: lease.owner,
          durationMs: lease.durationMs,
          renewedAt: now,
          expiresAt: now + lease.durationMs,
        };
        renewed.durationMs = lease.durationMs;
        renewed.renewedAt = now;
        renewed.expiresAt = now + lease.durationMs;
        leases.set(key, renewed);
      },

      async leaseRelease(lease) {
        call(providerId, 'leaseRelease');
        await roundTrip();
        if (partitioned.has(lease.owner)) throw partitionError(providerId, lease.owner);
        leases.delete(leaseKey(lease.scope, lease.owner));
      },

      async leaseList(selector) {
        call(providerId, 'leaseList');
        await roundTrip();
        return [...leases.values()]
          .filter((lease) => selector.scope === undefined || lease.scope === selector.scope)
          .map(toLease);
      },

      async listScopes() {
        call(providerId, 'listScopes');
        await roundTrip();
        const scopes = new Set<string>();
        for (const worker of workers.values()) scopes.add(worker.scope);
        for (const lease of leases.values()) scopes.add(lease.scope);
        return [...scopes].sort();
      },

      async health() {
        call(providerId, 'health');
        await roundTrip();
        return unhealthyMessage === undefined
          ? { healthy: true }
          : { healthy: false, message: unhealthyMessage };
      },
    };
  }

  const checkCount = (count: number) => {
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`fault count must be a whole number >= 1, got ${count}`);
    }
  };

  const faults: MemoryFaults = {
    failCreates: (count = 1, error) => faults.failCalls('create', count, error),
    failRemoves: (count = 1, error) => faults.failCalls('remove', count, error),
    failCalls(operation, count = 1, error) {
      if (!memoryOperations.includes(operation)) {
        throw new RangeError(
          `unknown operation '${operation}' (known: ${memoryOperations.join(', ')})`,
        );
      }
      checkCount(count);
      pendingFaults.set(operation, { remaining: count, error });
    },
    delayCreates(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`delayCreates needs a number of milliseconds >= 0, got ${ms}`);
      }
      createDelayMs = ms;
    },
    dropWatches() {
      for (const watcher of watchers) {
        watcher.dropped = true;
        watcher.wake?.();
      }
    },
    setUnhealthy(message = 'injected fault: infrastructure unhealthy') {
      unhealthyMessage = message;
    },
    expireLease(owner) {
      const now = clock.now();
      for (const lease of leases.values()) {
        if (lease.owner === owner) lease.expiresAt = Math.min(lease.expiresAt, now);
      }
    },
    partitionLease(owner) {
      partitioned.add(owner);
    },
    healLease(owner) {
      partitioned.delete(owner);
    },
    reset() {
      partitioned.clear();
      pendingFaults.clear();
      createDelayMs = 0;
      unhealthyMessage = undefined;
    },
  };

  const infrastructure: MemoryInfrastructure = {
    clock,
    complete(target, exitCode) {
      const worker = resolveTarget(target);
      if (isFinished(worker)) {
        throw new Error(
          `memory infrastructure: worker ${worker.workerId} already finished (exit code ${worker.exitCode})`,
        );
      }
      const code = exitCode ?? worker.behaviour.exitCode ?? 0;
      if (!Number.isInteger(code) || code < 0 || code > 255) {
        throw new RangeError(`exit code must be a whole number from 0 to 255, got ${code}`);
      }
      finish(worker, code, exitReason(code));
    },
    vanish(target) {
      destroy(resolveTarget(target));
    },
    setReady(target, ready) {
      const worker = resolveTarget(target);
      if (worker.phase !== 'running') {
        throw new Error(
          `memory infrastructure: worker ${worker.workerId} is ${worker.phase}; only a running worker can change readiness`,
        );
      }
      worker.readinessControlled = true;
      if (worker.ready === ready) return;
      worker.ready = ready;
      changed(worker);
    },
    workers: () => [...workers.values()].map(toRecord),
    leases: () => [...leases.values()].map(toLease),
    calls: counts,
    resetCalls() {
      for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] = 0;
    },
    faults,
  };
  internals.set(infrastructure, connect);
  return infrastructure;
}
