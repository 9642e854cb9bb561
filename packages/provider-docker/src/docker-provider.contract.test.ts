import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProviderContractSuite, startFaultProxy } from '@hodei/lifecycle-testkit';
import { beforeAll, describe, test } from 'vitest';
import {
  engineSocketPath,
  readyProbe,
  requireEngine,
  TEST_IMAGE,
  worker,
} from '../test/support.js';
import { createDockerProvider } from './index.js';

beforeAll(requireEngine);

runProviderContractSuite({
  test,
  describe,
  suiteName: 'docker provider: contract v1',
  createProvider: async () => {
    let calls = 0;
    // The provider talks to the engine through a proxy that can cut its connections: the
    // suite's transient faults and dropped watches.
    const proxy = await startFaultProxy(
      { path: engineSocketPath() },
      { listenPath: join(tmpdir(), `hodei-docker-faults-${randomUUID()}.sock`) },
    );
    const socketPath = 'path' in proxy.address ? proxy.address.path : '';
    const provider = createDockerProvider({
      providerId: 'docker-contract',
      leaseImage: TEST_IMAGE,
      socketPath,
      onRequest: () => {
        calls += 1;
      },
    });
    return {
      provider,
      countCalls: () => calls,
      faults: { failNext: () => proxy.failNext(), dropWatches: () => proxy.dropConnections() },
      // A second client of the same engine, as a restarted process would make.
      anotherInstance: () =>
        createDockerProvider({ providerId: 'docker-contract', leaseImage: TEST_IMAGE }),
      cleanup: async () => {
        await provider.close();
        await proxy.close();
      },
    };
  },
  fixtures: {
    longRunning: worker(),
    completes: (exitCode) => worker({ WORKER_SLEEP: '1', WORKER_EXIT_CODE: String(exitCode) }),
    ignoresSigterm: worker({ WORKER_IGNORE_SIGTERM: '1' }),
    neverReady: worker({ WORKER_NEVER_READY: '1' }),
    startsSlowly: worker({ WORKER_READY_AFTER: '2' }),
    // Prints three lines, then exits quietly on SIGTERM (the image's /worker would log it).
    withLogs: {
      spec: worker(
        {},
        {
          command: ['/bin/sh', '-c'],
          args: [
            'for i in 1 2 3; do echo "log line $i"; done; trap "exit 143" TERM; sleep 3600 & wait',
          ],
        },
      ),
      lines: ['log line 1', 'log line 2', 'log line 3'],
    },
    invalidSpecs: {
      'unknown docker extension field': {
        image: TEST_IMAGE,
        extensions: { docker: { hostPid: true } },
      },
      'privileged without allowPrivileged': {
        image: TEST_IMAGE,
        extensions: { docker: { privileged: true } },
      },
      'relative bind mount': {
        image: TEST_IMAGE,
        extensions: { docker: { mounts: [{ type: 'bind', source: 'data', target: '/data' }] } },
      },
      'healthcheck without command': {
        image: TEST_IMAGE,
        extensions: { docker: { healthcheck: { ...readyProbe, command: [] } } },
      },
      'cpu below 0.01': { image: TEST_IMAGE, resources: { cpu: '5m' } },
      'annotation clashing with a label': {
        image: TEST_IMAGE,
        labels: { team: 'a' },
        annotations: { team: 'b' },
      },
    },
  },
  timeouts: { readyMs: 20_000, completeMs: 20_000, removeMs: 20_000, gracePeriodMs: 1_000 },
});
