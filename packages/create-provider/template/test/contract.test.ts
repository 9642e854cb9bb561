/**
 * The provider contract suite (@hodei/lifecycle-testkit): every promise of the contract,
 * against this provider. Point `createProvider` at your real infrastructure once
 * src/infrastructure.ts is your client: the suite is the floor every provider must pass.
 */
import { runProviderContractSuite } from '@hodei/lifecycle-testkit';
import { describe, test } from 'vitest';
import { createProvider } from '../src/index.js';

const image = 'busybox:1.36';

runProviderContractSuite({
  test,
  describe,
  capabilities: createProvider().capabilities,
  createProvider: async () => {
    const provider = createProvider({ pollIntervalMs: 20 });
    return {
      provider,
      countCalls: () => provider.infrastructure.calls,
      cleanup: () => provider.close(),
    };
  },
  fixtures: {
    longRunning: { image, command: ['serve'] },
    completes: (code) => ({ image, command: ['exit', String(code)] }),
    withLogs: { spec: { image, command: ['print', 'one', 'two'] }, lines: ['one', 'two'] },
    invalidSpecs: { 'no command': { image } },
  },
  timeouts: { readyMs: 5_000, completeMs: 5_000, removeMs: 5_000, gracePeriodMs: 100 },
});
