/**
 * A provider (contract v1) that runs each worker as a local child process: `spec.command` and
 * `spec.args` are spawned with `spec.env`, in a process group of their own. It is written only
 * against the public API of @hodei/lifecycle-core, as any third-party provider would be, and
 * docs/writing-a-provider.md is built from it.
 *
 * Decisions, since a process is not a container:
 * - `image` must be 'local/process' (PROCESS_IMAGE): a spec written for an image would run
 *   something else here, so it is refused rather than silently reinterpreted.
 * - `command` is required (there is no image entrypoint to fall back on); `args` follow it.
 * - `env` is exactly `spec.env` over a base of PATH only: the manager's own environment (its
 *   credentials) never leaks into a worker.
 * - `resources` are refused: a plain process cannot be limited, and a limit that is silently
 *   not enforced is worse than an error.
 * - ready = running, or, with `extensions.process.readyOnLine`, once a line of output
 *   contains that text (the health check of this provider).
 */
import {
  CancelledError,
  ClosedError,
  type CreateOptionsV1,
  type CreateWorkerRequestV1,
  InvalidOptionsError,
  InvalidSpecError,
  type LogsOptionsV1,
  OwnershipKeys,
  type ProviderCapabilitiesV1,
  ProviderError,
  type ProviderHealthV1,
  type ProviderV1,
  type RemoveOptionsV1,
  type StopOptionsV1,
  type ValidationIssue,
  type WatchOptionsV1,
  WorkerNotFoundError,
  type WorkerObservationV1,
  type WorkerRecordV1,
  type WorkerRefV1,
  type WorkerSelectorV1,
  type WorkerSpec,
} from '@hodei/lifecycle-core';
import {
  assertWorkerRef,
  assertWorkerSelector,
  defineProviderPlugin,
  labelValueProblem,
  mergeWithOwnership,
  stampOwnership,
  validateWorkerSpec,
} from '@hodei/lifecycle-core/provider';
import { defaultProcessHost, type ProcessEntry, ProcessHost } from './process-host.ts';

/** The only image this provider accepts: the worker runs on the host, not in an image. */
export const PROCESS_IMAGE = 'local/process';

// #region capabilities
/** What this provider can do. Each optional method exists exactly when its flag is true. */
export const processCapabilities: ProviderCapabilitiesV1 = Object.freeze({
  stop: true, // SIGTERM, SIGKILL after the grace period; the record and logs stay
  watch: true, // from the host's process events
  logs: true, // stdout and stderr lines
  health: true,
  nativeDeadline: false, // nothing on the host enforces hodei.io/expires-at: the manager does
  nativeTtl: false, // nor the TTL after completion
});
// #endregion capabilities

export interface ProcessProviderOptions {
  /** The host (the "node") whose processes this provider sees. Default: this Node process's. */
  readonly host?: ProcessHost;
  /** Stamped as `hodei.io/provider-id`; a valid label value. Default 'process'. */
  readonly providerId?: string;
  /** Working directory of the workers. Default: the current directory. */
  readonly cwd?: string;
  /** Environment every worker starts from, under `spec.env`. Default: PATH only. */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Grace period of stop and remove when the caller gives none. Default 30 000 ms. */
  readonly defaultGracePeriodMs?: number;
}

/** `spec.extensions.process`: what this provider reads from a spec beyond the common fields. */
export interface ProcessExtension {
  /** Ready once a line of output (stdout or stderr) contains this text. */
  readonly readyOnLine?: string;
}

/** A spec this provider can run, after validation. */
export interface ProcessSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly readyOnLine: string | undefined;
}

export type ProcessProvider = ProviderV1 & {
  readonly type: 'process';
  /** The host this provider runs its workers on. */
  readonly host: ProcessHost;
  stop(ref: WorkerRefV1, options?: StopOptionsV1): Promise<void>;
  watch(selector: WorkerSelectorV1, options: WatchOptionsV1): AsyncIterable<WorkerObservationV1>;
  logs(ref: WorkerRefV1, options?: LogsOptionsV1): Promise<string[]>;
  health(): Promise<ProviderHealthV1>;
  /** Ends its watch streams; later calls throw ClosedError. Workers are left alone. */
  close(): Promise<void>;
};

// #region validate
/**
 * Everything that can be refused is refused here, before the host hears of the worker:
 * first the checks every provider shares, then this provider's own.
 */
export function validateProcessSpec(spec: WorkerSpec): ProcessSpec {
  const valid = validateWorkerSpec(spec); // throws InvalidSpecError listing every problem
  const issues: ValidationIssue[] = [];
  if (valid.image !== PROCESS_IMAGE) {
    issues.push({
      path: 'image',
      message: `must be '${PROCESS_IMAGE}': this provider runs host processes, not images`,
    });
  }
  const [file, ...commandArgs] = valid.command ?? [];
  if (!file) {
    issues.push({ path: 'command', message: 'is required: the executable, then its arguments' });
  }
  if (valid.resources.cpuMillis !== undefined || valid.resources.memoryBytes !== undefined) {
    issues.push({ path: 'resources', message: 'cannot be enforced on a local process' });
  }
  const extension = processExtension(valid.extensions.process, issues);
  if (issues.length > 0 || !file) throw new InvalidSpecError(issues);
  return {
    file,
    args: [...commandArgs, ...(valid.args ?? [])],
    env: valid.env,
    labels: valid.labels,
    annotations: valid.annotations,
    readyOnLine: extension.readyOnLine,
  };
}

/** Reads `extensions.process`, the only extension key this provider looks at. */
function processExtension(value: unknown, issues: ValidationIssue[]): ProcessExtension {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path: 'extensions.process', message: 'must be an object' });
    return {};
  }
  const { readyOnLine, ...unknown } = value as Record<string, unknown>;
  for (const key of Object.keys(unknown)) {
    issues.push({
      path: `extensions.process.${key}`,
      message: 'unknown field (allowed: readyOnLine)',
    });
  }
  if (readyOnLine !== undefined && (typeof readyOnLine !== 'string' || readyOnLine === '')) {
    issues.push({ path: 'extensions.process.readyOnLine', message: 'must be a non-empty string' });
    return {};
  }
  return readyOnLine === undefined ? {} : { readyOnLine };
}
// #endregion validate

// #region errors
/**
 * Turns a failure of `spawn` into the contract's error. `retryable` tells the manager (and
 * any caller) whether the same call may succeed later: a full process table may drain, a
 * missing executable will not appear.
 */
function spawnError(providerId: string, command: string, error: unknown): ProviderError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const transient = ['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM'];
  return new ProviderError(providerId, `cannot start '${command}': ${String(error)}`, {
    retryable: code !== undefined && transient.includes(code),
    status: code,
    cause: error,
  });
}
// #endregion errors

export function createProcessProvider(options: ProcessProviderOptions = {}): ProcessProvider {
  const issues = optionIssues(options);
  if (issues.length > 0) throw new InvalidOptionsError('process provider options', issues);
  const host = options.host ?? defaultProcessHost;
  const providerId = options.providerId ?? 'process';
  const cwd = options.cwd ?? process.cwd();
  const baseEnv = options.baseEnv ?? { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
  const defaultGracePeriodMs = options.defaultGracePeriodMs ?? 30_000;
  const closing = new AbortController();

  const ensureOpen = () => {
    if (closing.signal.aborted) throw new ClosedError(`process provider ${providerId}`);
  };

  // #region scope
  /** The worker of `ref`, only if it carries the ref's scope (and uid, when the ref has one). */
  const find = (ref: WorkerRefV1): ProcessEntry | undefined => {
    const entry = host.find(ref.scope, ref.workerId, ref.uid);
    const record = entry && host.record(entry);
    return record?.labels[OwnershipKeys.managedBy] === ref.scope ? entry : undefined;
  };

  /** A worker matches a selector when it carries its scope and every label it names. */
  const matches = (record: WorkerRecordV1, selector: WorkerSelectorV1) =>
    record.labels[OwnershipKeys.managedBy] === selector.scope &&
    Object.entries(selector.labels ?? {}).every(([key, value]) => record.labels[key] === value);
  // #endregion scope

  return {
    specificationVersion: 'v1',
    type: 'process',
    providerId,
    capabilities: processCapabilities,
    host,

    // #region create
    async create(request: CreateWorkerRequestV1, createOptions: CreateOptionsV1 = {}) {
      ensureOpen();
      const { signal } = createOptions;
      const what = `create of worker ${request?.ownership?.workerId}`;
      if (signal?.aborted) throw new CancelledError(what, { cause: signal.reason });
      // 1. Validate everything, before any call to the host.
      checkRequest(request);
      const spec = validateProcessSpec(request.spec);
      const stamp = stampOwnership(request.ownership); // checks the ids, builds the labels
      // 2. One call: start the worker, stamped. User labels never overwrite an ownership key.
      host.count('create');
      const launched = host.launch({
        workerId: request.ownership.workerId,
        scope: request.ownership.scope,
        file: spec.file,
        args: spec.args,
        env: { ...baseEnv, ...spec.env },
        cwd,
        labels: mergeWithOwnership(spec.labels, stamp.labels),
        annotations: mergeWithOwnership(spec.annotations, stamp.annotations),
        readyOnLine: spec.readyOnLine,
      });
      if ('conflict' in launched) {
        throw new ProviderError(
          providerId,
          `worker ${request.ownership.workerId} already exists in scope ${request.ownership.scope} (uid ${launched.conflict.uid})`,
          { retryable: false, status: 409 },
        );
      }
      // 3. Wait until it runs; if the signal aborts meanwhile, remove what was started.
      try {
        await untilSettledOrAborted(launched.spawned, signal);
      } catch (error) {
        await host.remove(launched.entry, 0);
        if (signal?.aborted) throw new CancelledError(what, { cause: signal.reason });
        throw spawnError(providerId, spec.file, error);
      }
      if (signal?.aborted) {
        await host.remove(launched.entry, 0);
        throw new CancelledError(what, { cause: signal.reason });
      }
      return host.record(launched.entry);
    },
    // #endregion create

    async get(ref: WorkerRefV1) {
      ensureOpen();
      assertWorkerRef(ref);
      host.count('get');
      const entry = find(ref);
      return entry && host.record(entry);
    },

    async list(selector: WorkerSelectorV1) {
      ensureOpen();
      assertWorkerSelector(selector);
      host.count('list'); // one call, whatever the number of workers
      return host.records().filter((record) => matches(record, selector));
    },

    // #region remove
    async remove(ref: WorkerRefV1, removeOptions: RemoveOptionsV1 = {}) {
      ensureOpen();
      assertWorkerRef(ref);
      const grace = gracePeriod(removeOptions.gracePeriodMs, defaultGracePeriodMs);
      const { signal } = removeOptions;
      if (signal?.aborted) throw new CancelledError(`removal of worker ${ref.workerId}`);
      host.count('remove');
      const entry = find(ref);
      // Gone already, another scope's, or another incarnation than `ref.uid`: nothing to do.
      if (!entry) return;
      // Removing twice joins the removal under way. It goes on if the caller stops waiting.
      await untilSettledOrAborted(host.remove(entry, grace), signal).catch((error: unknown) => {
        if (signal?.aborted) throw new CancelledError(`removal of worker ${ref.workerId}`);
        throw error;
      });
    },
    // #endregion remove

    async stop(ref: WorkerRefV1, stopOptions: StopOptionsV1 = {}) {
      ensureOpen();
      assertWorkerRef(ref);
      const grace = gracePeriod(stopOptions.gracePeriodMs, defaultGracePeriodMs);
      const { signal } = stopOptions;
      if (signal?.aborted) throw new CancelledError(`stop of worker ${ref.workerId}`);
      host.count('stop');
      const entry = find(ref);
      if (!entry) throw new WorkerNotFoundError(ref.workerId);
      await untilSettledOrAborted(host.terminate(entry, grace), signal).catch((error: unknown) => {
        if (signal?.aborted) throw new CancelledError(`stop of worker ${ref.workerId}`);
        throw error;
      });
    },

    async logs(ref: WorkerRefV1, logsOptions: LogsOptionsV1 = {}) {
      ensureOpen();
      assertWorkerRef(ref);
      const { tail } = logsOptions;
      if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
        throw new InvalidOptionsError('logs options', [
          { path: 'tail', message: 'must be a whole number >= 0' },
        ]);
      }
      host.count('logs');
      const entry = find(ref);
      if (!entry) throw new WorkerNotFoundError(ref.workerId);
      return host.logs(entry, tail);
    },

    // #region watch
    watch(selector: WorkerSelectorV1, watchOptions: WatchOptionsV1) {
      ensureOpen();
      assertWorkerSelector(selector);
      if (!(watchOptions?.signal instanceof AbortSignal)) {
        throw new InvalidOptionsError('watch options', [
          { path: 'signal', message: 'must be an AbortSignal (it ends the watch)' },
        ]);
      }
      // Closing the provider ends its watches, as closing a client's connections would.
      const signal = AbortSignal.any([watchOptions.signal, closing.signal]);
      return observe(signal, (push) => {
        host.count('watch');
        // Subscribe first, then the current state: nothing is missed, a state may come twice.
        const unsubscribe = host.subscribe(({ type, record }) => {
          if (!matches(record, selector)) return;
          push(
            type === 'upsert'
              ? { type, worker: record }
              : { type, workerId: record.workerId, uid: record.uid },
          );
        });
        for (const record of host.records()) {
          if (matches(record, selector)) push({ type: 'upsert', worker: record });
        }
        return unsubscribe;
      });
    },
    // #endregion watch

    async health() {
      ensureOpen();
      host.count('health');
      return { healthy: true, message: `${host.running} processes running on this host` };
    },

    async close() {
      closing.abort();
    },
  };
}

// #region plugin
/** The provider as a plugin: `createProviderRegistry([processProviderPlugin])`. */
export const processProviderPlugin = defineProviderPlugin({
  type: 'process',
  description: 'Each worker is a child process of this Node process (POSIX)',
  create: (options: ProcessProviderOptions) => createProcessProvider(options),
});
// #endregion plugin

/**
 * An async iterable fed by `start(push)` until `signal` aborts; `start` returns what stops
 * the feed. Ends quietly when the signal aborts.
 */
function observe(
  signal: AbortSignal,
  start: (push: (observation: WorkerObservationV1) => void) => () => void,
): AsyncIterable<WorkerObservationV1> {
  return {
    async *[Symbol.asyncIterator]() {
      if (signal.aborted) return;
      const queue: WorkerObservationV1[] = [];
      let wake: (() => void) | undefined;
      const stop = start((observation) => {
        queue.push(observation);
        wake?.();
      });
      const onAbort = () => wake?.();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        while (!signal.aborted) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        stop();
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** Waits for `work`, or rejects as soon as `signal` aborts (the work itself goes on). */
async function untilSettledOrAborted(work: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return work;
  if (signal.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function optionIssues(options: ProcessProviderOptions): ValidationIssue[] {
  if (options == null || typeof options !== 'object') {
    return [{ path: '', message: 'must be an object' }];
  }
  const issues: ValidationIssue[] = [];
  const known = ['host', 'providerId', 'cwd', 'baseEnv', 'defaultGracePeriodMs'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      issues.push({ path: key, message: `unknown option (allowed: ${known.join(', ')})` });
    }
  }
  if (process.platform === 'win32') {
    issues.push({ path: '', message: 'the process provider needs POSIX process groups' });
  }
  if (options.host !== undefined && !(options.host instanceof ProcessHost)) {
    issues.push({ path: 'host', message: 'must be a ProcessHost' });
  }
  if (options.providerId !== undefined) {
    const problem =
      typeof options.providerId !== 'string' || options.providerId === ''
        ? 'must be a non-empty string'
        : labelValueProblem(options.providerId);
    if (problem) issues.push({ path: 'providerId', message: problem });
  }
  if (options.cwd !== undefined && (typeof options.cwd !== 'string' || options.cwd === '')) {
    issues.push({ path: 'cwd', message: 'must be a directory path' });
  }
  for (const [name, value] of Object.entries(options.baseEnv ?? {})) {
    if (typeof value !== 'string') {
      issues.push({ path: `baseEnv.${name}`, message: 'must be a string' });
    }
  }
  const grace = options.defaultGracePeriodMs;
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0)) {
    issues.push({ path: 'defaultGracePeriodMs', message: 'must be a number of milliseconds >= 0' });
  }
  return issues;
}

function checkRequest(request: CreateWorkerRequestV1): void {
  if (request?.spec == null || typeof request.spec !== 'object') {
    throw new InvalidSpecError([{ path: '', message: 'create needs { spec, ownership }' }]);
  }
  if (request.ownership == null || typeof request.ownership !== 'object') {
    throw new InvalidOptionsError('create request', [
      { path: 'ownership', message: 'must be the ownership to stamp' },
    ]);
  }
}

function gracePeriod(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionsError('grace period', [
      { path: 'gracePeriodMs', message: 'must be a number of milliseconds >= 0' },
    ]);
  }
  return value;
}
