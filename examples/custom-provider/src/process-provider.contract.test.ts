// #region suite
import { runProviderContractSuite } from '@hodei/lifecycle-testkit';
import { describe, test } from 'vitest';
import { createProcessProvider, ProcessHost, processCapabilities } from './index.ts';

const image = 'local/process';

runProviderContractSuite({
  test,
  describe,
  capabilities: processCapabilities,
  createProvider: async () => {
    const host = new ProcessHost(); // a fresh "node" per test
    const provider = createProcessProvider({ host, providerId: 'process-contract' });
    return { provider, countCalls: () => host.calls.total, cleanup: () => provider.close() };
  },
  fixtures: {
    longRunning: { image, command: ['sleep', '600'] },
    completes: (code) => ({ image, command: ['sh', '-c', `exit ${code}`] }),
    withLogs: {
      spec: { image, command: ['sh', '-c', 'echo one; echo two; echo three; sleep 600'] },
      lines: ['one', 'two', 'three'],
    },
    invalidSpecs: {
      'no command': { image },
      'an image': { image: 'busybox:1.36', command: ['true'] },
    },
  },
  timeouts: { readyMs: 5_000, completeMs: 5_000, removeMs: 5_000, gracePeriodMs: 500 },
});
// #endregion suite
