/** The manager on the Docker provider: the testkit's lifecycle conformance suite. */
import { runLifecycleConformanceSuite } from '@hodei/lifecycle-testkit';
import { beforeAll, describe, test } from 'vitest';
import { requireEngine, TEST_IMAGE, worker } from '../test/support.js';
import { createDockerProvider } from './index.js';

beforeAll(requireEngine);

runLifecycleConformanceSuite({
  test,
  describe,
  suiteName: 'docker provider: lifecycle conformance',
  createProvider: async () => {
    const connect = () =>
      createDockerProvider({ providerId: 'docker-lifecycle', leaseImage: TEST_IMAGE });
    const provider = connect();
    return { provider, anotherInstance: connect, cleanup: () => provider.close() };
  },
  fixtures: {
    longRunning: worker(),
    completes: (exitCode) => worker({ WORKER_SLEEP: '1', WORKER_EXIT_CODE: String(exitCode) }),
    neverReady: worker({ WORKER_NEVER_READY: '1' }),
  },
  timeouts: { readyMs: 20_000, completeMs: 20_000, removeMs: 20_000, gracePeriodMs: 1_000 },
});
