/**
 * Two managers with different scopes share one namespace: neither touches the other's pods,
 * and neither touches pods without its labels (a bare pod, a pod with only part of a stamp).
 */
import { type LifecycleManager, type PolicyInput, withLifecycle } from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  admin,
  createWorkerNamespace,
  deleteNamespace,
  image,
  podsOf,
  providerFor,
  uniqueName,
  type WorkerNamespace,
  waitUntil,
  worker,
} from '../test/support.js';

let ns: WorkerNamespace;
const managers: LifecycleManager[] = [];

beforeAll(async () => {
  ns = await createWorkerNamespace('it-scopes');
});
afterAll(async () => {
  await Promise.all(managers.map((m) => m.close()));
  if (ns) await deleteNamespace(ns.namespace);
});

test('managers of two scopes in one namespace never touch each other, nor unlabelled pods', async () => {
  const { core } = await admin();
  const scopeA = uniqueName('a');
  const scopeB = uniqueName('b');
  // Pods that are nobody's: no labels, and a partial stamp claiming scope A.
  for (const [name, labels] of [
    ['bare-pod', {}],
    ['half-stamped', { 'hodei.io/managed-by': scopeA }],
  ] as const) {
    await core.createNamespacedPod({
      namespace: ns.namespace,
      body: {
        metadata: { name, labels },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] },
      },
    });
  }
  const events = { a: createEventRecorder(), b: createEventRecorder() };
  const policy: PolicyInput = {
    maxLifetime: '5m',
    ttlAfterCompletion: '1s',
    orphanDetectionEnabled: true,
    orphanCheckInterval: '500ms',
  };
  const a = withLifecycle(providerFor(ns).provider, { scope: scopeA, publisher: events.a, policy });
  const b = withLifecycle(providerFor(ns).provider, { scope: scopeB, publisher: events.b, policy });
  managers.push(a, b);
  const bWorkers = await Promise.all([b.createWorker(worker()), b.createWorker(worker())]);
  // A's workers complete and are removed; A resyncs many times meanwhile.
  const aWorkers = await Promise.all([
    a.createWorker(worker({ exitCode: 0, runFor: '1s' })),
    a.createWorker(worker({ exitCode: 1, runFor: '1s' })),
  ]);
  for (const record of aWorkers) {
    await events.a.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === record.workerId, {
      timeoutMs: 30_000,
    });
  }
  const resyncsSoFar = events.a.ofType('GarbageCollectionCompleted').length;
  await waitUntil(
    'manager A to resync four more times',
    async () => events.a.ofType('GarbageCollectionCompleted').length,
    (count) => count >= resyncsSoFar + 4,
  );
  // B's pods are untouched (same uids, not being deleted, still running).
  const bPods = await podsOf(ns.namespace, scopeB);
  expect(bPods.map((p) => p.metadata?.uid).sort()).toEqual(bWorkers.map((w) => w.uid).sort());
  for (const pod of bPods) expect(pod.metadata?.deletionTimestamp).toBeUndefined();
  // The pods without a complete stamp are untouched, and never adopted.
  const all = await podsOf(ns.namespace);
  for (const name of ['bare-pod', 'half-stamped']) {
    const pod = all.find((p) => p.metadata?.name === name);
    expect(pod, name).toBeDefined();
    expect(pod?.metadata?.deletionTimestamp).toBeUndefined();
  }
  expect(events.a.ofType('OrphanWorkerDetected')).toEqual([]);
  const bIds = new Set(bWorkers.map((w) => w.workerId));
  expect(events.a.events.filter((e) => 'workerId' in e && bIds.has(e.workerId))).toEqual([]);
  expect(a.workers().map((w) => w.workerId)).toEqual([]);
  expect(
    b
      .workers()
      .map((w) => w.workerId)
      .sort(),
  ).toEqual([...bIds].sort());
  // And through A's provider API, B's workers cannot be reached.
  for (const record of bWorkers) {
    expect(await a.get({ scope: scopeA, workerId: record.workerId })).toBeUndefined();
    await a.remove({ scope: scopeB, workerId: record.workerId, uid: record.uid });
  }
  expect((await podsOf(ns.namespace, scopeB)).length).toBe(2);
});
