/**
 * How a pod's end is told, on the real API server:
 * - a pod that Succeeded (or Failed) before a manager adopted it, after its stamped deadline,
 *   ends JobCompleted with its exit code (not LifetimeExceeded);
 * - a TTL is never cut short: Kubernetes reports finishedAt in whole seconds (truncated), so
 *   it counts from when the end was seen, and the DELETE never comes before that plus the TTL.
 */
import {
  type LifecycleManager,
  type WatchOptionsV1,
  type WorkerSelectorV1,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  createWorkerNamespace,
  deleteNamespace,
  podsOf,
  uniqueName,
  type WorkerNamespace,
  waitUntil,
  worker,
} from '../test/support.js';
import { createKubernetesProvider, type KubernetesProvider } from './index.js';

let ns: WorkerNamespace;
const managers: LifecycleManager[] = [];

beforeAll(async () => {
  ns = await createWorkerNamespace('it-endings');
});
afterAll(async () => {
  for (const manager of managers) await manager.close();
  if (ns) await deleteNamespace(ns.namespace);
});

interface Request {
  readonly method: string;
  readonly path: string;
  readonly at: number;
}

/** A provider on the namespace's token (the Role alone), logging each request with its time. */
function provider(log: Request[] = []) {
  return createKubernetesProvider({
    namespace: ns.namespace,
    kubeconfig: ns.kubeconfig,
    providerId: 'k8s-it',
    defaultGracePeriodMs: 1_000,
    forceDeleteAfterMs: 2_000,
    onRequest: (request) => {
      log.push({ method: request.method, path: request.path, at: Date.now() });
    },
  });
}

test('pods that ended before their adopter arrived, past their deadline, end JobCompleted with their exit codes', async () => {
  const scope = uniqueName('end-adopt');
  const bare = provider();
  const expiresAt = new Date(Date.now() + 4_000);
  const stamp = (workerId: string) => ({
    scope,
    workerId,
    providerId: 'k8s-it',
    owner: 'gone-manager', // a manager that died before the jobs ended
    expiresAt,
    ttlAfterFinishedSeconds: 2,
  });
  const ok = await bare.create({
    spec: worker({ exitCode: 0, runFor: '1s' }),
    ownership: stamp('ok'),
  });
  const broken = await bare.create({
    spec: worker({ exitCode: 3, runFor: '1s' }),
    ownership: stamp('broken'),
  });
  await waitUntil(
    'both pods to end and their stamped deadline to pass',
    async () => ({ pods: await podsOf(ns.namespace, scope), now: Date.now() }),
    ({ pods, now }) =>
      now > expiresAt.getTime() + 500 &&
      pods.length === 2 &&
      pods.every((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'),
  );
  await bare.close();

  const events = createEventRecorder();
  const adopter = withLifecycle(provider(), {
    scope,
    instanceId: 'adopter',
    publisher: events,
    policy: { maxLifetime: '1h', ttlAfterCompletion: '1h', orphanCheckInterval: '2s' },
  });
  managers.push(adopter);
  await adopter.start();
  for (const [record, exitCode] of [
    [ok, 0],
    [broken, 3],
  ] as const) {
    const ended = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === record.workerId,
      { timeoutMs: 30_000 },
    );
    expect([ended.reason, ended.exitCode]).toEqual(['JobCompleted', exitCode]);
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: 30_000 },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
  }
  events.expectNone('WorkerEphemeralTerminating');
  await waitUntil(
    `no pod of scope ${scope}`,
    () => podsOf(ns.namespace, scope),
    (pods) => pods.length === 0,
  );
});

test('a TTL is never cut short: it counts from when the end was seen, and the DELETE waits for it', async () => {
  const scope = uniqueName('end-ttl');
  const log: Request[] = [];
  const inner = provider(log);
  // When the manager's watch first delivered each pod as ended: the earliest it can know.
  const seenEnded = new Map<string, number>();
  const watched = Object.assign(Object.create(inner) as KubernetesProvider, {
    async *watch(selector: WorkerSelectorV1, options: WatchOptionsV1) {
      for await (const observation of inner.watch(selector, options)) {
        if (observation.type === 'upsert' && observation.worker.phase === 'succeeded') {
          if (!seenEnded.has(observation.worker.workerId))
            seenEnded.set(observation.worker.workerId, Date.now());
        }
        yield observation;
      }
    },
  });
  const events = createEventRecorder();
  const manager = withLifecycle(watched, {
    scope,
    publisher: events,
    policy: {
      maxLifetime: '5m',
      ttlAfterCompletion: '1s',
      gracefulTerminationTimeout: '1s',
      orphanCheckInterval: '30s',
    },
  });
  managers.push(manager);
  const records = await Promise.all(
    [1, 2, 3].map(() => manager.createWorker(worker({ exitCode: 0, runFor: '1s' }))),
  );
  for (const record of records) {
    const ended = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === record.workerId,
      { timeoutMs: 30_000 },
    );
    expect(ended.reason).toBe('JobCompleted');
    const seenAt = seenEnded.get(record.workerId)!;
    expect(seenAt).toBeDefined();
    // Kubernetes reported finishedAt truncated to the second: earlier than this. The TTL
    // counts from the observation, so the removal announced is a full TTL after it.
    const ttlExpiresAt = ended.ttlExpiresAt!.getTime();
    expect(ttlExpiresAt - seenAt).toBeGreaterThanOrEqual(1_000);
    expect(ttlExpiresAt).toBeGreaterThan(ended.occurredAt.getTime());
    await events.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === record.workerId, {
      timeoutMs: 30_000,
    });
    const deletes = log.filter((r) => r.method === 'DELETE' && r.path.includes(record.workerId));
    expect(deletes.length).toBeGreaterThanOrEqual(1);
    expect(deletes[0]!.at).toBeGreaterThanOrEqual(ttlExpiresAt);
  }
  await waitUntil(
    `no pod of scope ${scope}`,
    () => podsOf(ns.namespace, scope),
    (pods) => pods.length === 0,
  );
});
