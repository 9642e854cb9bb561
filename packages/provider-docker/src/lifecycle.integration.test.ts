/**
 * The lifecycle manager over the real engine: policies enforced on real containers, out-of-band
 * removals, scopes kept apart, refusals typed. Every test uses its own scope; afterAll
 * force-removes whatever a failing test may have left.
 */
import {
  InvalidSpecError,
  type LifecycleManager,
  OwnershipKeys,
  type PolicyInput,
  ProviderError,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { createEventRecorder, type EventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  containersOf,
  docker,
  purgeScopes,
  requireEngine,
  TEST_IMAGE,
  uniqueScope,
  waitUntil,
  worker,
} from '../test/support.js';
import { createDockerProvider } from './index.js';

const scopes = new Set<string>();
const managers: LifecycleManager[] = [];
const EVENT_WAIT = { timeoutMs: 30_000 };

const basePolicy: PolicyInput = {
  maxLifetime: '5m',
  ttlAfterCompletion: '3s',
  gracefulTerminationTimeout: '1s',
  orphanDetectionEnabled: true,
  orphanCheckInterval: '2s',
};

function managed(
  name: string,
  policy: PolicyInput = {},
): { manager: LifecycleManager; events: EventRecorder; scope: string } {
  const scope = uniqueScope(name);
  scopes.add(scope);
  const events = createEventRecorder();
  const manager = withLifecycle(
    createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE }),
    {
      scope,
      policy: { ...basePolicy, ...policy },
      publisher: events,
      retryDelay: '250ms',
      maxRetryDelay: '2s',
    },
  );
  managers.push(manager);
  return { manager, events, scope };
}

/** The container's engine state, or undefined when it is gone. */
async function engineState(uid: string): Promise<string | undefined> {
  try {
    return (await docker.getContainer(uid).inspect()).State.Status;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

beforeAll(requireEngine);
afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.close();
});
afterAll(() => purgeScopes(scopes));

describe('docker provider under the lifecycle manager', () => {
  test('a completed worker is kept for its TTL, then removed (TtlExpired)', async () => {
    const { manager, events } = managed('it-ttl', { ttlAfterCompletion: '3s' });
    const record = await manager.createWorker(worker({ WORKER_SLEEP: '1', WORKER_LOG_LINES: '2' }));
    const id = record.workerId;

    const terminated = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === id,
      EVENT_WAIT,
    );
    expect(terminated.reason).toBe('JobCompleted');
    expect(terminated.exitCode).toBe(0);
    expect(terminated.cleanupScheduled).toBe(true);
    expect(terminated.lastLogLines).toEqual(['log line 1', 'log line 2']);
    // Kept (stopped, logs readable) until the TTL runs out.
    expect(await engineState(record.uid)).toBe('exited');

    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === id,
      EVENT_WAIT,
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
    expect(await engineState(record.uid)).toBeUndefined();
    events.expectContains(id, [
      'WorkerEphemeralCreated',
      'WorkerEphemeralTerminated',
      'WorkerEphemeralCleanedUp',
    ]);
    events.expectNone('OrphanWorkerDetected', id);
    expect(manager.worker(id)).toBeUndefined();
  });

  test('maxLifetime stops a running worker; its TTL then removes it', async () => {
    const { manager, events } = managed('it-lifetime', {
      maxLifetime: '4s',
      ttlAfterCompletion: '3s',
    });
    const record = await manager.createWorker(worker({ WORKER_LOG_LINES: '1' }));
    const id = record.workerId;
    const created = await events.waitFor('WorkerEphemeralCreated', (e) => e.workerId === id);
    // The deadline is stamped on the container, where any manager of the scope can read it.
    const labels = (await docker.getContainer(record.uid).inspect()).Config.Labels;
    expect(labels[OwnershipKeys.expiresAt]).toBe(created.expiresAt.toISOString());
    expect(labels[OwnershipKeys.ttlAfterFinished]).toBe('3');

    await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === id, EVENT_WAIT);
    const terminating = await events.waitFor(
      'WorkerEphemeralTerminating',
      (e) => e.workerId === id,
      EVENT_WAIT,
    );
    expect(terminating.reason).toBe('LifetimeExceeded');
    const terminated = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === id,
      EVENT_WAIT,
    );
    expect(terminated.reason).toBe('LifetimeExceeded');
    expect(terminated.exitCode).toBe(143); // the worker's SIGTERM handler
    expect(terminated.lastLogLines).toEqual([
      'log line 1',
      'worker: received SIGTERM, exiting 143',
    ]);
    expect(await engineState(record.uid)).toBe('exited'); // stopped, not yet removed

    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === id,
      EVENT_WAIT,
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
    expect(await engineState(record.uid)).toBeUndefined();
  });

  test('startupTimeout removes a worker that never becomes ready', async () => {
    const { manager, events } = managed('it-startup', { startupTimeout: '3s' });
    const record = await manager.createWorker(worker({ WORKER_NEVER_READY: '1' }));
    const id = record.workerId;
    const terminating = await events.waitFor(
      'WorkerEphemeralTerminating',
      (e) => e.workerId === id,
      EVENT_WAIT,
    );
    expect(terminating.reason).toBe('StartupTimeout');
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === id,
      EVENT_WAIT,
    );
    expect(cleaned.cleanupReason).toBe('WorkerError');
    expect(await engineState(record.uid)).toBeUndefined();
    events.expectNone('WorkerEphemeralReady', id);
  });

  test('retainOnFailure keeps a failed worker until its own TTL; a success goes at once', async () => {
    const { manager, events } = managed('it-retain', {
      ttlAfterCompletion: 0,
      retainOnFailure: '4s',
    });
    const failing = await manager.createWorker(
      worker({ WORKER_SLEEP: '1', WORKER_EXIT_CODE: '3' }),
    );
    const passing = await manager.createWorker(worker({ WORKER_SLEEP: '1' }));

    const failed = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === failing.workerId,
      EVENT_WAIT,
    );
    expect(failed.exitCode).toBe(3);
    expect(failed.ttlExpiresAt).not.toBeNull();
    const info = manager.worker(failing.workerId);
    expect(info?.state).toBe('Failed');
    // Kept for retainOnFailure (4 s) after it finished, not for the 0 s TTL.
    expect(info?.cleanupAt?.getTime()).toBe(failed.ttlExpiresAt?.getTime());
    expect(await engineState(failing.uid)).toBe('exited');

    const passed = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === passing.workerId,
      EVENT_WAIT,
    );
    expect(passed.cleanupReason).toBe('NormalTermination');

    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === failing.workerId,
      EVENT_WAIT,
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
    expect(await engineState(failing.uid)).toBeUndefined();
    // The failed worker outlived the successful one although it finished at the same time.
    const order = events.events
      .filter((e) => e.type === 'WorkerEphemeralCleanedUp')
      .map((e) => ('workerId' in e ? e.workerId : ''));
    expect(order).toEqual([passing.workerId, failing.workerId]);
  });

  test('docker rm -f from outside: OrphanWorkerDetected (lost-worker) and the worker is closed', async () => {
    const { manager, events } = managed('it-lost');
    const record = await manager.createWorker(worker());
    const id = record.workerId;
    await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === id, EVENT_WAIT);

    await docker.getContainer(record.uid).remove({ force: true });

    const orphan = await events.waitFor(
      'OrphanWorkerDetected',
      (e) => e.workerId === id,
      EVENT_WAIT,
    );
    expect(orphan.kind).toBe('lost-worker');
    const cleaned = await events.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === id);
    expect(cleaned.cleanupReason).toBe('OrphanDetected');
    expect(manager.worker(id)).toBeUndefined();
    expect(manager.workers()).toEqual([]);
  });

  test('two managers with different scopes on one engine never touch each other', async () => {
    const a = managed('it-scope-a');
    const b = managed('it-scope-b');
    const [a1, a2] = await Promise.all([
      a.manager.createWorker(worker()),
      a.manager.createWorker(worker()),
    ]);
    const [b1, b2] = await Promise.all([
      b.manager.createWorker(worker()),
      b.manager.createWorker(worker(), { workerId: a1!.workerId }), // same worker id, other scope
    ]);
    for (const [side, record] of [
      [a, a1],
      [a, a2],
      [b, b1],
      [b, b2],
    ] as const) {
      await side.events.waitFor(
        'WorkerEphemeralReady',
        (e) => e.workerId === record!.workerId,
        EVENT_WAIT,
      );
    }
    // Each sees exactly its own.
    const uids = (records: { uid: string }[]) => records.map((r) => r.uid).sort();
    expect(uids(await a.manager.list({ scope: a.scope }))).toEqual(uids([a1!, a2!]));
    expect(uids(await b.manager.list({ scope: b.scope }))).toEqual(uids([b1!, b2!]));
    // Reaching across scopes finds nothing and changes nothing.
    expect(await a.manager.list({ scope: b.scope })).toEqual([]);
    expect(
      await a.manager.inner.get({ scope: a.scope, workerId: b1!.workerId, uid: b1!.uid }),
    ).toBe(undefined);
    await a.manager.inner.remove({ scope: a.scope, workerId: b1!.workerId, uid: b1!.uid });
    await a.manager.remove({ scope: b.scope, workerId: b1!.workerId });

    // A ends all of its workers, and collects garbage twice; B's must be untouched.
    await Promise.all([
      a.manager.remove({ scope: a.scope, workerId: a1!.workerId }),
      a.manager.terminate(a2!.workerId),
    ]);
    await a.manager.collectGarbage();
    await b.manager.collectGarbage();
    await a.manager.collectGarbage();
    for (const record of [b1!, b2!]) expect(await engineState(record.uid)).toBe('running');
    expect(b.manager.workers().map((w) => w.state)).toEqual(['Ready', 'Ready']);
    expect(a.events.events.filter((e) => 'workerId' in e && e.workerId === b1!.workerId)).toEqual(
      [],
    );
    b.events.expectNone('OrphanWorkerDetected');
    b.events.expectNone('WorkerEphemeralTerminating');
    a.events.expectNone('OrphanWorkerDetected');
  });

  test('refusals are typed and leave no container: bad image, bad labels, resources out of range', async () => {
    const { manager, scope } = managed('it-refuse');
    const missingImage = manager.createWorker(worker({}, { image: 'hodei-no-such-image:9' }));
    await expect(missingImage).rejects.toSatisfy(
      (error) =>
        ProviderError.isInstance(error) && error.status === 404 && error.retryable === false,
    );
    await expect(
      manager.createWorker(worker({}, { labels: { team: 'not valid!' } })),
    ).rejects.toSatisfy((error) => InvalidSpecError.isInstance(error));
    // More CPUs than the host has: Docker refuses the configuration; nothing is created.
    const cpuRefusal = manager.createWorker(worker({}, { resources: { cpu: 512 } }));
    await expect(cpuRefusal).rejects.toSatisfy(
      (error) =>
        InvalidSpecError.isInstance(error) &&
        error.issues.some((issue) => issue.path === 'resources.cpu'),
    );
    await expect(manager.createWorker(worker({}, { resources: { cpu: '5m' } }))).rejects.toSatisfy(
      (error) => InvalidSpecError.isInstance(error),
    );
    expect(await containersOf(scope)).toEqual([]);
    // The manager forgets the failed creates once it has confirmed nothing is left.
    await waitUntil(
      'the manager to track nothing',
      () => manager.workers(),
      (w) => w.length === 0,
    );
  });
});
