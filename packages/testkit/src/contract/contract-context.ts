import { AssertionError } from 'node:assert';
import { randomBytes } from 'node:crypto';
import type {
  CreateWorkerRequestV1,
  LeaseSelectorV1,
  OwnerLeaseV1,
  Ownership,
  ProviderCapabilitiesV1,
  ProviderV1,
  WorkerObservationV1,
  WorkerRecordV1,
  WorkerRefV1,
  WorkerSelectorV1,
  WorkerSpec,
} from '@hodei/lifecycle-core';
import { describeValue, pollUntil } from '../poll/poll-until.js';
import { pause, settlesWithin } from '../suite/time-limit.js';
import type {
  ContractFaults,
  ProviderContractFixtures,
  ProviderUnderTest,
  ResolvedTimeouts,
} from './contract-options.js';
import { checkObservation, checkRecord, checkReferenced, checkSelected } from './record-checks.js';

/** The owner stamped on every worker the suite creates. */
export const CONTRACT_SUITE_OWNER = 'contract-suite';

export interface CreateTarget {
  readonly workerId?: string;
  readonly scope?: string;
  readonly expiresAt?: Date;
  readonly ttlAfterFinishedSeconds?: number;
}

/** A watch being consumed by a test: what it delivered so far, and how it ended. */
export interface WatchTap {
  readonly seen: readonly WorkerObservationV1[];
  /** The error the stream threw (or watch() itself), if any. */
  readonly error: unknown;
  readonly ended: boolean;
  /** Settles when the stream has ended, however it ended. */
  readonly done: Promise<void>;
  /** Waits until `done(seen)` holds; fails if the stream fails or ends first, or time runs out. */
  until(
    what: string,
    done: (seen: readonly WorkerObservationV1[]) => boolean,
    timeoutMs: number,
  ): Promise<void>;
  /** Aborts the watch's signal. */
  stop(): void;
}

export interface ContractContext {
  /** The provider as the factory returned it. */
  readonly raw: ProviderV1;
  /** The same provider, with every record and observation it returns checked. */
  readonly provider: ProviderV1;
  /** What the provider declares. */
  readonly capabilities: ProviderCapabilitiesV1;
  /** What the suite's options said it declares, when they said. */
  readonly declared: ProviderCapabilitiesV1 | undefined;
  readonly countCalls: (() => number) | undefined;
  readonly faults: ContractFaults | undefined;
  readonly fixtures: ProviderContractFixtures;
  readonly timeouts: ResolvedTimeouts;
  /** This test's own scope. */
  readonly scope: string;
  /**
   * Another fresh scope (a "foreign" manager's), cleaned up like the first. With `base`, a scope
   * that starts with `base` and a dash, as `a-b` starts with `a`.
   */
  newScope(base?: string): string;
  /** A fresh worker id, unique across runs. */
  newWorkerId(): string;
  /** The ownership the suite stamps: whole-second expiry one hour ahead, TTL 300 s. */
  ownership(target?: CreateTarget): Ownership;
  request(spec: WorkerSpec, target?: CreateTarget): CreateWorkerRequestV1;
  create(spec: WorkerSpec, target?: CreateTarget): Promise<WorkerRecordV1>;
  ref(
    record: { readonly workerId: string },
    options?: { uid?: string; scope?: string },
  ): WorkerRefV1;
  /** The spec of an optional fixture the test requires (the suite checked it is there). */
  fixture(name: 'ignoresSigterm' | 'neverReady' | 'startsSlowly'): WorkerSpec;
  /**
   * Polls `read` in real time until `done` holds; fails saying what it waited for and the
   * last value observed. An error thrown by `read` fails at once.
   */
  pollUntil<T>(
    what: string,
    read: () => Promise<T>,
    done: (value: T) => boolean,
    timeoutMs: number,
  ): Promise<T>;
  /** Polls `read` for `ms` and fails as soon as `ok` does not hold, saying what should have held. */
  holds<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms: number): Promise<T>;
  /** Calls made by `action` (undefined when the provider does not count calls). */
  callsMadeBy(action: () => Promise<unknown>): Promise<number | undefined>;
  /** A second instance on the same infrastructure (checked like `provider`), closed after the test. */
  anotherInstance(): Promise<ProviderV1>;
  /** Opens a watch of `selector` (through the checked provider) and consumes it in the background. */
  watch(selector: WorkerSelectorV1): WatchTap;
  /** Runs `fn` when the test ends, before the workers are removed. */
  defer(fn: () => unknown): void;
}

const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The provider's view that checks every record it returns, and what each call returned. */
function checkedProvider(provider: ProviderV1): ProviderV1 {
  const view: { -readonly [K in keyof ProviderV1]: ProviderV1[K] } = {
    specificationVersion: provider.specificationVersion,
    type: provider.type,
    providerId: provider.providerId,
    capabilities: provider.capabilities,
    async create(request, options) {
      const record = await provider.create(request, options);
      checkRecord(record, 'create');
      checkReferenced(record, request.ownership, 'create');
      return record;
    },
    async get(ref) {
      const record = await provider.get(ref);
      if (record === undefined || record === null) return record ?? undefined;
      checkRecord(record, 'get');
      checkReferenced(record, ref, 'get');
      return record;
    },
    async list(selector) {
      const records = await provider.list(selector);
      if (!Array.isArray(records)) {
        throw new AssertionError({
          message: `list must return an array; it returned ${describeValue(records)}`,
        });
      }
      for (const record of records) {
        checkRecord(record, 'list');
        checkSelected(record, selector, 'list');
      }
      const uids = records.map((r) => r.uid);
      const repeated = uids.filter((uid, i) => uids.indexOf(uid) !== i);
      if (repeated.length > 0) {
        throw new AssertionError({
          message: `list returned the same worker more than once (uids ${repeated.join(', ')})`,
        });
      }
      return records;
    },
    remove: (ref, options) => provider.remove(ref, options),
  };
  if (typeof provider.stop === 'function') view.stop = provider.stop.bind(provider);
  if (typeof provider.logs === 'function') view.logs = provider.logs.bind(provider);
  if (typeof provider.health === 'function') view.health = provider.health.bind(provider);
  if (typeof provider.close === 'function') view.close = provider.close.bind(provider);
  const leases = provider.leases;
  if (leases !== undefined && leases !== null) {
    view.leases = {
      hold: (lease, options) => leases.hold(lease, options),
      release: (lease) => leases.release(lease),
      async list(selector) {
        const listed = await leases.list(selector);
        if (!Array.isArray(listed)) {
          throw new AssertionError({
            message: `leases.list must return an array; it returned ${describeValue(listed)}`,
          });
        }
        for (const lease of listed) checkLease(lease, selector);
        return listed;
      },
    };
  }
  if (typeof provider.listScopes === 'function') {
    const listScopes = provider.listScopes.bind(provider);
    view.listScopes = async () => {
      const scopes = await listScopes();
      if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string')) {
        throw new AssertionError({
          message: `listScopes must return an array of strings; it returned ${describeValue(scopes)}`,
        });
      }
      return scopes;
    };
  }
  if (typeof provider.watch === 'function') {
    const watch = provider.watch.bind(provider);
    view.watch = (selector, options) => {
      const stream = watch(selector, options);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const observation of stream) {
            checkObservation(observation, selector);
            yield observation;
          }
        },
      };
    };
  }
  return view;
}

/** A listed lease is an OwnerLeaseV1 of the selected scope. */
function checkLease(lease: OwnerLeaseV1, selector: LeaseSelectorV1): void {
  const problems: string[] = [];
  if (lease == null || typeof lease !== 'object') {
    problems.push('is not an object');
  } else {
    if (typeof lease.scope !== 'string' || lease.scope === '')
      problems.push('scope is not a string');
    if (typeof lease.owner !== 'string' || lease.owner === '')
      problems.push('owner is not a string');
    if (typeof lease.alive !== 'boolean') problems.push('alive is not a boolean');
    if (!(typeof lease.durationMs === 'number' && lease.durationMs > 0)) {
      problems.push('durationMs is not a positive number');
    }
    if (
      lease.renewedAt !== undefined &&
      !(lease.renewedAt instanceof Date && !Number.isNaN(lease.renewedAt.getTime()))
    ) {
      problems.push('renewedAt is neither a valid Date nor undefined');
    }
    if (selector.scope !== undefined && lease.scope !== selector.scope) {
      problems.push(`it is of scope ${lease.scope}, not the selected ${selector.scope}`);
    }
  }
  if (problems.length > 0) {
    throw new AssertionError({
      message: `leases.list returned a malformed lease (${problems.join('; ')}): ${describeValue(lease)}`,
    });
  }
}

export interface ContractContextState {
  readonly scopes: readonly string[];
  /** Runs the deferred functions (close extra instances, abort watches). */
  finish(): Promise<void>;
}

export function createContractContext(
  underTest: ProviderUnderTest,
  fixtures: ProviderContractFixtures,
  timeouts: ResolvedTimeouts,
  scopePrefix: string,
  declared?: ProviderCapabilitiesV1,
): ContractContext & ContractContextState {
  const raw = underTest.provider;
  const provider = checkedProvider(raw);
  const run = randomHex(4);
  const scopes: string[] = [];
  const deferred: (() => unknown)[] = [];
  let workers = 0;
  const newScope = (base?: string) => {
    const scope =
      base === undefined
        ? `${scopePrefix}-${run}-${scopes.length + 1}`
        : `${base}-x${scopes.length}`;
    scopes.push(scope);
    return scope;
  };
  const scope = newScope();

  const ownership = (target: CreateTarget = {}): Ownership => ({
    scope: target.scope ?? scope,
    workerId: target.workerId ?? newWorkerId(),
    providerId: raw.providerId,
    owner: CONTRACT_SUITE_OWNER,
    // Whole seconds: RFC 3339 round-trips exactly on every platform.
    expiresAt: target.expiresAt ?? new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000),
    ttlAfterFinishedSeconds: target.ttlAfterFinishedSeconds ?? 300,
  });
  function newWorkerId(): string {
    workers += 1;
    return `w-${randomHex(4)}-${workers}`;
  }
  const request = (spec: WorkerSpec, target?: CreateTarget): CreateWorkerRequestV1 => ({
    spec,
    ownership: ownership(target),
  });
  const poll = <T>(
    what: string,
    read: () => Promise<T>,
    done: (value: T) => boolean,
    timeoutMs: number,
  ) => pollUntil(what, read, done, { timeoutMs, intervalMs: timeouts.pollIntervalMs });

  function watch(selector: WorkerSelectorV1): WatchTap {
    const controller = new AbortController();
    const seen: WorkerObservationV1[] = [];
    let error: unknown;
    let ended = false;
    const done = (async () => {
      try {
        const stream = provider.watch!(selector, { signal: controller.signal });
        for await (const observation of stream) seen.push(observation);
      } catch (thrown) {
        error = thrown;
      } finally {
        ended = true;
      }
    })();
    deferred.push(async () => {
      controller.abort();
      // A watch that ignores its signal must not hold the test: give it a moment, then go on.
      await settlesWithin(done, timeouts.removeMs);
    });
    const failure = (what: string) => {
      if (error !== undefined) {
        const text =
          error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
        return `the watch stream failed while waiting for ${what}: ${text}`;
      }
      if (ended) return `the watch ended while waiting for ${what}, before its signal aborted`;
      return undefined;
    };
    return {
      seen,
      get error() {
        return error;
      },
      get ended() {
        return ended;
      },
      done,
      async until(what, predicate, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if (predicate(seen)) return;
          const problem = failure(what);
          if (problem) throw new AssertionError({ message: problem });
          if (Date.now() >= deadline) {
            throw new AssertionError({
              message: `timed out after ${timeoutMs} ms waiting for ${what}; the watch delivered: ${describeValue(seen)}`,
            });
          }
          await pause(timeouts.pollIntervalMs);
        }
      },
      stop: () => controller.abort(),
    };
  }

  return {
    raw,
    provider,
    capabilities: raw.capabilities,
    declared,
    countCalls: underTest.countCalls,
    faults: underTest.faults,
    fixtures,
    timeouts,
    scope,
    scopes,
    newScope,
    newWorkerId,
    ownership,
    request,
    create: (spec, target) => provider.create(request(spec, target)),
    ref: (record, options = {}) => ({
      workerId: record.workerId,
      scope: options.scope ?? scope,
      ...(options.uid === undefined ? {} : { uid: options.uid }),
    }),
    fixture(name) {
      const fixture = fixtures[name];
      if (fixture === undefined || 'unsupported' in fixture) {
        throw new AssertionError({ message: `fixtures.${name} is required by this test` });
      }
      return fixture;
    },
    pollUntil: poll,
    async holds(what, read, ok, ms) {
      const until = Date.now() + ms;
      for (;;) {
        const value = await read();
        if (!ok(value)) {
          throw new AssertionError({
            message: `${what} did not hold; observed: ${describeValue(value)}`,
          });
        }
        if (Date.now() >= until) return value;
        await pause(timeouts.pollIntervalMs);
      }
    },
    async callsMadeBy(action) {
      const before = underTest.countCalls?.();
      await action();
      const after = underTest.countCalls?.();
      return before === undefined || after === undefined ? undefined : after - before;
    },
    async anotherInstance() {
      if (!underTest.anotherInstance) {
        throw new AssertionError({ message: 'createProvider returned no anotherInstance' });
      }
      const other = await underTest.anotherInstance();
      deferred.push(() => other.close?.());
      return checkedProvider(other);
    },
    watch,
    defer: (fn) => void deferred.push(fn),
    async finish() {
      const failures: unknown[] = [];
      for (const fn of deferred.splice(0).reverse()) {
        try {
          await fn();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    },
  };
}

/**
 * Removes every worker left in the test's scopes (list each scope, remove each worker).
 * Best effort: the first failure is reported after everything was tried.
 */
export async function removeEverything(
  provider: ProviderV1,
  scopes: readonly string[],
): Promise<void> {
  const failures: unknown[] = [];
  for (const scope of scopes) {
    try {
      const left = await provider.list({ scope });
      const results = await Promise.allSettled(
        left.map((worker) =>
          provider.remove(
            { workerId: worker.workerId, scope, uid: worker.uid },
            { gracePeriodMs: 0 },
          ),
        ),
      );
      for (const result of results) if (result.status === 'rejected') failures.push(result.reason);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(
      failures,
      `cleanup failed: ${failures.length} error(s) removing test workers`,
    );
  }
}
