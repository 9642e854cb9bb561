/**
 * The lifecycle on a real API server (tools/k8s-env), through withLifecycle, with the provider
 * on the least-privilege Role's token. Each test has its own scope in the file's namespace.
 */
import {
  InvalidSpecError,
  type LifecycleManager,
  type LifecycleOptions,
  OwnershipKeys,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { createEventRecorder, type EventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  admin,
  type CountingProvider,
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
import { podName } from './index.js';

let ns: WorkerNamespace;
const managers: LifecycleManager[] = [];
const T = 30_000;

beforeAll(async () => {
  ns = await createWorkerNamespace('it-lifecycle');
});
afterAll(async () => {
  await Promise.all(managers.map((m) => m.close()));
  if (ns) await deleteNamespace(ns.namespace);
});

interface Harness {
  readonly manager: LifecycleManager;
  readonly events: EventRecorder;
  readonly counting: CountingProvider;
  readonly scope: string;
}

function manage(
  policy: LifecycleOptions['policy'],
  options: Partial<LifecycleOptions> = {},
): Harness {
  const scope = uniqueName('s');
  const events = createEventRecorder();
  const counting = providerFor(ns);
  const manager = withLifecycle(counting.provider, {
    scope,
    publisher: events,
    policy,
    retryDelay: '200ms',
    ...options,
  });
  managers.push(manager);
  return { manager, events, counting, scope };
}

const podGone = (scope: string, workerId: string) =>
  waitUntil(
    `pod ${podName(scope, workerId)} to be deleted from namespace ${ns.namespace}`,
    () => podsOf(ns.namespace, scope),
    (pods) => !pods.some((p) => p.metadata?.labels?.[OwnershipKeys.workerId] === workerId),
    T,
  );

describe('lifecycle on Kubernetes', () => {
  test('a completed worker is removed when its TTL runs out', async () => {
    const { manager, events, scope } = manage({ ttlAfterCompletion: '2s', maxLifetime: '5m' });
    const record = await manager.createWorker(worker({ exitCode: 0, runFor: '1s' }));
    const terminated = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(terminated.reason).toBe('JobCompleted');
    expect(terminated.exitCode).toBe(0);
    expect(terminated.cleanupScheduled).toBe(true);
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
    events.expectSequence(record.workerId, [
      'WorkerEphemeralCreated',
      'WorkerEphemeralReady',
      'WorkerEphemeralTerminated',
      'WorkerEphemeralCleanedUp',
    ]);
    await podGone(scope, record.workerId);
    expect(manager.workers()).toEqual([]);
  });

  test('a worker past its deadline ends Failed (DeadlineExceeded) and is then cleaned up', async () => {
    const { manager, events, scope } = manage({ maxLifetime: '3s', ttlAfterCompletion: '3s' });
    const record = await manager.createWorker(worker());
    const terminated = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(terminated.reason).toBe('LifetimeExceeded');
    expect(terminated.exitCode).toBe(137);
    // The pod itself was ended by the kubelet's activeDeadlineSeconds (lowered by stop).
    const [pod] = await podsOf(ns.namespace, scope);
    expect(pod?.status?.phase).toBe('Failed');
    expect(pod?.status?.reason).toBe('DeadlineExceeded');
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
    await podGone(scope, record.workerId);
  });

  test('the kubelet enforces the stamped deadline by itself (activeDeadlineSeconds), without a manager', async () => {
    const { provider } = providerFor(ns);
    const scope = uniqueName('native');
    const created = await provider.create({
      spec: worker(),
      ownership: {
        scope,
        workerId: 'native-1',
        providerId: provider.providerId,
        owner: 'nobody',
        expiresAt: new Date(Date.now() + 2_000),
        ttlAfterFinishedSeconds: 0,
      },
    });
    const ended = await waitUntil(
      `worker native-1 to end by its activeDeadlineSeconds`,
      () => provider.get({ scope, workerId: 'native-1' }),
      (r) => r?.phase === 'failed',
      T,
    );
    expect(ended?.reason).toBe('DeadlineExceeded');
    expect(ended?.exitCode).toBe(137);
    await provider.remove({ scope, workerId: 'native-1', uid: created.uid }, { gracePeriodMs: 0 });
    await provider.close();
  });

  test('a worker that is never ready is removed at its startupTimeout and confirmed gone', async () => {
    const { manager, events, scope } = manage({ startupTimeout: '2s', maxLifetime: '5m' });
    const record = await manager.createWorker(worker({ neverReady: true }));
    const terminating = await events.waitFor(
      'WorkerEphemeralTerminating',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(terminating.reason).toBe('StartupTimeout');
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(cleaned.cleanupReason).toBe('WorkerError');
    events.expectNone('WorkerEphemeralReady');
    await podGone(scope, record.workerId);
  });

  test('a failed worker is retained for retainOnFailure rather than its TTL', async () => {
    const { manager, events, scope } = manage({
      ttlAfterCompletion: '1s',
      retainOnFailure: '6s',
      maxLifetime: '5m',
    });
    const record = await manager.createWorker(worker({ exitCode: 3, runFor: '1s' }));
    const terminated = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(terminated.exitCode).toBe(3);
    expect(manager.worker(record.workerId)?.state).toBe('Failed');
    // retainOnFailure (6 s) counts from the finish, not the 1 s TTL.
    const retainedFor = (terminated.ttlExpiresAt?.getTime() ?? 0) - terminated.occurredAt.getTime();
    expect(retainedFor).toBeGreaterThan(3_000);
    expect(retainedFor).toBeLessThanOrEqual(6_000);
    // Still there (readable, with its exit code) while retained.
    const kept = await manager.get({ scope, workerId: record.workerId });
    expect(kept?.exitCode).toBe(3);
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
    await podGone(scope, record.workerId);
  });

  test('a pod deleted out of band is reported as a lost worker and closed', async () => {
    const { manager, events, scope } = manage({ maxLifetime: '5m' });
    const record = await manager.createWorker(worker());
    await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === record.workerId, {
      timeoutMs: T,
    });
    const { core } = await admin();
    await core.deleteNamespacedPod({
      name: podName(scope, record.workerId),
      namespace: ns.namespace,
      gracePeriodSeconds: 0,
    });
    const orphan = await events.waitFor(
      'OrphanWorkerDetected',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(orphan.kind).toBe('lost-worker');
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(cleaned.cleanupReason).toBe('OrphanDetected');
    expect(manager.worker(record.workerId)).toBeUndefined();
  });

  test('a terminated worker is stopped (its pod stays, Failed) until its TTL, then removed', async () => {
    const { manager, events, scope } = manage({ ttlAfterCompletion: '3s', maxLifetime: '5m' });
    const record = await manager.createWorker(worker());
    await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === record.workerId, {
      timeoutMs: T,
    });
    await manager.terminate(record.workerId);
    expect(manager.worker(record.workerId)?.state).toBe('Terminated');
    const stopped = await manager.get({ scope, workerId: record.workerId });
    expect(stopped?.phase).toBe('failed');
    expect(stopped?.removing).toBe(false);
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: T },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
    await podGone(scope, record.workerId);
  });

  test('a pod stuck in Terminating past its grace period is force-deleted', async () => {
    const { manager, events, scope } = manage({
      maxLifetime: '5m',
      gracefulTerminationTimeout: '1s',
    });
    const record = await manager.createWorker(worker({ stuck: true }));
    await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === record.workerId, {
      timeoutMs: T,
    });
    await manager.remove({ scope, workerId: record.workerId });
    await podGone(scope, record.workerId);
    const cleaned = events.ofType('WorkerEphemeralCleanedUp');
    expect(cleaned.map((e) => e.workerId)).toEqual([record.workerId]);
  });

  test('bad specs are typed errors before any request, and no pod is made', async () => {
    const { manager, counting, scope } = manage({ maxLifetime: '5m' });
    await manager.start();
    const before = counting.calls();
    const bad = [
      { image: 'Not An Image' },
      { image, labels: { 'hodei.io/owner': 'me' } },
      { image, resources: { memory: '1Ki' } },
      { image, extensions: { kubernetes: { tolerations: [{ key: 'a', effect: 'Never' }] } } },
      { image, extensions: { kubernetes: { nodeSelector: { type: 'kw ok' } } } },
      { image, extensions: { kubernetes: { securityContext: { runAsUser: 'root' } } } },
    ];
    for (const spec of bad) {
      let error: unknown;
      try {
        await manager.createWorker(spec as Parameters<typeof manager.createWorker>[0]);
      } catch (e) {
        error = e;
      }
      expect(InvalidSpecError.isInstance(error), JSON.stringify(spec)).toBe(true);
    }
    expect(counting.calls() - before).toBe(0);
    expect(await podsOf(ns.namespace, scope)).toEqual([]);
  });
});
