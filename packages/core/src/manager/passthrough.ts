import { randomUUID } from 'node:crypto';
import type {
  CreateOptionsV1,
  CreateWorkerRequestV1,
  ProviderV1,
  RemoveOptionsV1,
  WorkerRecordV1,
  WorkerRefV1,
} from '../provider/v1/provider-v1.js';
import { validateWorkerRequest } from '../spec/validate-worker-request.js';
import type { WorkerSpec } from '../spec/worker-spec.js';
import type { ResolvedOptions } from './resolve-options.js';
import { ScopedDecorator } from './scoped-decorator.js';
import type {
  CreateWorkerOptions,
  GarbageCollectionSummary,
  LifecycleManager,
  ManagedWorkerInfo,
  TerminateOptions,
} from './types.js';

/**
 * The lifecycle switched off (HODEI_LIFECYCLE_ENABLED=false or `enabled: false`): the same
 * interface, but no policy, no events, no cleanup. Workers are still stamped with the
 * ownership labels (without deadline or TTL) and the scope is still respected, so switching
 * the lifecycle back on later finds and adopts them.
 */
export class PassthroughProvider extends ScopedDecorator implements LifecycleManager {
  readonly enabled = false;

  constructor(inner: ProviderV1, options: ResolvedOptions) {
    super(inner, options);
    if (inner.stop) {
      const stop = inner.stop.bind(inner);
      this.stop = (ref, opts) => (ref.scope === this.scope ? stop(ref, opts) : Promise.resolve());
    }
  }

  async start(): Promise<void> {}

  async createWorker(spec: WorkerSpec, options: CreateWorkerOptions = {}): Promise<WorkerRecordV1> {
    validateWorkerRequest(spec, { workerId: options.workerId, basePolicy: this.policy });
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

  async terminate(workerId: string, options: TerminateOptions = {}): Promise<void> {
    const ref = { workerId, scope: this.scope };
    const grace =
      options.gracePeriodMs === undefined ? {} : { gracePeriodMs: options.gracePeriodMs };
    await (this.inner.stop ? this.inner.stop(ref, grace) : this.inner.remove(ref, grace));
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

  create(request: CreateWorkerRequestV1, options: CreateOptionsV1 = {}): Promise<WorkerRecordV1> {
    return this.inner.create(
      { ...request, ownership: { ...request.ownership, scope: this.scope } },
      options,
    );
  }

  async remove(ref: WorkerRefV1, options: RemoveOptionsV1 = {}): Promise<void> {
    if (ref.scope === this.scope) await this.inner.remove(ref, options);
  }
}
