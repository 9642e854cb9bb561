/**
 * Test helpers for the manager's tests (not exported from the package): a manual clock, a
 * shared in-memory infrastructure, an event recorder and a manager wired together.
 */
import {
  createEventRecorder,
  createManualClock,
  createMemoryInfrastructure,
  createMemoryProvider,
  type MemoryInfrastructure,
  type MemoryProviderCapabilities,
  type MemoryWorkerBehaviour,
} from '@hodei/lifecycle-testkit';
import type { LifecycleOptions } from '../src/manager/types.js';
import { withLifecycle } from '../src/manager/with-lifecycle.js';
import type { PolicyInput } from '../src/policy/policy.js';
import type { WorkerSpec } from '../src/spec/worker-spec.js';

export const testPolicy: PolicyInput = {
  maxLifetime: '10m',
  ttlAfterCompletion: '1m',
  idleTimeout: '2m',
  gracefulTerminationTimeout: '10s',
  autoCleanupEnabled: true,
  orphanDetectionEnabled: true,
  orphanCheckInterval: '30s',
};

export function workerSpec(
  behaviour: MemoryWorkerBehaviour = {},
  extra: Partial<WorkerSpec> = {},
): WorkerSpec {
  return { image: 'worker:1', ...extra, extensions: { memory: behaviour } };
}

export interface SetupOptions {
  options?: LifecycleOptions;
  capabilities?: MemoryProviderCapabilities;
  infrastructure?: MemoryInfrastructure;
  clock?: ReturnType<typeof createManualClock>;
}

export function setup({ options = {}, capabilities, infrastructure, clock }: SetupOptions = {}) {
  const theClock = clock ?? createManualClock();
  const infra = infrastructure ?? createMemoryInfrastructure({ clock: theClock });
  const provider = createMemoryProvider({
    infrastructure: infra,
    ...(capabilities ? { capabilities } : {}),
  });
  const events = createEventRecorder();
  const manager = withLifecycle(provider, {
    clock: theClock,
    publisher: events,
    scope: 'test',
    instanceId: 'manager-a',
    policy: testPolicy,
    ...options,
  });
  return { clock: theClock, infrastructure: infra, provider, events, manager };
}
