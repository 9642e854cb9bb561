/**
 * The manager on the Kubernetes provider (least-privilege Role, real API server): the
 * testkit's lifecycle conformance suite.
 */
import { runLifecycleConformanceSuite } from '@hodei/lifecycle-testkit';
import { afterAll, describe, test } from 'vitest';
import {
  createWorkerNamespace,
  deleteNamespace,
  providerFor,
  type WorkerNamespace,
  worker,
} from '../test/support.js';

let ns: Promise<WorkerNamespace> | undefined;
const namespace = () => {
  ns ??= createWorkerNamespace('lifecycle');
  return ns;
};

afterAll(async () => {
  if (ns) await deleteNamespace((await ns).namespace);
});

runLifecycleConformanceSuite({
  test,
  describe,
  suiteName: 'kubernetes provider: lifecycle conformance',
  createProvider: async () => {
    const ns = await namespace();
    const connect = () => providerFor(ns, { providerId: 'k8s-lifecycle' }).provider;
    const provider = connect();
    return { provider, anotherInstance: connect, cleanup: () => provider.close() };
  },
  fixtures: {
    longRunning: worker(),
    completes: (exitCode) => worker({ exitCode, runFor: '1s' }),
    neverReady: worker({ neverReady: true }),
  },
  timeouts: {
    readyMs: 20_000,
    completeMs: 20_000,
    removeMs: 20_000,
    gracePeriodMs: 1_000,
    pollIntervalMs: 100,
  },
});
