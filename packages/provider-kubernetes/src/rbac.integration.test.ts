/**
 * The shipped Role is enough for the provider and nothing more: with its ServiceAccount's
 * token, the provider works in its namespace, and secrets, other resources, other namespaces
 * and cluster-scoped reads are forbidden.
 */
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  createWorkerNamespace,
  deleteNamespace,
  providerFor,
  uniqueName,
  type WorkerNamespace,
  worker,
} from '../test/support.js';

let ns: WorkerNamespace;
let other: WorkerNamespace;

beforeAll(async () => {
  ns = await createWorkerNamespace('it-rbac');
  other = await createWorkerNamespace('it-rbac-other');
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns.namespace);
  if (other) await deleteNamespace(other.namespace);
});

async function statusOf(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

test('with the Role alone the provider creates, lists, stops and removes pods', async () => {
  const { provider } = providerFor(ns);
  const scope = uniqueName('rbac');
  const created = await provider.create({
    spec: worker(),
    ownership: {
      scope,
      workerId: 'rbac-1',
      providerId: provider.providerId,
      owner: 'rbac-test',
      expiresAt: new Date(Date.now() + 60_000),
      ttlAfterFinishedSeconds: 1,
    },
  });
  expect((await provider.list({ scope })).map((r) => r.uid)).toEqual([created.uid]);
  expect(await provider.health()).toMatchObject({ healthy: true });
  await provider.stop({ scope, workerId: 'rbac-1' }); // patch
  await provider.remove({ scope, workerId: 'rbac-1', uid: created.uid }, { gracePeriodMs: 0 });
  expect(await provider.get({ scope, workerId: 'rbac-1' })).toBeUndefined();
  await provider.close();
});

test('the token cannot touch secrets, other resources, other namespaces or the cluster', async () => {
  const kc = new KubeConfig();
  kc.loadFromString(ns.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = ns.namespace;
  expect(await statusOf(core.listNamespacedPod({ namespace }))).toBe('ok');
  expect(await statusOf(core.listNamespacedSecret({ namespace }))).toBe(403);
  expect(await statusOf(core.listNamespacedConfigMap({ namespace }))).toBe(403);
  expect(await statusOf(core.listNamespacedServiceAccount({ namespace }))).toBe(403);
  expect(
    await statusOf(
      core.createNamespacedSecret({ namespace, body: { metadata: { name: 'stolen' } } }),
    ),
  ).toBe(403);
  expect(
    await statusOf(
      core.createNamespacedPodBinding({
        name: 'x',
        namespace,
        body: { metadata: { name: 'x' }, target: { kind: 'Node', name: 'kwok-node-0' } },
      }),
    ),
  ).toBe(403);
  expect(await statusOf(core.listNamespacedPod({ namespace: other.namespace }))).toBe(403);
  expect(await statusOf(core.listNamespacedPod({ namespace: 'default' }))).toBe(403);
  expect(await statusOf(core.listNode())).toBe(403);
  expect(await statusOf(core.listNamespace())).toBe(403);
  expect(await statusOf(core.listPodForAllNamespaces())).toBe(403);
  // pods/exec and pods/attach are not granted either (create on the subresource).
  expect(
    await statusOf(core.connectPostNamespacedPodExec({ name: 'x', namespace, command: 'sh' })),
  ).toBe(403);
});
