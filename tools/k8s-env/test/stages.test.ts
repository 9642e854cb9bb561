// The fake kubelet behaviours (tools/k8s-env/stages/pod.yaml) the Kubernetes provider tests rely on,
// plus the environment features (scheduler, TokenRequest). FAILS if the API server is unreachable.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ANN,
  connect,
  createTestNamespace,
  isNotFound,
  isReady,
  mergePatchPod,
  NODE_NAME,
  podSpec,
  sleep,
  waitForPod,
  waitForPodGone,
} from './env.js';

const ns = `k8s-env-stages-${randomBytes(3).toString('hex')}`;
const T = 60_000;

beforeAll(async () => {
  const { core } = await connect().catch(() => ({ core: undefined }));
  if (core) await createTestNamespace(core, ns);
}, 30_000);

afterAll(async () => {
  const { core } = await connect().catch(() => ({ core: undefined }));
  if (!core) return;
  // stuck-terminating pods would block namespace deletion: force-delete everything first.
  const pods = await core.listNamespacedPod({ namespace: ns }).catch(() => undefined);
  for (const p of pods?.items ?? []) {
    await core
      .deleteNamespacedPod({ name: p.metadata!.name!, namespace: ns, gracePeriodSeconds: 0 })
      .catch(() => undefined);
  }
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
}, 30_000);

describe.concurrent('kwok pod stages', () => {
  test(
    "non-zero exit code: Failed with the container's exit code",
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({
        namespace: ns,
        body: podSpec('exit-3', { annotations: { [ANN.exitCode]: '3', [ANN.runFor]: '1s' } }),
      });
      const pod = await waitForPod(
        core,
        ns,
        'exit-3',
        'Failed',
        (p) => p.status?.phase === 'Failed',
      );
      const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
      expect(term?.exitCode).toBe(3);
      expect(term?.reason).toBe('Error');
    },
    T,
  );

  test(
    'no exit-code annotation: a worker stays Running and Ready',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({ namespace: ns, body: podSpec('worker') });
      await waitForPod(
        core,
        ns,
        'worker',
        'Running and Ready',
        (p) => p.status?.phase === 'Running' && isReady(p),
      );
      await sleep(4_000);
      const pod = await core.readNamespacedPod({ name: 'worker', namespace: ns });
      expect(pod.status?.phase).toBe('Running');
      expect(isReady(pod)).toBe(true);
      expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    },
    T,
  );

  test(
    'pod without nodeName is placed on the kwok node by kube-scheduler',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({
        namespace: ns,
        body: podSpec('scheduled', {
          bind: 'scheduler',
          annotations: { [ANN.exitCode]: '0', [ANN.runFor]: '1s' },
        }),
      });
      const pod = await waitForPod(
        core,
        ns,
        'scheduled',
        'Succeeded',
        (p) => p.status?.phase === 'Succeeded',
      );
      expect(pod.spec?.nodeName).toBe(NODE_NAME);
    },
    T,
  );

  test(
    'pod logs are served through the API server (kwok ClusterLogs)',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({ namespace: ns, body: podSpec('logs') });
      const pod = await waitForPod(
        core,
        ns,
        'logs',
        'Running',
        (p) => p.status?.phase === 'Running',
      );
      const container = pod.spec?.containers[0]?.name ?? '';
      const log = await core.readNamespacedPodLog({ name: 'logs', namespace: ns, container });
      expect(log.trim().split('\n')).toEqual(['hello', 'from kwok']);
      const tail = await core.readNamespacedPodLog({
        name: 'logs',
        namespace: ns,
        container,
        tailLines: 1,
      });
      expect(tail.trim()).toBe('from kwok');
    },
    T,
  );

  test(
    'never-ready: Running but Ready=false',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({
        namespace: ns,
        body: podSpec('never-ready', { annotations: { [ANN.neverReady]: 'true' } }),
      });
      await waitForPod(core, ns, 'never-ready', 'Running', (p) => p.status?.phase === 'Running');
      await sleep(3_000);
      const pod = await core.readNamespacedPod({ name: 'never-ready', namespace: ns });
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
      expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    },
    T,
  );

  test(
    'activeDeadlineSeconds: Failed with reason DeadlineExceeded',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({
        namespace: ns,
        body: podSpec('deadline', { activeDeadlineSeconds: 2 }),
      });
      await waitForPod(core, ns, 'deadline', 'Running', (p) => p.status?.phase === 'Running');
      const pod = await waitForPod(
        core,
        ns,
        'deadline',
        'Failed/DeadlineExceeded',
        (p) => p.status?.phase === 'Failed',
      );
      expect(pod.status?.reason).toBe('DeadlineExceeded');
      expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toBeDefined();
    },
    T,
  );

  test(
    'deadline shorter than run-for wins over the exit code',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({
        namespace: ns,
        body: podSpec('deadline-first', {
          activeDeadlineSeconds: 2,
          annotations: { [ANN.exitCode]: '0', [ANN.runFor]: '30s' },
        }),
      });
      const pod = await waitForPod(
        core,
        ns,
        'deadline-first',
        'Failed/DeadlineExceeded',
        (p) => p.status?.phase === 'Failed',
      );
      expect(pod.status?.reason).toBe('DeadlineExceeded');
    },
    T,
  );

  test(
    'lowering activeDeadlineSeconds on a running pod: Failed with reason DeadlineExceeded',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({
        namespace: ns,
        body: podSpec('lowered', { activeDeadlineSeconds: 3600 }),
      });
      await waitForPod(core, ns, 'lowered', 'Running', (p) => p.status?.phase === 'Running');
      await sleep(1_500);
      expect((await core.readNamespacedPod({ name: 'lowered', namespace: ns })).status?.phase).toBe(
        'Running',
      );
      await mergePatchPod(core, ns, 'lowered', { spec: { activeDeadlineSeconds: 1 } });
      const pod = await waitForPod(
        core,
        ns,
        'lowered',
        'Failed/DeadlineExceeded',
        (p) => p.status?.phase === 'Failed',
        15_000,
      );
      expect(pod.status?.reason).toBe('DeadlineExceeded');
    },
    T,
  );

  test(
    'graceful delete of a running pod completes',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({ namespace: ns, body: podSpec('graceful') });
      await waitForPod(core, ns, 'graceful', 'Running', (p) => p.status?.phase === 'Running');
      await core.deleteNamespacedPod({ name: 'graceful', namespace: ns }); // default grace period (30s)
      await waitForPodGone(core, ns, 'graceful', 15_000);
    },
    T,
  );

  test(
    'stuck-terminating: graceful delete never completes, force delete does',
    async () => {
      const { core } = await connect();
      await core.createNamespacedPod({
        namespace: ns,
        body: podSpec('stuck', { annotations: { [ANN.stuckTerminating]: 'true' } }),
      });
      await waitForPod(core, ns, 'stuck', 'Running', (p) => p.status?.phase === 'Running');
      await core.deleteNamespacedPod({ name: 'stuck', namespace: ns });
      await sleep(4_000);
      const pod = await core.readNamespacedPod({ name: 'stuck', namespace: ns });
      expect(pod.metadata?.deletionTimestamp).toBeDefined();
      expect(pod.status?.phase).toBe('Running');
      await core.deleteNamespacedPod({ name: 'stuck', namespace: ns, gracePeriodSeconds: 0 });
      await waitForPodGone(core, ns, 'stuck', 10_000);
      await expect(core.readNamespacedPod({ name: 'stuck', namespace: ns })).rejects.toSatisfy(
        isNotFound,
      );
    },
    T,
  );
});

test(
  'TokenRequest API: a token can be created for a ServiceAccount',
  async () => {
    const { core } = await connect();
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'default',
      namespace: 'default',
      body: { spec: { audiences: ['hodei-test'], expirationSeconds: 600 } },
    });
    expect(tr.status?.token?.split('.')).toHaveLength(3);
  },
  T,
);
