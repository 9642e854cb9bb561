import { randomBytes } from 'node:crypto';
import {
  type LifecycleManager,
  type PolicyInput,
  type ProviderV1,
  withLifecycle,
} from '@hodei/lifecycle-core';
import {
  type ContractContext,
  type ContractContextState,
  createContractContext,
} from '../contract/contract-context.js';
import type {
  ProviderContractFixtures,
  ProviderUnderTest,
  ResolvedTimeouts,
} from '../contract/contract-options.js';
import { createEventRecorder, type EventRecorder } from '../events/event-recorder.js';
import type { ResolvedDurations } from './lifecycle-options.js';

export interface ManagerUnderTest {
  readonly manager: LifecycleManager;
  /** Every event the manager published. */
  readonly events: EventRecorder;
}

export interface ManagerOptions {
  /** The provider the manager wraps. Default: the test's provider. */
  readonly provider?: ProviderV1;
  /** Default: a fresh id per manager. */
  readonly instanceId?: string;
  /** Fields over the suite's short policy. */
  readonly policy?: PolicyInput;
  /** Default: the test's scope. */
  readonly scope?: string;
}

/** The contract suite's context, plus managers with the suite's short policy. */
export interface LifecycleContext extends ContractContext {
  readonly durations: ResolvedDurations;
  /** The policy every manager of the suite starts from. */
  readonly policy: PolicyInput;
  /** A manager on the provider (closed after the test; the workers are left to the cleanup). */
  manager(options?: ManagerOptions): ManagerUnderTest;
}

export function createLifecycleContext(
  underTest: ProviderUnderTest,
  fixtures: LifecycleFixtures,
  timeouts: ResolvedTimeouts,
  durations: ResolvedDurations,
  scopePrefix: string,
): LifecycleContext & ContractContextState {
  const base = createContractContext(
    underTest,
    fixtures as ProviderContractFixtures,
    timeouts,
    scopePrefix,
  );
  const policy: PolicyInput = {
    maxLifetime: '1h',
    ttlAfterCompletion: durations.ttlMs,
    gracefulTerminationTimeout: timeouts.gracePeriodMs,
    autoCleanupEnabled: true,
    orphanDetectionEnabled: true,
    orphanCheckInterval: durations.orphanCheckIntervalMs,
  };
  return Object.assign(base, {
    durations,
    policy,
    manager(options: ManagerOptions = {}): ManagerUnderTest {
      const events = createEventRecorder();
      const manager = withLifecycle(options.provider ?? underTest.provider, {
        scope: options.scope ?? base.scope,
        instanceId: options.instanceId ?? `conformance-${randomBytes(3).toString('hex')}`,
        publisher: events,
        policy: { ...policy, ...options.policy },
        retryDelay: 200,
        maxRetryDelay: 1_000,
        readinessPollInterval: Math.min(500, durations.orphanCheckIntervalMs),
        // The suite closes the providers itself: a closed manager must not take them along.
        closeProvider: false,
        enabled: true,
      });
      base.defer(() => manager.close());
      return { manager, events };
    },
  });
}

export type LifecycleFixtures = Pick<
  ProviderContractFixtures,
  'longRunning' | 'completes' | 'neverReady'
>;
