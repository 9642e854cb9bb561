import { describe, test } from 'vitest';
import { runProviderContractSuite } from '../contract/index.js';
import {
  createMemoryInfrastructure,
  createMemoryProvider,
  defaultMemoryCapabilities,
} from './index.js';

const image = 'busybox:1.36';

runProviderContractSuite({
  test,
  describe,
  capabilities: defaultMemoryCapabilities,
  createProvider: async () => {
    const infrastructure = createMemoryInfrastructure();
    const provider = createMemoryProvider({ infrastructure, providerId: 'memory-contract' });
    return {
      provider,
      countCalls: () => infrastructure.calls.total,
      cleanup: () => provider.close(),
    };
  },
  fixtures: {
    longRunning: { image, extensions: { memory: { startupDelayMs: 2, readyAfterMs: 3 } } },
    completes: (exitCode) => ({ image, extensions: { memory: { runForMs: 5, exitCode } } }),
    withLogs: {
      spec: { image, extensions: { memory: { logLines: ['one', 'two', 'three'] } } },
      lines: ['one', 'two', 'three'],
    },
    invalidSpecs: {
      'negative startup delay': { image, extensions: { memory: { startupDelayMs: -1 } } },
      'unknown memory field': { image, extensions: { memory: { sleepForever: true } } },
    },
  },
  timeouts: {
    readyMs: 2_000,
    completeMs: 2_000,
    removeMs: 2_000,
    gracePeriodMs: 50,
    pollIntervalMs: 2,
  },
});
