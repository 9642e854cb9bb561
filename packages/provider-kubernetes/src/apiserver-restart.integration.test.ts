/**
 * The API server restarts (tools/k8s-env/bin/restart-apiserver) while pods live: the manager
 * re-lists, resumes its watch, loses nothing and deletes nothing twice.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type LifecycleManager, withLifecycle } from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  admin,
  createWorkerNamespace,
  deleteNamespace,
  K8S_ENV_DIR,
  podsOf,
  providerFor,
  uniqueName,
  type WorkerNamespace,
  waitUntil,
  worker,
} from '../test/support.js';
import { podName } from './index.js';

let ns: WorkerNamespace;
let manager: LifecycleManager | undefined;

beforeAll(async () => {
  ns = await createWorkerNamespace('it-restart');
});
afterAll(async () => {
  await manager?.close();
  if (ns) await deleteNamespace(ns.namespace);
});

test('after an API server restart the manager resumes: nothing lost, nothing deleted twice', async () => {
  const scope = uniqueName('restart');
  const events = createEventRecorder();
  const counting = providerFor(ns, { watchReconnectTimeoutMs: 120_000 });
  manager = withLifecycle(counting.provider, {
    scope,
    publisher: events,
    policy: {
      maxLifetime: '5m',
      ttlAfterCompletion: '2s',
      orphanDetectionEnabled: true,
      orphanCheckInterval: '2s',
    },
    retryDelay: '250ms',
    maxRetryDelay: '2s',
  });
  const [keep, lose, end] = await Promise.all([
    manager.createWorker(worker()),
    manager.createWorker(worker()),
    manager.createWorker(worker()),
  ]);
  // Completes while (or right after) the API server is away.
  const completing = await manager.createWorker(worker({ exitCode: 0, runFor: '6s' }));
  for (const record of [keep!, lose!, end!, completing]) {
    await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === record.workerId, {
      timeoutMs: 30_000,
    });
  }
  const watchesBefore = counting.log.filter((l) => l.includes('watch=1&allow')).length;

  const restart = spawnSync(join(K8S_ENV_DIR, 'bin', 'restart-apiserver'), {
    env: { ...process.env, HODEI_K8S_APISERVER_DOWN_SECONDS: '2' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(restart.status, `restart-apiserver failed:\n${restart.stderr}`).toBe(0);

  // After the restart: an out-of-band delete, a caller's termination, and the completion.
  const { core } = await admin();
  await core.deleteNamespacedPod({
    name: podName(scope, lose!.workerId),
    namespace: ns.namespace,
    gracePeriodSeconds: 0,
  });
  await manager.terminate(end!.workerId);
  const orphan = await events.waitFor(
    'OrphanWorkerDetected',
    (e) => e.workerId === lose!.workerId,
    {
      timeoutMs: 30_000,
    },
  );
  expect(orphan.kind).toBe('lost-worker');
  for (const record of [end!, completing]) {
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: 30_000 },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
  }
  const terminated = events.ofType('WorkerEphemeralTerminated');
  expect(terminated.find((e) => e.workerId === completing.workerId)?.reason).toBe('JobCompleted');

  // The watch was resumed (a new watch request after the restart) and still delivers.
  await waitUntil(
    'a new watch request after the restart',
    async () => counting.log.filter((l) => l.includes('watch=1&allow')).length,
    (n) => n > watchesBefore,
  );
  // Nothing deleted twice: one DELETE per pod the manager removed, none for the others.
  const deletes = (workerId: string) =>
    counting.log.filter((l) => l.startsWith(`DELETE `) && l.includes(podName(scope, workerId)))
      .length;
  expect(deletes(end!.workerId)).toBe(1);
  expect(deletes(completing.workerId)).toBe(1);
  expect(deletes(lose!.workerId)).toBe(0);
  expect(deletes(keep!.workerId)).toBe(0);
  // One lifecycle per worker: no event twice.
  for (const record of [end!, completing, lose!]) {
    const types = events.typesFor(record.workerId);
    expect(new Set(types).size, `${record.workerId}: ${types.join(', ')}`).toBe(types.length);
  }
  // The survivor is still tracked, Ready, and its pod untouched.
  expect(manager.worker(keep!.workerId)?.state).toBe('Ready');
  const pods = await podsOf(ns.namespace, scope);
  expect(pods.map((p) => p.metadata?.uid)).toEqual([keep!.uid]);
  expect(pods[0]?.metadata?.deletionTimestamp).toBeUndefined();
});
