import type { EphemeralWorkerPolicy } from '../policy/policy.js';
import type {
  LogsOptionsV1,
  ProviderCapabilitiesV1,
  ProviderHealthV1,
  ProviderV1,
  StopOptionsV1,
  WatchOptionsV1,
  WorkerObservationV1,
  WorkerRecordV1,
  WorkerRefV1,
  WorkerSelectorV1,
} from '../provider/v1/provider-v1.js';
import type { ResolvedOptions } from './resolve-options.js';

/**
 * What the manager and its passthrough share: a provider decorator bound to one scope. Reads
 * and optional methods go to the wrapped provider, and a request for any other scope is
 * answered as if nothing were there, so neither ever touches another scope's workers.
 */
export abstract class ScopedDecorator {
  readonly specificationVersion = 'v1' as const;
  readonly type: string;
  readonly providerId: string;
  readonly capabilities: ProviderCapabilitiesV1;
  readonly scope: string;
  readonly instanceId: string;
  readonly policy: EphemeralWorkerPolicy;
  readonly policyPreset: string;

  // Optional methods exist exactly when the wrapped provider has them.
  stop?: (ref: WorkerRefV1, options?: StopOptionsV1) => Promise<void>;
  watch?: (
    selector: WorkerSelectorV1,
    options: WatchOptionsV1,
  ) => AsyncIterable<WorkerObservationV1>;
  logs?: (ref: WorkerRefV1, options?: LogsOptionsV1) => Promise<string[]>;
  health?: () => Promise<ProviderHealthV1>;

  constructor(
    readonly inner: ProviderV1,
    protected readonly options: ResolvedOptions,
  ) {
    this.type = inner.type;
    this.providerId = inner.providerId;
    this.capabilities = scopedCapabilities(inner.capabilities);
    this.scope = options.scope;
    this.instanceId = options.instanceId;
    this.policy = options.policy;
    this.policyPreset = options.policyPreset;
    if (inner.watch) {
      const watch = inner.watch.bind(inner);
      this.watch = (selector, opts) =>
        selector.scope === this.scope ? watch(selector, opts) : emptyObservations();
    }
    if (inner.logs) {
      const logs = inner.logs.bind(inner);
      this.logs = (ref, opts) => (ref.scope === this.scope ? logs(ref, opts) : Promise.resolve([]));
    }
    if (inner.health) this.health = inner.health.bind(inner);
  }

  get(ref: WorkerRefV1): Promise<WorkerRecordV1 | undefined> {
    return ref.scope === this.scope ? this.inner.get(ref) : Promise.resolve(undefined);
  }

  list(selector: WorkerSelectorV1): Promise<WorkerRecordV1[]> {
    return selector.scope === this.scope ? this.inner.list(selector) : Promise.resolve([]);
  }

  abstract close(): Promise<void>;

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * The wrapped provider's capabilities, less those a decorator bound to one scope does not
 * pass on: the leases are the manager's own (it holds its instance's lease), and other scopes
 * are not its business.
 */
function scopedCapabilities(capabilities: ProviderCapabilitiesV1): ProviderCapabilitiesV1 {
  if (capabilities.leases === undefined && capabilities.listScopes === undefined) {
    return capabilities;
  }
  const { leases: _leases, listScopes: _listScopes, ...rest } = capabilities;
  return Object.freeze(rest);
}

async function* emptyObservations(): AsyncIterable<WorkerObservationV1> {}
