import { randomUUID } from 'node:crypto';
import type { TerminationReason } from '../events/events.js';
import type { EphemeralWorkerPolicy } from '../policy/policy.js';
import type {
  CreateOptionsV1,
  CreateWorkerRequestV1,
  LogsOptionsV1,
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
import type { WorkerSpec } from '../spec/worker-spec.js';
import type { ResolvedOptions } from './resolve-options.js';
import type {
  CreateWorkerOptions,
  GarbageCollectionSummary,
  LifecycleManager,
  ManagedWorkerInfo,
} from './types.js';

/**
 * The lifecycle switched off (HODEI_LIFECYCLE_ENABLED=false or `enabled: false`): the same
 * interface, but no policy, no events, no cleanup. Workers are still stamped with the
 * ownership labels (without deadline or TTL) and the scope is still respected, so switching
 * the lifecycle back on later finds and adopts them.
 */
export class PassthroughProvider implements LifecycleManager {
  readonly specificationVersion = 'v1' as const;
  readonly enabled = false;
  readonly type: string;
  readonly providerId: string;
  readonly capabilities: ProviderCapabilitiesV1;
  readonly scope: string;
  readonly instanceId: string;
  readonly policy: EphemeralWorkerPolicy;

  stop?: (ref: WorkerRefV1, options?: StopOptionsV1) => Promise<void>;
  watch?: (
    selector: WorkerSelectorV1,
    options: WatchOptionsV1,
  ) => AsyncIterable<WorkerObservationV1>;
  logs?: (ref: WorkerRefV1, options?: LogsOptionsV1) => Promise<string[]>;
  health?: () => Promise<ProviderHealthV1>;

  constructor(
    readonly inner: ProviderV1,
    private readonly options: ResolvedOptions,
  ) {
    this.type = inner.type;
    this.providerId = inner.providerId;
    this.capabilities = inner.capabilities;
    this.scope = options.scope;
    this.instanceId = options.instanceId;
    this.policy = options.policy;
    if (inner.stop) this.stop = inner.stop.bind(inner);
    if (inner.watch) this.watch = inner.watch.bind(inner);
    if (inner.logs) this.logs = inner.logs.bind(inner);
    if (inner.health) this.health = inner.health.bind(inner);
  }

  async start(): Promise<void> {}

  async createWorker(spec: WorkerSpec, options: CreateWorkerOptions = {}): Promise<WorkerRecordV1> {
    validateWorkerSpec(spec);
    return this.inner.create(
      {
        spec,
        ownership: {
          scope: this.scope,
          workerId: options.workerId ?? `w-${randomUUID().replace(/-/g, '').slice(0, 20)}`,
          providerId: this.providerId,
          owner: this.instanceId,
          expiresAt: undefined,
          ttlAfterFinishedSeconds: undefined,
        },
      },
      options.signal ? { signal: options.signal } : {},
    );
  }

  markBusy(_workerId: string): void {}
  markIdle(_workerId: string): void {}

  async terminate(workerId: string, _options: { reason?: TerminationReason } = {}): Promise<void> {
    const ref = { workerId, scope: this.scope };
    await (this.inner.stop ? this.inner.stop(ref) : this.inner.remove(ref));
  }

  worker(_workerId: string): ManagedWorkerInfo | undefined {
    return undefined;
  }

  workers(): ManagedWorkerInfo[] {
    return [];
  }

  async collectGarbage(): Promise<GarbageCollectionSummary> {
    return { workersCleaned: 0, orphansDetected: 0, errors: [], duration: 0 };
  }

  async close(): Promise<void> {
    if (this.options.closeProvider) await this.inner.close?.();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  create(request: CreateWorkerRequestV1, options: CreateOptionsV1 = {}): Promise<WorkerRecordV1> {
    return this.inner.create(
      { ...request, ownership: { ...request.ownership, scope: this.scope } },
      options,
    );
  }

  get(ref: WorkerRefV1): Promise<WorkerRecordV1 | undefined> {
    return ref.scope === this.scope ? this.inner.get(ref) : Promise.resolve(undefined);
  }

  list(selector: WorkerSelectorV1): Promise<WorkerRecordV1[]> {
    return selector.scope === this.scope ? this.inner.list(selector) : Promise.resolve([]);
  }

  async remove(ref: WorkerRefV1, options: RemoveOptionsV1 = {}): Promise<void> {
    if (ref.scope === this.scope) await this.inner.remove(ref, options);
  }
}
