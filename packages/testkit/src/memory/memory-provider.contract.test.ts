import { describe, test } from 'vitest';
import { runProviderContractSuite } from '../contract/index.js';
import { memoryContractFixtures, memoryProviderUnderTest } from './index.js';

/** Short bounds: the memory provider answers in microseconds. */
const timeouts = {
  readyMs: 2_000,
  completeMs: 2_000,
  removeMs: 2_000,
  gracePeriodMs: 200,
  longGracePeriodMs: 2_000,
  stableMs: 100,
  pollIntervalMs: 2,
};

runProviderContractSuite({
  test,
  describe,
  suiteName: 'memory provider: contract v1',
  createProvider: async () => memoryProviderUnderTest(),
  fixtures: memoryContractFixtures,
  timeouts,
});

// The infrastructure can enforce deadlines and TTLs itself: those promises are checked too.
runProviderContractSuite({
  test,
  describe,
  suiteName: 'memory provider with native deadline and TTL: contract v1',
  only: ['provider.', 'native.'],
  createProvider: async () =>
    memoryProviderUnderTest({ capabilities: { nativeDeadline: true, nativeTtl: true } }),
  fixtures: memoryContractFixtures,
  timeouts,
});
