/**
 * The snippets of packages/provider-kubernetes/README.md, run against the real API server of
 * tools/k8s-env (tools/k8s-env/bin/up) so they cannot rot; docs/snippets.mjs checks that the
 * README shows exactly these regions.
 *
 * They work in namespace `ci-workers`, as the README does: made fresh here (a leftover of an
 * interrupted run is deleted first) and deleted afterwards. The Role of the snippet is applied
 * as admin; the provider of the smallest program runs with its ServiceAccount's token alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OwnershipKeys, withLifecycle } from '@hodei/lifecycle-core';
import { type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { createKubernetesProvider, renderRole, roleRules } from '../src/index.js';
import { admin, deleteNamespace, podsOf, tokenKubeconfig, waitUntil } from './support.js';

const namespace = 'ci-workers';
const dir = mkdtempSync(join(tmpdir(), 'hodei-readme-'));

async function namespaceExists(): Promise<boolean> {
  const { core } = await admin();
  return core
    .readNamespace({ name: namespace })
    .then(() => true)
    .catch(() => false);
}

beforeAll(async () => {
  const { core } = await admin();
  if (await namespaceExists()) {
    await deleteNamespace(namespace);
    await waitUntil(
      `namespace ${namespace} (a leftover) to be deleted`,
      namespaceExists,
      (e) => !e,
    );
  }
  await core.createNamespace({
    body: {
      metadata: { name: namespace, labels: { 'test.hodei.io/suite': 'provider-kubernetes' } },
    },
  });
  // Pod admission needs the namespace's default ServiceAccount (made by the controller manager).
  await waitUntil(
    `ServiceAccount ${namespace}/default (kube-controller-manager)`,
    () =>
      core
        .readNamespacedServiceAccount({ name: 'default', namespace })
        .then(() => true)
        .catch(() => false),
    (found) => found,
  );
});

afterAll(async () => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
  if (await namespaceExists()) await deleteNamespace(namespace);
});

test('README: the Role, rendered for another namespace and applied', async () => {
  const { kc } = await admin();
  // #region role
  const { yaml, objects } = renderRole({ namespace: 'ci-workers', name: 'hodei-lifecycle' });
  // kubectl apply -f - <<< "$yaml", or create `objects` with your client
  // #endregion role
  expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding']);
  expect(yaml).toContain('kind: RoleBinding');
  expect(objects[1]).toMatchObject({
    metadata: { name: 'hodei-lifecycle', namespace },
    rules: roleRules,
  });
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) await client.create(object as KubernetesObject);
});

test('README: the smallest program, with the Role token alone', async () => {
  // The token of the Role's ServiceAccount (previous test), found through KUBECONFIG.
  const { core, kc } = await admin();
  const request = await core.createNamespacedServiceAccountToken({
    name: 'hodei-lifecycle',
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3_600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error('the TokenRequest API returned no token');
  const cluster = kc.getCurrentCluster()!;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    tokenKubeconfig(cluster.server, cluster.caData ?? '', token, 'default'),
  );
  vi.stubEnv('KUBECONFIG', kubeconfig);

  // #region smallest
  await using workers = withLifecycle(createKubernetesProvider({ namespace: 'ci-workers' }), {
    policy: { maxLifetime: '30m', ttlAfterCompletion: '5m' },
  });
  const worker = await workers.createWorker({
    image: 'busybox:1.36',
    command: ['sh', '-c', 'echo hello; sleep 30'],
    resources: { cpu: '500m', memory: '256Mi' },
    extensions: { kubernetes: { nodeSelector: { 'kubernetes.io/os': 'linux' } } },
  });
  // #endregion smallest
  const pods = await podsOf(namespace);
  const pod = pods.find((p) => p.metadata?.uid === worker.uid);
  expect(pod?.metadata?.labels?.[OwnershipKeys.workerId]).toBe(worker.workerId);
  expect(pod?.spec?.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
  expect(pod?.spec?.containers[0]?.command).toEqual(['sh', '-c', 'echo hello; sleep 30']);
  // Requests equal to limits (Guaranteed QoS); the memory quantity normalised to bytes.
  const quantities = { cpu: '500m', memory: String(256 * 2 ** 20) };
  expect(pod?.spec?.containers[0]?.resources).toMatchObject({
    requests: quantities,
    limits: quantities,
  });
  // maxLifetime: the kubelet ends the pod on its own at the deadline too.
  expect(pod?.spec?.activeDeadlineSeconds).toBeGreaterThan(29 * 60);
  expect(pod?.spec?.activeDeadlineSeconds).toBeLessThanOrEqual(30 * 60);
  // Scheduled on a node carrying the selector's label, and running.
  await waitUntil(
    `worker ${worker.workerId} to be ready`,
    () => workers.get({ workerId: worker.workerId, scope: 'default' }),
    (record) => record?.phase === 'running' && record.ready,
  );
});
