/**
 * The testkit's provider contract suite against the real API server (tools/k8s-env), with the
 * provider running under a ServiceAccount token bound to the shipped Role alone, not as admin.
 */
import { runProviderContractSuite, startFaultProxy } from '@hodei/lifecycle-testkit';
import { afterAll, describe, test } from 'vitest';
import {
  ANN,
  createWorkerNamespace,
  deleteNamespace,
  image,
  KWOK_LOG_LINES,
  providerFor,
  type WorkerNamespace,
  worker,
} from '../test/support.js';

let ns: Promise<WorkerNamespace> | undefined;
const namespace = () => {
  ns ??= createWorkerNamespace('contract');
  return ns;
};

afterAll(async () => {
  if (ns) await deleteNamespace((await ns).namespace);
});

runProviderContractSuite({
  test,
  describe,
  suiteName: 'provider contract v1 (kubernetes, least-privilege Role)',
  createProvider: async () => {
    const ns = await namespace();
    // The provider talks to the API server through a proxy that can cut its connections (TLS
    // passes through): the suite's transient faults and dropped watches.
    const server = /server: https:\/\/([^:\s]+):(\d+)/.exec(ns.kubeconfig);
    if (!server) throw new Error('the test kubeconfig names no https://host:port server');
    const proxy = await startFaultProxy({ host: server[1]!, port: Number(server[2]) });
    const port = 'port' in proxy.address ? proxy.address.port : 0;
    const { provider, calls } = providerFor(
      { ...ns, kubeconfig: ns.kubeconfig.replace(server[0], `server: https://127.0.0.1:${port}`) },
      { providerId: 'k8s-contract' },
    );
    return {
      provider,
      countCalls: calls,
      faults: { failNext: () => proxy.failNext(), dropWatches: () => proxy.dropConnections() },
      // A second client of the same API server and namespace, as a restarted process would make.
      anotherInstance: () => providerFor(ns, { providerId: 'k8s-contract' }).provider,
      cleanup: async () => {
        await provider.close();
        await proxy.close();
      },
    };
  },
  fixtures: {
    longRunning: worker(),
    completes: (exitCode) => worker({ exitCode, runFor: '1s' }),
    neverReady: worker({ neverReady: true }),
    startsSlowly: worker({ annotations: { [ANN.startDelay]: '2s' } }),
    ignoresSigterm: {
      unsupported:
        'kwok runs no processes: a graceful delete completes about 200 ms later, whatever the grace period',
    },
    // kwok serves the same log file for every pod (tools/k8s-env: ClusterLogs).
    withLogs: { spec: worker(), lines: [...KWOK_LOG_LINES] },
    invalidSpecs: {
      'unknown kubernetes extension field': {
        image,
        extensions: { kubernetes: { hostNetwork: true } },
      },
      'invalid node selector value': {
        image,
        extensions: { kubernetes: { nodeSelector: { zone: 'not valid!' } } },
      },
      'toleration with a value and operator Exists': {
        image,
        extensions: { kubernetes: { tolerations: [{ key: 'a', operator: 'Exists', value: 'b' }] } },
      },
      'negative runAsUser': {
        image,
        extensions: { kubernetes: { securityContext: { runAsUser: -1 } } },
      },
      'service account name with capitals': {
        image,
        extensions: { kubernetes: { serviceAccountName: 'Not-A-Name' } },
      },
    },
  },
  timeouts: {
    readyMs: 20_000,
    completeMs: 20_000,
    removeMs: 20_000,
    gracePeriodMs: 1_000,
    pollIntervalMs: 100,
  },
});
