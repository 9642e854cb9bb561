import { describe, test } from 'vitest';
import { runLifecycleConformanceSuite } from '../lifecycle/index.js';
import { memoryContractFixtures, memoryProviderUnderTest } from './index.js';

runLifecycleConformanceSuite({
  test,
  describe,
  suiteName: 'memory provider: lifecycle conformance',
  createProvider: async () => memoryProviderUnderTest(),
  fixtures: memoryContractFixtures,
  timeouts: {
    readyMs: 2_000,
    completeMs: 2_000,
    removeMs: 2_000,
    gracePeriodMs: 200,
    pollIntervalMs: 5,
  },
  durations: {
    maxLifetimeMs: 1_500,
    ttlMs: 1_000,
    startupTimeoutMs: 500,
    orphanCheckIntervalMs: 300,
  },
});
