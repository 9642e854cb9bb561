/**
 * A provider (contract v1) over the in-memory infrastructure. It behaves like a real one
 * (validation before any call, ownership stamp, scope filtering, idempotent removal, uid
 * preconditions, cancellation, watch streams that can drop), so code tested against it meets
 * no surprise on Docker or Kubernetes.
 */
import {
  CancelledError,
  type Clock,
  ClosedError,
  type CreateOptionsV1,
  type CreateWorkerRequestV1,
  InvalidOptionsError,
  InvalidSpecError,
  type LeaseHoldOptionsV1,
  type LeaseHoldV1,
  type LeaseRefV1,
  type LeaseSelectorV1,
  type LogsOptionsV1,
  type OwnerLeaseV1,
  type ProviderCapabilitiesV1,
  type ProviderHealthV1,
  type ProviderV1,
  type RemoveOptionsV1,
  type StopOptionsV1,
  type ValidationIssue,
  type WatchOptionsV1,
  type WorkerObservationV1,
  type WorkerRecordV1,
  type WorkerRefV1,
  type WorkerSelectorV1,
} from '@hodei/lifecycle-core';
import {
  assertLeaseHold,
  assertLeaseRef,
  assertLeaseSelector,
  assertWorkerRef,
  assertWorkerSelector,
  labelValueProblem,
  mergeWithOwnership,
  stampOwnership,
  validateWorkerSpec,
} from '@hodei/lifecycle-core/provider';
import { memoryExtensionIssues, parseMemoryExtension } from './memory-extension.js';
import {
  connectToInfrastructure,
  createMemoryInfrastructure,
  isMemoryInfrastructure,
  type MemoryInfrastructure,
} from './memory-infrastructure.js';

/** Which optional parts the provider has; all but the native ones default to true. */
export type MemoryProviderCapabilities = Partial<ProviderCapabilitiesV1>;

export interface MemoryProviderOptions {
  /** The shared cluster. Default: a new one of its own (on `clock`). */
  readonly infrastructure?: MemoryInfrastructure;
  /** Stamped as `hodei.io/provider-id`; a valid label value. Default 'memory'. */
  readonly providerId?: string;
  /** Only used to build the provider's own infrastructure; give it to the infrastructure instead. */
  readonly clock?: Clock;
  /** Turn optional methods off (`{ watch: false }`), or native enforcement on (`{ nativeDeadline: true }`). */
  readonly capabilities?: MemoryProviderCapabilities;
  /** Grace period of stop and remove when the caller gives none. Default 30 000 ms. */
  readonly defaultGracePeriodMs?: number;
}

export const defaultMemoryCapabilities: ProviderCapabilitiesV1 = Object.freeze({
  stop: true,
  watch: true,
  logs: true,
  health: true,
  nativeDeadline: false,
  nativeTtl: false,
  leases: true,
  listScopes: true,
});

const capabilityNames = Object.keys(defaultMemoryCapabilities) as (keyof ProviderCapabilitiesV1)[];

export type MemoryProvider = ProviderV1 & {
  readonly type: 'memory';
  /** The cluster this provider talks to, with its test controls. */
  readonly infrastructure: MemoryInfrastructure;
  /** Ends its watch streams; later calls throw ClosedError. Workers are left alone. */
  close(): Promise<void>;
};

export function createMemoryProvider(options: MemoryProviderOptions = {}): MemoryProvider {
  const issues = optionIssues(options);
  if (issues.length > 0) throw new InvalidOptionsError('memory provider options', issues);

  const providerId = options.providerId ?? 'memory';
  const infrastructure =
    options.infrastructure ?? createMemoryInfrastructure({ clock: options.clock });
  const capabilities: ProviderCapabilitiesV1 = Object.freeze({
    ...defaultMemoryCapabilities,
    ...options.capabilities,
  });
  const defaultGracePeriodMs = options.defaultGracePeriodMs ?? 30_000;
  const api = connectToInfrastructure(infrastructure, providerId);
  const closing = new AbortController();

  const ensureOpen = () => {
    if (closing.signal.aborted) throw new ClosedError(`memory provider ${providerId}`);
  };

  const provider: {
    -readonly [K in keyof MemoryProvider]: MemoryProvider[K];
  } = {
    specificationVersion: 'v1',
    type: 'memory',
    providerId,
    capabilities,
    infrastructure,
    // Closing ends the watch streams; every later call throws ClosedError.
    close: async () => {
      closing.abort();
    },

    async create(request: CreateWorkerRequestV1, createOptions: CreateOptionsV1 = {}) {
      ensureOpen();
      const signal = createOptions.signal;
      const workerId = request?.ownership?.workerId;
      if (signal?.aborted) {
        throw new CancelledError(`create of worker ${workerId}`, { cause: signal.reason });
      }
      if (request == null || typeof request !== 'object' || request.spec == null) {
        throw new InvalidSpecError([{ path: '', message: 'create needs { spec, ownership }' }]);
      }
      if (request.ownership == null || typeof request.ownership !== 'object') {
        throw new InvalidOptionsError('create request', [
          { path: 'ownership', message: 'must be the ownership to stamp' },
        ]);
      }
      // Everything is checked before the infrastructure hears of it.
      // The shared checks and the memory extension's own, in one InvalidSpecError.
      const extensions = (request.spec as { extensions?: unknown }).extensions;
      const extension =
        extensions !== null && typeof extensions === 'object'
          ? (extensions as Record<string, unknown>).memory
          : undefined;
      const spec = validateWorkerSpec(request.spec, memoryExtensionIssues(extension));
      const behaviour = parseMemoryExtension(spec.extensions.memory);
      const stamp = stampOwnership(request.ownership);
      const { expiresAt, ttlAfterFinishedSeconds } = request.ownership;
      return api.create(
        {
          workerId: request.ownership.workerId,
          scope: request.ownership.scope,
          labels: mergeWithOwnership(spec.labels, stamp.labels),
          annotations: mergeWithOwnership(spec.annotations, stamp.annotations),
          behaviour,
          deadlineAt:
            capabilities.nativeDeadline && expiresAt !== undefined
              ? expiresAt.getTime()
              : undefined,
          ttlAfterFinishedMs:
            capabilities.nativeTtl && ttlAfterFinishedSeconds !== undefined
              ? ttlAfterFinishedSeconds * 1000
              : undefined,
        },
        signal,
      );
    },

    async get(ref: WorkerRefV1): Promise<WorkerRecordV1 | undefined> {
      ensureOpen();
      assertWorkerRef(ref);
      return api.get(ref);
    },

    async list(selector: WorkerSelectorV1): Promise<WorkerRecordV1[]> {
      ensureOpen();
      assertWorkerSelector(selector);
      return api.list(selector);
    },

    async remove(ref: WorkerRefV1, removeOptions: RemoveOptionsV1 = {}) {
      ensureOpen();
      assertWorkerRef(ref);
      const grace = gracePeriod(removeOptions.gracePeriodMs, defaultGracePeriodMs);
      if (removeOptions.signal?.aborted) {
        throw new CancelledError(`removal of worker ${ref.workerId}`, {
          cause: removeOptions.signal.reason,
        });
      }
      return api.remove(ref, grace, removeOptions.signal);
    },
  };

  if (capabilities.stop) {
    provider.stop = async (ref: WorkerRefV1, stopOptions: StopOptionsV1 = {}) => {
      ensureOpen();
      assertWorkerRef(ref);
      const grace = gracePeriod(stopOptions.gracePeriodMs, defaultGracePeriodMs);
      if (stopOptions.signal?.aborted) {
        throw new CancelledError(`stop of worker ${ref.workerId}`, {
          cause: stopOptions.signal.reason,
        });
      }
      return api.stop(ref, grace, stopOptions.signal);
    };
  }
  if (capabilities.watch) {
    provider.watch = (
      selector: WorkerSelectorV1,
      watchOptions: WatchOptionsV1,
    ): AsyncIterable<WorkerObservationV1> => {
      ensureOpen();
      assertWorkerSelector(selector);
      if (!(watchOptions?.signal instanceof AbortSignal)) {
        throw new InvalidOptionsError('watch options', [
          { path: 'signal', message: 'must be an AbortSignal (it ends the watch)' },
        ]);
      }
      // Closing the provider ends its watches, as closing a client's connections would.
      return api.watch(selector, AbortSignal.any([watchOptions.signal, closing.signal]));
    };
  }
  if (capabilities.logs) {
    provider.logs = async (ref: WorkerRefV1, logsOptions: LogsOptionsV1 = {}) => {
      ensureOpen();
      assertWorkerRef(ref);
      const tail = logsOptions.tail;
      if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
        throw new InvalidOptionsError('logs options', [
          { path: 'tail', message: 'must be a whole number >= 0' },
        ]);
      }
      return api.logs(ref, tail);
    };
  }
  if (capabilities.leases) {
    provider.leases = Object.freeze({
      async hold(lease: LeaseHoldV1, holdOptions?: LeaseHoldOptionsV1) {
        ensureOpen();
        assertLeaseHold(lease, holdOptions);
        if (holdOptions?.signal?.aborted) {
          throw new CancelledError(`hold of the lease of ${lease.owner}`, {
            cause: holdOptions.signal.reason,
          });
        }
        const { scope, owner, durationMs } = lease;
        return api.leaseHold({ scope, owner, durationMs }, holdOptions?.signal);
      },
      async release(lease: LeaseRefV1) {
        ensureOpen();
        assertLeaseRef(lease);
        return api.leaseRelease({ scope: lease.scope, owner: lease.owner });
      },
      async list(selector: LeaseSelectorV1): Promise<OwnerLeaseV1[]> {
        ensureOpen();
        assertLeaseSelector(selector);
        return api.leaseList(selector.scope === undefined ? {} : { scope: selector.scope });
      },
    });
  }
  if (capabilities.listScopes) {
    provider.listScopes = async () => {
      ensureOpen();
      return api.listScopes();
    };
  }
  if (capabilities.health) {
    provider.health = async (): Promise<ProviderHealthV1> => {
      ensureOpen();
      try {
        return await api.health();
      } catch (error) {
        // An infrastructure that does not answer is unhealthy: reported, not thrown.
        return { healthy: false, message: error instanceof Error ? error.message : String(error) };
      }
    };
  }
  return provider;
}

function optionIssues(options: MemoryProviderOptions): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (options == null || typeof options !== 'object') {
    return [{ path: '', message: 'must be an object' }];
  }
  const known = ['infrastructure', 'providerId', 'clock', 'capabilities', 'defaultGracePeriodMs'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      issues.push({ path: key, message: `unknown option (allowed: ${known.join(', ')})` });
    }
  }
  if (options.providerId !== undefined) {
    const problem =
      typeof options.providerId !== 'string' || options.providerId === ''
        ? 'must be a non-empty string'
        : labelValueProblem(options.providerId);
    if (problem) issues.push({ path: 'providerId', message: problem });
  }
  if (options.infrastructure !== undefined && !isMemoryInfrastructure(options.infrastructure)) {
    issues.push({ path: 'infrastructure', message: 'must come from createMemoryInfrastructure()' });
  }
  if (options.infrastructure !== undefined && options.clock !== undefined) {
    if (
      isMemoryInfrastructure(options.infrastructure) &&
      options.infrastructure.clock !== options.clock
    ) {
      issues.push({
        path: 'clock',
        message:
          'differs from the infrastructure clock; give the clock to createMemoryInfrastructure() only',
      });
    }
  }
  if (options.capabilities !== undefined) {
    if (options.capabilities === null || typeof options.capabilities !== 'object') {
      issues.push({ path: 'capabilities', message: 'must be an object' });
    } else {
      for (const [key, value] of Object.entries(options.capabilities)) {
        if (!capabilityNames.includes(key as keyof ProviderCapabilitiesV1)) {
          issues.push({
            path: `capabilities.${key}`,
            message: `unknown capability (known: ${capabilityNames.join(', ')})`,
          });
        } else if (typeof value !== 'boolean') {
          issues.push({ path: `capabilities.${key}`, message: 'must be true or false' });
        }
      }
    }
  }
  const grace = options.defaultGracePeriodMs;
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0)) {
    issues.push({ path: 'defaultGracePeriodMs', message: 'must be a number of milliseconds >= 0' });
  }
  return issues;
}

function gracePeriod(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionsError('removal options', [
      { path: 'gracePeriodMs', message: 'must be a number of milliseconds >= 0' },
    ]);
  }
  return value;
}
