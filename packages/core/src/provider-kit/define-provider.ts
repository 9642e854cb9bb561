/**
 * `defineProvider`: the behaviour every provider shares, once. The public methods of the
 * contract check and normalise (refs, selectors, options, the spec, the closed state,
 * cancellation, errors) and then call the author's hooks, which only talk to the
 * infrastructure: abstract-level's `get` in front of `_get`.
 */
import {
  CancelledError,
  ClosedError,
  InvalidOptionsError,
  ProviderError,
  type ValidationIssue,
  WorkerNotFoundError,
} from '../errors/errors.js';
import type { LifecycleError } from '../errors/lifecycle-error.js';
import {
  mergeWithOwnership,
  type Ownership,
  OwnershipKeys,
  type OwnershipStamp,
  stampOwnership,
} from '../ownership/ownership.js';
import { labelValueProblem } from '../ownership/platform-rules.js';
import type { PolicyPreset } from '../policy/presets.js';
import { assertWorkerRef, assertWorkerSelector, matchesSelector } from '../provider/selectors.js';
import type {
  CreateOptionsV1,
  CreateWorkerRequestV1,
  LeaseHoldOptionsV1,
  LeaseHoldV1,
  LeaseRefV1,
  LeaseSelectorV1,
  LogsOptionsV1,
  OwnerLeaseV1,
  ProviderCapabilitiesV1,
  ProviderHealthV1,
  ProviderV1,
  RemoveOptionsV1,
  StopOptionsV1,
  WatchOptionsV1,
  WorkerObservationV1,
  WorkerRecordV1,
  WorkerRefV1,
  WorkerSelectorV1,
} from '../provider/v1/provider-v1.js';
import { validateWorkerSpec } from '../spec/validate-spec.js';
import type { ValidatedWorkerSpec, WorkerSpec } from '../spec/worker-spec.js';
import { neverAborted, untilSettledOrAborted } from './abort.js';
import { type FailureDescription, toProviderError } from './errors.js';
import {
  assertLeaseHold,
  assertLeaseRef,
  assertLeaseSelector,
  isSelectedLease,
} from './lease-checks.js';

/** What the author's `create` receives: everything checked, the stamp built. */
export interface CreateInput<TExtension> {
  /** The spec, validated and normalised (`validateWorkerSpec`). */
  readonly spec: ValidatedWorkerSpec;
  /** What your `checkSpec` returned (your reading of `spec.extensions.<type>`), else undefined. */
  readonly extension: TExtension;
  readonly ownership: Ownership;
  /** The ownership labels and annotations (`stampOwnership`). */
  readonly stamp: OwnershipStamp;
  /** The user's labels with the ownership labels over them: write these on the worker. */
  readonly labels: Readonly<Record<string, string>>;
  /** The user's annotations with the ownership annotations over them. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** How the author's `create` cooperates with cancellation and cleanup. */
export interface CreateContext {
  /** The caller's signal (a signal that never aborts when none was given). */
  readonly signal: AbortSignal;
  /**
   * Call it as soon as the infrastructure has made the worker, with its uid: from then on a
   * failure or an abort removes that worker (through your `remove`, grace period 0) before
   * `create` rejects, so nothing half-made is left behind.
   */
  created(uid: string): void;
  /** Throws CancelledError when the signal has aborted: call it between two calls. */
  checkpoint(): void;
}

/** Options of the author's `remove` and `stop`, checked and defaulted. */
export interface TerminateContext {
  readonly gracePeriodMs: number;
  readonly signal: AbortSignal;
}

/** Options of the author's `logs`, checked. */
export interface LogsContext {
  /** A whole number >= 1, or undefined for every line. (`tail: 0` never reaches the hook.) */
  readonly tail: number | undefined;
}

/** Options of the author's `watch`. */
export interface WatchContext {
  /** Aborts when the caller's signal does, or the provider closes. */
  readonly signal: AbortSignal;
  /** The provider's own `list`, checked: what `pollList` builds a watch from. */
  list(selector: WorkerSelectorV1): Promise<WorkerRecordV1[]>;
  /** Maps a failure of your client to the contract's error, as the kit does (for `reflect`). */
  fail(error: unknown): LifecycleError;
}

/** Options of the author's lease `hold`. */
export interface LeaseHoldContext {
  /** The caller's signal (a signal that never aborts when none was given). */
  readonly signal: AbortSignal;
}

/**
 * Owner leases (owner liveness), checked by the kit before they run: scope and owner are label
 * values, `durationMs` a whole number >= 1000. Judge `alive` by the infrastructure's clock.
 */
export interface LeaseHooks {
  /** Takes or renews the owner's lease: alive for `durationMs` from now. Idempotent. */
  hold(lease: LeaseHoldV1, ctx: LeaseHoldContext): Promise<void>;
  /** Ends the owner's lease now; a lease already gone is success. Never another owner's. */
  release(lease: LeaseRefV1): Promise<void>;
  /** The leases of `selector.scope`, or of every scope when it is undefined. */
  list(selector: LeaseSelectorV1): Promise<OwnerLeaseV1[]>;
}

/** A watch hook: observations of the selector's workers until `ctx.signal` aborts. */
export type WatchHook = (
  selector: WorkerSelectorV1,
  ctx: WatchContext,
) => AsyncIterable<WorkerObservationV1>;

/**
 * What an author writes. Required hooks: create, get, list, remove. Each optional hook given
 * (stop, watch, logs, health, leases, listScopes) makes the matching capability true.
 */
export interface ProviderDefinition<TType extends string = string, TExtension = undefined> {
  /** The plugin type: 'docker', 'my-cloud'. Also the key of `spec.extensions` the spec reads. */
  readonly type: TType;
  /** This provider instance, stamped as `hodei.io/provider-id`: a valid label value. */
  readonly providerId: string;
  /** The infrastructure ends workers at `ownership.expiresAt` by itself. Default false. */
  readonly nativeDeadline?: boolean;
  /** The infrastructure removes finished workers after their TTL by itself. Default false. */
  readonly nativeTtl?: boolean;
  /** The policy a manager applies when its options name none (`definePolicyPreset`). */
  readonly policyPreset?: PolicyPreset;
  /** Grace period of stop and remove when the caller gives none. Default 30 000 ms. */
  readonly defaultGracePeriodMs?: number;
  /**
   * Refusals of this provider, checked with core's spec rules in one pass, so the caller gets
   * one InvalidSpecError with every problem. `spec` is as the caller wrote it: any field may be
   * malformed (core reports those). Push problems into `issues` (paths such as
   * `extensions.my-cloud.zone`); return your reading of the spec, which `create` receives.
   */
  checkSpec?(spec: WorkerSpec, issues: ValidationIssue[]): TExtension;
  /**
   * Makes and starts the worker, stamped with `input.labels` and `input.annotations`, and
   * returns its record. Call `ctx.created(uid)` as soon as it exists.
   */
  create(input: CreateInput<TExtension>, ctx: CreateContext): Promise<WorkerRecordV1>;
  /** The worker of `ref` (of its scope; of its uid when given), or undefined. */
  get(ref: WorkerRefV1): Promise<WorkerRecordV1 | undefined>;
  /** The workers of the selector: one call to the infrastructure. */
  list(selector: WorkerSelectorV1): Promise<WorkerRecordV1[]>;
  /**
   * Stops within the grace period and deletes. A worker already gone (or never there, or of
   * another uid) is success: return, or throw WorkerNotFoundError.
   */
  remove(ref: WorkerRefV1, ctx: TerminateContext): Promise<void>;
  /** Stops, keeping the record and logs. Throw WorkerNotFoundError when there is no such worker. */
  stop?(ref: WorkerRefV1, ctx: TerminateContext): Promise<void>;
  /** Observations of the selector's workers; `pollList(...)` builds one from `list`. */
  watch?: WatchHook;
  /** Output lines, oldest first. Throw WorkerNotFoundError when there is no such worker. */
  logs?(ref: WorkerRefV1, ctx: LogsContext): Promise<string[]>;
  health?(): Promise<ProviderHealthV1>;
  /** Owner leases: given, `capabilities.leases` is true. */
  readonly leases?: LeaseHooks;
  /** Every scope with managed workers or leases: given, `capabilities.listScopes` is true. */
  listScopes?(): Promise<string[]>;
  /** Releases connections (the kit has already ended the watches). */
  close?(): Promise<void> | void;
  /** Reads a failure of your client: its status, and whether a retry may help. */
  describeError?(error: unknown): FailureDescription | undefined;
}

/** What `defineProvider` returns: the contract, with `close` always present. */
export type DefinedProvider<TType extends string = string> = ProviderV1 & {
  readonly type: TType;
  /** Ends the watches; every later call throws ClosedError. The workers are left alone. */
  close(): Promise<void>;
};

const optionalHooks = ['stop', 'watch', 'logs', 'health'] as const;

/**
 * Builds a provider (contract v1) from the author's hooks. Before any hook runs, the kit:
 * refuses calls after `close()` (ClosedError); checks refs, selectors, grace periods, `tail`
 * and signals (InvalidOptionsError); validates the spec with core's rules and `checkSpec`
 * (one InvalidSpecError listing every problem); stamps the ownership; honours an aborted
 * signal (CancelledError, no call). After: it removes what a failed or cancelled create made,
 * drops records of another scope or uid, treats a removal of a missing worker as done, applies
 * `tail`, ends watches on abort and close, and maps every other failure to a ProviderError
 * with an honest `retryable`.
 *
 * @example
 * const provider = defineProvider({ type: 'my-cloud', providerId: 'my-cloud', create, get, list, remove });
 */
export function defineProvider<const TType extends string, TExtension = undefined>(
  definition: ProviderDefinition<TType, TExtension>,
): DefinedProvider<TType> {
  const def = checkDefinition(definition);
  const { providerId } = def;
  const what = `${def.type} provider ${providerId}`;
  const defaultGrace = def.defaultGracePeriodMs ?? 30_000;
  const closing = new AbortController();
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new ClosedError(what);
  };
  const fail = (action: string, error: unknown): LifecycleError =>
    toProviderError(providerId, action, error, safeDescribe(def, error));

  /** Runs a hook; maps its failure; an abort of `signal` meanwhile is a CancelledError. */
  async function call<T>(action: string, work: () => Promise<T>, signal?: AbortSignal) {
    try {
      return await untilSettledOrAborted(work(), signal, action);
    } catch (error) {
      if (signal?.aborted && !CancelledError.isInstance(error)) {
        throw new CancelledError(action, { cause: signal.reason });
      }
      throw fail(action, error);
    }
  }

  const terminateContext = (
    options: RemoveOptionsV1 | undefined,
    action: string,
  ): TerminateContext => {
    const grace = options?.gracePeriodMs;
    const issues: ValidationIssue[] = [];
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      issues.push({ path: '', message: 'must be an object' });
    }
    if (grace !== undefined && !(Number.isSafeInteger(grace) && grace >= 0)) {
      issues.push({
        path: 'gracePeriodMs',
        message: 'must be a whole number of milliseconds >= 0',
      });
    }
    signalIssue(options?.signal, issues);
    if (issues.length > 0) throw new InvalidOptionsError(`${action} options`, issues);
    const signal = options?.signal ?? neverAborted;
    if (signal.aborted) throw new CancelledError(action, { cause: signal.reason });
    return { gracePeriodMs: grace ?? defaultGrace, signal };
  };

  async function undoCreate(ownership: Ownership, uid: string, action: string): Promise<void> {
    const ref = { workerId: ownership.workerId, scope: ownership.scope, uid };
    try {
      await def.remove(ref, { gracePeriodMs: 0, signal: neverAborted });
    } catch (error) {
      if (WorkerNotFoundError.isInstance(error)) return;
      const mapped = fail(`${action}: removing the half-made worker`, error);
      throw new ProviderError(
        providerId,
        `${action}: worker ${ownership.workerId} (uid ${uid}) could not be removed after a failed or cancelled create; remove it by worker id (${mapped.message})`,
        { retryable: true, cause: error, status: 'ECLEANUP' },
      );
    }
  }

  const provider: DefinedProvider<TType> = {
    specificationVersion: 'v1',
    type: def.type,
    providerId,
    capabilities: Object.freeze({
      stop: def.stop !== undefined,
      watch: def.watch !== undefined,
      logs: def.logs !== undefined,
      health: def.health !== undefined,
      nativeDeadline: def.nativeDeadline ?? false,
      nativeTtl: def.nativeTtl ?? false,
      leases: def.leases !== undefined,
      listScopes: def.listScopes !== undefined,
    }) satisfies ProviderCapabilitiesV1,
    ...(def.policyPreset === undefined ? {} : { defaultPolicyPreset: def.policyPreset }),

    async create(request: CreateWorkerRequestV1, options?: CreateOptionsV1) {
      ensureOpen();
      const action = `Creating worker ${request?.ownership?.workerId}`;
      const optionIssues: ValidationIssue[] = [];
      signalIssue(options?.signal, optionIssues);
      if (optionIssues.length > 0) throw new InvalidOptionsError('create options', optionIssues);
      // An aborted signal wins over everything else: the caller has stopped waiting.
      const signal = options?.signal ?? neverAborted;
      if (signal.aborted) throw new CancelledError(action, { cause: signal.reason });
      if (request == null || typeof request !== 'object') {
        throw new InvalidOptionsError('create request', [
          { path: '', message: 'must be { spec, ownership }' },
        ]);
      }
      // One pass over the spec: core's rules and the provider's, one error with every problem.
      const issues: ValidationIssue[] = [];
      let extension: TExtension | undefined;
      const raw = request.spec;
      if (raw != null && typeof raw === 'object' && def.checkSpec) {
        extension = def.checkSpec(raw, issues);
      }
      const spec = validateWorkerSpec(raw, issues);
      if (request.ownership == null || typeof request.ownership !== 'object') {
        throw new InvalidOptionsError('create request', [
          { path: 'ownership', message: 'must be the ownership to stamp' },
        ]);
      }
      const { ownership } = request;
      const stamp = stampOwnership(ownership);

      let made: string | undefined;
      const ctx: CreateContext = {
        signal,
        created: (uid) => {
          made = uid;
        },
        checkpoint: () => {
          if (signal.aborted) throw new CancelledError(action, { cause: signal.reason });
        },
      };
      const input: CreateInput<TExtension> = {
        spec,
        extension: extension as TExtension,
        ownership,
        stamp,
        labels: mergeWithOwnership(spec.labels, stamp.labels),
        annotations: mergeWithOwnership(spec.annotations, stamp.annotations),
      };
      try {
        const record = await def.create(input, ctx);
        made ??= record.uid;
        ctx.checkpoint();
        return record;
      } catch (error) {
        // Leave nothing behind: what was made goes, then the failure (or the cancel) surfaces.
        if (made !== undefined) await undoCreate(ownership, made, action);
        if (signal.aborted) throw new CancelledError(action, { cause: signal.reason });
        throw fail(action, error);
      }
    },

    async get(ref: WorkerRefV1) {
      ensureOpen();
      assertWorkerRef(ref);
      const record = await call(`Reading worker ${ref.workerId}`, () => def.get(ref));
      // Another scope's worker, or another incarnation, is never returned.
      if (
        record === undefined ||
        record.workerId !== ref.workerId ||
        record.labels[OwnershipKeys.managedBy] !== ref.scope ||
        (ref.uid !== undefined && record.uid !== ref.uid)
      ) {
        return undefined;
      }
      return record;
    },

    async list(selector: WorkerSelectorV1) {
      ensureOpen();
      assertWorkerSelector(selector);
      const records = await call(`Listing scope ${selector.scope}`, () => def.list(selector));
      return records.filter((record) => matchesSelector(record, selector));
    },

    async remove(ref: WorkerRefV1, options?: RemoveOptionsV1) {
      ensureOpen();
      assertWorkerRef(ref);
      const action = `Removing worker ${ref.workerId}`;
      const ctx = terminateContext(options, 'remove');
      try {
        await call(action, () => def.remove(ref, ctx), ctx.signal);
      } catch (error) {
        // Idempotent: a worker that is not there is removed.
        if (!WorkerNotFoundError.isInstance(error)) throw error;
      }
    },

    async health(): Promise<ProviderHealthV1> {
      ensureOpen();
      try {
        return await def.health!();
      } catch (error) {
        return { healthy: false, message: fail('health check', error).message };
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      closing.abort(new ClosedError(what));
      await def.close?.();
    },
  };

  if (def.stop) {
    const stop = def.stop;
    provider.stop = async (ref: WorkerRefV1, options?: StopOptionsV1) => {
      ensureOpen();
      assertWorkerRef(ref);
      const ctx = terminateContext(options, 'stop');
      await call(`Stopping worker ${ref.workerId}`, () => stop(ref, ctx), ctx.signal);
    };
  }
  if (def.logs) {
    const logs = def.logs;
    provider.logs = async (ref: WorkerRefV1, options?: LogsOptionsV1) => {
      ensureOpen();
      assertWorkerRef(ref);
      const tail = options?.tail;
      if (tail !== undefined && !(Number.isSafeInteger(tail) && tail >= 0)) {
        throw new InvalidOptionsError('logs options', [
          { path: 'tail', message: 'must be a whole number >= 0' },
        ]);
      }
      const action = `Reading the logs of worker ${ref.workerId}`;
      // tail 0 still checks that the worker exists (WorkerNotFoundError otherwise).
      const lines = await call(action, () => logs(ref, { tail: tail === 0 ? 1 : tail }));
      if (tail === undefined) return lines;
      return tail === 0 ? [] : lines.slice(-tail);
    };
  }
  if (def.watch) {
    const watch = def.watch;
    provider.watch = (selector: WorkerSelectorV1, options: WatchOptionsV1) => {
      ensureOpen();
      assertWorkerSelector(selector);
      if (!(options?.signal instanceof AbortSignal)) {
        throw new InvalidOptionsError('watch options', [
          { path: 'signal', message: 'must be an AbortSignal (it ends the watch)' },
        ]);
      }
      const signal = AbortSignal.any([options.signal, closing.signal]);
      return endsOnAbort(
        () =>
          watch(selector, {
            signal,
            list: (s) => provider.list(s),
            fail: (error) => fail('watch', error),
          }),
        selector,
        signal,
        (error) => fail('watch', error),
      );
    };
  }
  if (def.leases) {
    const hooks = def.leases;
    (provider as { leases?: ProviderV1['leases'] }).leases = Object.freeze({
      async hold(lease: LeaseHoldV1, options?: LeaseHoldOptionsV1) {
        ensureOpen();
        assertLeaseHold(lease, options);
        const signal = options?.signal ?? neverAborted;
        const action = `Holding the lease of ${lease.owner} in scope ${lease.scope}`;
        if (signal.aborted) throw new CancelledError(action, { cause: signal.reason });
        const { scope, owner, durationMs } = lease;
        await call(action, () => hooks.hold({ scope, owner, durationMs }, { signal }), signal);
      },
      async release(lease: LeaseRefV1) {
        ensureOpen();
        assertLeaseRef(lease);
        const { scope, owner } = lease;
        await call(`Releasing the lease of ${owner} in scope ${scope}`, () =>
          hooks.release({ scope, owner }),
        );
      },
      async list(selector: LeaseSelectorV1) {
        ensureOpen();
        assertLeaseSelector(selector);
        const scope = selector.scope;
        const leases = await call(
          scope === undefined ? 'Listing the leases' : `Listing the leases of scope ${scope}`,
          () => hooks.list(scope === undefined ? {} : { scope }),
        );
        return leases.filter((lease) => isSelectedLease(lease, selector));
      },
    });
  }
  if (def.listScopes) {
    const listScopes = def.listScopes;
    provider.listScopes = async () => {
      ensureOpen();
      const scopes = await call('Listing the scopes', () => listScopes());
      return [...new Set(scopes)].sort();
    };
  }
  if (!def.health) delete (provider as Partial<ProviderV1>).health;
  return provider;
}

function signalIssue(signal: unknown, issues: ValidationIssue[]): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    issues.push({ path: 'signal', message: 'must be an AbortSignal' });
  }
}

function safeDescribe(
  def: ProviderDefinition<string, unknown>,
  error: unknown,
): FailureDescription | undefined {
  try {
    return def.describeError?.(error);
  } catch {
    return undefined;
  }
}

/**
 * The author's watch, made safe: it yields only the selector's workers (a removal only of a
 * worker it reported), ends quietly and at once when the signal aborts (even if the author's
 * iterator is stuck waiting), and a failure surfaces as the contract's error.
 */
function endsOnAbort(
  open: () => AsyncIterable<WorkerObservationV1>,
  selector: WorkerSelectorV1,
  signal: AbortSignal,
  fail: (error: unknown) => LifecycleError,
): AsyncIterable<WorkerObservationV1> {
  return {
    async *[Symbol.asyncIterator]() {
      if (signal.aborted) return;
      const iterator = open()[Symbol.asyncIterator]();
      /** Workers reported present: a removal of any other is not this selector's business. */
      const reported = new Set<string>();
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        for (;;) {
          let next: IteratorResult<WorkerObservationV1> | 'aborted';
          try {
            next = await Promise.race([iterator.next(), aborted]);
          } catch (error) {
            if (signal.aborted) return;
            throw fail(error);
          }
          if (next === 'aborted' || next.done) return;
          const observation = next.value;
          if (observation.type === 'upsert') {
            if (!matchesSelector(observation.worker, selector)) continue;
            reported.add(observation.worker.uid);
          } else if (!reported.delete(observation.uid)) {
            continue;
          }
          yield observation;
        }
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
        // Ends the author's iterator without waiting for it: it may be stuck on a read.
        iterator.return?.()?.catch?.(() => undefined);
      }
    },
  };
}

function checkDefinition<TType extends string, TExtension>(
  definition: ProviderDefinition<TType, TExtension>,
): ProviderDefinition<TType, TExtension> {
  const issues: ValidationIssue[] = [];
  if (definition == null || typeof definition !== 'object') {
    throw new InvalidOptionsError('provider definition', [
      { path: '', message: 'must be an object' },
    ]);
  }
  if (typeof definition.type !== 'string' || definition.type === '') {
    issues.push({ path: 'type', message: 'must be a non-empty string' });
  }
  const id = definition.providerId;
  const idProblem =
    typeof id !== 'string' || id === '' ? 'must be a non-empty string' : labelValueProblem(id);
  if (idProblem) issues.push({ path: 'providerId', message: idProblem });
  for (const hook of ['create', 'get', 'list', 'remove'] as const) {
    if (typeof definition[hook] !== 'function') {
      issues.push({ path: hook, message: 'must be a function' });
    }
  }
  const leases = definition.leases as Partial<LeaseHooks> | undefined | null;
  if (leases !== undefined) {
    if (leases === null || typeof leases !== 'object') {
      issues.push({ path: 'leases', message: 'must be { hold, release, list } when given' });
    } else {
      for (const hook of ['hold', 'release', 'list'] as const) {
        if (typeof leases[hook] !== 'function') {
          issues.push({ path: `leases.${hook}`, message: 'must be a function' });
        }
      }
    }
  }
  for (const hook of [
    ...optionalHooks,
    'listScopes',
    'close',
    'checkSpec',
    'describeError',
  ] as const) {
    const value = definition[hook];
    if (value !== undefined && typeof value !== 'function') {
      issues.push({ path: hook, message: 'must be a function when given' });
    }
  }
  const grace = definition.defaultGracePeriodMs;
  if (grace !== undefined && !(Number.isSafeInteger(grace) && grace >= 0)) {
    issues.push({
      path: 'defaultGracePeriodMs',
      message: 'must be a whole number of milliseconds >= 0',
    });
  }
  if (issues.length > 0) throw new InvalidOptionsError('provider definition', issues);
  return definition;
}
