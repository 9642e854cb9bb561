/** The manager on the process provider: the testkit's lifecycle conformance suite. */
import { runLifecycleConformanceSuite } from '@hodei/lifecycle-testkit';
import { describe, test } from 'vitest';
import { createProcessProvider, ProcessHost } from './index.ts';

const image = 'local/process';

runLifecycleConformanceSuite({
  test,
  describe,
  suiteName: 'process provider: lifecycle conformance',
  createProvider: async () => {
    const host = new ProcessHost(); // a fresh "node" per test
    const connect = () => createProcessProvider({ host, providerId: 'process-lifecycle' });
    const provider = connect();
    return { provider, anotherInstance: connect, cleanup: () => provider.close() };
  },
  fixtures: {
    longRunning: { image, command: ['sleep', '600'] },
    completes: (code) => ({ image, command: ['sh', '-c', `exit ${code}`] }),
    neverReady: {
      image,
      command: ['sleep', '600'],
      extensions: { process: { readyOnLine: 'never printed' } },
    },
  },
  timeouts: { readyMs: 5_000, completeMs: 5_000, removeMs: 5_000, gracePeriodMs: 500 },
});
