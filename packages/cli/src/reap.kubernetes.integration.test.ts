/**
 * The reaper on a real Kubernetes API server (tools/k8s-env), as the built command in a child
 * process, under the shipped reaper ServiceAccount's token only (deploy/kubernetes/reaper):
 * every shipped manifest passes a server-side dry run; a manager is SIGKILLed with 20 workers
 * (half finishing, half running) and never restarts; `reap --watch` removes every one within
 * one interval of its stamped time (the kubelet ends the running ones at their deadline), as
 * `explain` predicted; another scope's pod and an unlabelled pod survive. Then `gc --dry-run`
 * lists exactly what `gc` does, under the same token.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubernetesProvider } from '@hodei/lifecycle-provider-kubernetes';
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  loadAllYaml,
  VersionApi,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  actionsOf,
  delayOf,
  ensureBuilt,
  kill,
  type ManagerProcess,
  percentile,
  type RunningBin,
  runBin,
  startBin,
  startManager,
  uniqueName,
  waitUntil,
} from '../test/support.js';

const KUBECONFIG = process.env.HODEI_K8S_KUBECONFIG ?? '/tmp/hodei-k8s-env/admin.kubeconfig';
const INTERVAL_MS = 2_000;
const SLACK_MS = 1_500;
const manifests = new URL('../../../deploy/kubernetes/reaper/', import.meta.url);
const namespace = uniqueName('e2e-reaper').slice(0, 40);
const scope = uniqueName('reap');
const otherScope = uniqueName('other');
const kc = new KubeConfig();
let core: CoreV1Api;
let objects: KubernetesObjectApi;
let manager: ManagerProcess | undefined;
let reaper: RunningBin | undefined;
let reaperKubeconfig = '';

/** A shipped manifest's objects, in this test's namespace. */
function manifest(file: string): KubernetesObject[] {
  const text = readFileSync(new URL(file, manifests), 'utf8').replaceAll(
    'namespace: hodei-workers',
    `namespace: ${namespace}`,
  );
  return loadAllYaml(text) as KubernetesObject[];
}

const podsOf = async (s?: string) =>
  (
    await core.listNamespacedPod({
      namespace,
      ...(s ? { labelSelector: `hodei.io/managed-by=${s}` } : {}),
    })
  ).items;

beforeAll(async () => {
  try {
    kc.loadFromFile(KUBECONFIG);
    await kc.makeApiClient(VersionApi).getCode();
  } catch (error) {
    throw new Error(
      `the Kubernetes API server (kubeconfig ${KUBECONFIG}) is not reachable: start it with tools/k8s-env/bin/up (${String(error)})`,
    );
  }
  core = kc.makeApiClient(CoreV1Api);
  objects = KubernetesObjectApi.makeApiClient(kc);
  ensureBuilt();
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'test.hodei.io/suite': 'lifecycle-cli' } } },
  });
  await waitUntil(
    `ServiceAccount ${namespace}/default (kube-controller-manager)`,
    () =>
      core
        .readNamespacedServiceAccount({ name: 'default', namespace })
        .then(() => true)
        .catch(() => false),
    (found) => found,
    30_000,
  );
});

afterAll(async () => {
  if (manager) await kill(manager.child);
  await reaper?.stop().catch(() => undefined);
  const pods = await podsOf().catch(() => []);
  await Promise.all(
    pods.map((pod) =>
      core
        .deleteNamespacedPod({ name: pod.metadata!.name!, namespace, gracePeriodSeconds: 0 })
        .catch(() => undefined),
    ),
  );
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

test('every shipped manifest passes a server-side dry run (dryRun=All)', async () => {
  for (const file of ['rbac.yaml', 'deployment.yaml', 'cronjob.yaml']) {
    for (const object of manifest(file)) {
      const created = await objects.create(object, undefined, 'All').catch((error: unknown) => {
        throw new Error(`${file}: ${object.kind} ${object.metadata?.name}: ${String(error)}`);
      });
      expect(created.metadata?.namespace).toBe(namespace);
    }
  }
  // Nothing was made.
  expect(
    (await core.listNamespacedServiceAccount({ namespace })).items.map((sa) => sa.metadata?.name),
  ).not.toContain('hodei-reaper');
});

test("the reaper under its ServiceAccount's token: a SIGKILLed manager's 20 workers removed within one interval of their stamped time; bystanders survive", async () => {
  // The reaper's identity, for real: rbac.yaml, and a token from the TokenRequest API.
  for (const object of manifest('rbac.yaml')) await objects.create(object);
  const token = (
    await core.createNamespacedServiceAccountToken({
      name: 'hodei-reaper',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3_600 } },
    })
  ).status?.token;
  if (!token) throw new Error('the TokenRequest API returned no token');
  const cluster = kc.getCurrentCluster()!;
  reaperKubeconfig = join(tmpdir(), `${namespace}-reaper.kubeconfig`);
  writeFileSync(
    reaperKubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: env, cluster: { server: '${cluster.server}', certificate-authority-data: '${cluster.caData ?? ''}' } }]`,
      `users: [{ name: hodei-reaper, user: { token: '${token}' } }]`,
      `contexts: [{ name: reaper, context: { cluster: env, user: hodei-reaper, namespace: '${namespace}' } }]`,
      'current-context: reaper',
      '',
    ].join('\n'),
  );
  // The token is the reaper's alone: it may not create pods.
  const asReaper = new KubeConfig();
  asReaper.loadFromFile(reaperKubeconfig);
  await expect(
    asReaper.makeApiClient(CoreV1Api).createNamespacedPod({
      namespace,
      body: { metadata: { name: 'nope' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    }),
  ).rejects.toThrow(/403|forbidden/i);

  const pod = (annotations: Record<string, string> = {}) => ({
    image: 'busybox:1.36',
    command: ['sleep', '3600'],
    annotations,
  });
  const adminYaml = readFileSync(KUBECONFIG, 'utf8');
  manager = await startManager({
    provider: 'kubernetes',
    namespace,
    kubeconfig: adminYaml,
    scope,
    instanceId: 'doomed-manager',
    // Its owner lease runs out 3 s after the SIGKILL, long before any stamp is due: until then
    // the reaper leaves its workers to it.
    lease: { durationMs: 3_000 },
    policy: { maxLifetime: '25s', ttlAfterCompletion: '12s', gracefulTerminationTimeout: '1s' },
    specs: [
      ...Array.from({ length: 10 }, () =>
        pod({ 'test.hodei.io/exit-code': '0', 'test.hodei.io/run-for': '1s' }),
      ),
      ...Array.from({ length: 10 }, () => pod()),
    ],
  });
  await kill(manager.child);
  const workers = manager.workers;
  expect(workers).toHaveLength(20);

  // Bystanders: another scope's pod (its stamps soon due) and an unlabelled pod.
  const other = createKubernetesProvider({ namespace, kubeconfig: adminYaml, providerId: 'other' });
  await other.create({
    spec: pod(),
    ownership: {
      scope: otherScope,
      workerId: 'other-scope-worker',
      providerId: 'other',
      owner: 'gone-manager',
      expiresAt: new Date(Date.now() + 3_000),
      ttlAfterFinishedSeconds: 0,
    },
  });
  await other.close();
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'unlabelled' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
    },
  });

  await waitUntil(
    'the 10 finishing pods to succeed',
    async () => (await podsOf(scope)).filter((p) => p.status?.phase === 'Succeeded').length,
    (n) => n >= 10,
    30_000,
  );
  const args = [
    '--provider',
    'kubernetes',
    '--kubeconfig',
    reaperKubeconfig,
    '--namespace',
    namespace,
  ];
  const explained = await runBin([
    'explain',
    ...workers.map((w) => w.workerId),
    ...args,
    '--scope',
    scope,
    '--json',
  ]);
  expect(explained.code, explained.err).toBe(0);
  const predicted = new Map<
    string,
    { action: string; reason: string; at: string; byInfrastructure: boolean }[]
  >(
    (JSON.parse(explained.out) as { view: { workerId: string }; steps: [] }[]).map((e) => [
      e.view.workerId,
      e.steps,
    ]),
  );
  expect(predicted.size).toBe(20);
  const firstDue = Math.min(
    ...[...predicted.values()].map((steps) => Date.parse(steps[0]?.at ?? 'none')),
  );
  expect(firstDue - Date.now()).toBeGreaterThan(INTERVAL_MS);

  reaper = startBin([
    'reap',
    '--watch',
    '--interval',
    `${INTERVAL_MS / 1000}s`,
    ...args,
    '--scope',
    scope,
    '--json',
  ]);
  const uids = new Set(workers.map((w) => w.uid));
  await waitUntil(
    `the reaper to remove the 20 pods of ${scope} (stderr: ${reaper.stderr().slice(-500)})`,
    async () => (await podsOf(scope)).filter((p) => uids.has(p.metadata!.uid!)).length,
    (n) => n === 0,
    90_000,
  );
  expect(await reaper.stop()).toBe(0);

  const actions = actionsOf(reaper.lines);
  // The owner is dead (its lease ran out) or absent (its lease is gone), never alive.
  expect(new Set(actions.map((a) => (a as { ownerState?: string }).ownerState))).not.toContain(
    'alive',
  );
  expect(
    actions.every((a) => a.outcome === 'done'),
    reaper.stderr(),
  ).toBe(true);
  // Only removals: the kubelet stopped the running ones at their deadline (no patch right).
  expect(actions.every((a) => a.action === 'remove')).toBe(true);
  expect(new Set(actions.map((a) => a.uid))).toEqual(uids);
  for (const action of actions) {
    expect(delayOf(action), action.workerId).toBeGreaterThanOrEqual(0);
    expect(delayOf(action), action.workerId).toBeLessThanOrEqual(INTERVAL_MS + SLACK_MS);
  }
  // explain predicted each end: the infrastructure's stop, then the reaper's removal, within one
  // interval (plus a second: Kubernetes reports the end in whole seconds, and the TTL of a pod
  // first seen finished counts from a second after it, so it is never cut short).
  for (const { workerId } of workers) {
    const steps = predicted.get(workerId)!;
    const removal = steps.find((s) => s.action === 'remove')!;
    expect(steps.filter((s) => !s.byInfrastructure).map((s) => s.action)).toEqual(['remove']);
    const done = actions.find((a) => a.workerId === workerId)!;
    expect(done.reason).toBe(removal.reason);
    const off = Date.parse(done.at) - Date.parse(removal.at);
    const what = `${workerId}: predicted ${removal.at}, done ${done.at}`;
    expect(off, what).toBeGreaterThanOrEqual(-SLACK_MS);
    expect(off, what).toBeLessThanOrEqual(INTERVAL_MS + SLACK_MS + 1_000);
  }
  const passes = reaper.lines.filter((l) => l.type === 'pass') as {
    providerCalls: Record<string, number>;
    httpRequests: number;
  }[];
  for (const pass of passes) expect(pass.providerCalls.list).toBe(1);
  const remove = actions.map(delayOf);
  console.log(
    `[measure] kubernetes reaper, interval ${INTERVAL_MS} ms: TTL end -> removal p50 ${percentile(remove, 50)} ms, max ${Math.max(...remove)} ms; HTTP requests per pass: ${[...new Set(passes.map((p) => p.httpRequests))].join(', ')}`,
  );

  const left = await podsOf();
  expect(left.map((p) => p.metadata?.name).sort()).toEqual(expect.arrayContaining(['unlabelled']));
  expect(
    left.filter((p) => p.metadata?.labels?.['hodei.io/managed-by'] === otherScope),
  ).toHaveLength(1);
});

test('gc --dry-run lists exactly what the following gc does (under the reaper token)', async () => {
  expect(reaperKubeconfig, 'the reaper test made its kubeconfig').not.toBe('');
  const gcScope = uniqueName('gc');
  const provider = createKubernetesProvider({
    namespace,
    kubeconfig: readFileSync(KUBECONFIG, 'utf8'),
    providerId: 'gc-e2e',
  });
  const stamp = (workerId: string, ttl: number) => ({
    scope: gcScope,
    workerId,
    providerId: 'gc-e2e',
    owner: 'gone-manager',
    expiresAt: new Date(Date.now() + 600_000),
    ttlAfterFinishedSeconds: ttl,
  });
  const finishing = {
    image: 'busybox:1.36',
    command: ['sleep', '3600'],
    annotations: { 'test.hodei.io/exit-code': '0', 'test.hodei.io/run-for': '1s' },
  };
  await provider.create({ spec: finishing, ownership: stamp('finished', 0) });
  await provider.create({ spec: finishing, ownership: stamp('kept', 600) });
  await provider.create({
    spec: { image: 'busybox:1.36', command: ['sleep', '3600'] },
    ownership: stamp('young', 60),
  });
  await waitUntil(
    "'finished' and 'kept' to succeed",
    async () => (await podsOf(gcScope)).filter((p) => p.status?.phase === 'Succeeded').length,
    (n) => n === 2,
    30_000,
  );
  const args = ['--provider', 'kubernetes', '--kubeconfig', reaperKubeconfig];
  const scoped = [...args, '--namespace', namespace, '--scope', gcScope, '--json'];
  const dry = await runBin(['gc', '--dry-run', ...scoped]);
  expect(dry.code, dry.err).toBe(0);
  const real = await runBin(['gc', ...scoped]);
  expect(real.code, real.err).toBe(0);
  const key = (line: string) => {
    const a = JSON.parse(line);
    return `${a.workerId} ${a.uid} ${a.action} ${a.reason}`;
  };
  const planned = dry.out.trim().split('\n').map(key);
  expect(real.out.trim().split('\n').map(key)).toEqual(planned);
  expect(planned.map((k) => k.split(' ')[0])).toEqual(['finished']);
  await waitUntil(
    "'finished' to be gone, the others kept",
    async () =>
      (await podsOf(gcScope)).map((p) => p.metadata?.labels?.['hodei.io/worker-id']).sort(),
    (ids) => ids.join(',') === 'kept,young',
    30_000,
  );
  await provider.close();
});
