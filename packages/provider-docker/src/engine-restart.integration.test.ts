/**
 * dockerd restarts (tools/docker-env/bin/restart-engine, live-restore off) while workers live.
 * The engine stops their containers; the provider's watch reconnects and re-lists; the
 * manager sees them end, keeps them for their TTL and removes each exactly once.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type LifecycleManager,
  type WorkerObservationV1,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  containersOf,
  purgeScopes,
  requireEngine,
  TEST_IMAGE,
  uniqueScope,
  waitUntil,
  worker,
} from '../test/support.js';
import { createDockerProvider, type DockerProvider } from './index.js';

const restartEngine = fileURLToPath(
  new URL('../../../tools/docker-env/bin/restart-engine', import.meta.url),
);
const scope = uniqueScope('it-restart');
let manager: LifecycleManager | undefined;
let watcher: DockerProvider | undefined;
const watchAbort = new AbortController();

beforeAll(requireEngine);
afterAll(async () => {
  watchAbort.abort();
  await manager?.close();
  await watcher?.close();
  await purgeScopes([scope]);
});

test('after a dockerd restart the manager recovers its watch and its view; nothing leaks or is removed twice', async () => {
  const events = createEventRecorder();
  manager = withLifecycle(
    createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE }),
    {
      scope,
      publisher: events,
      policy: {
        maxLifetime: '5m',
        ttlAfterCompletion: '2s',
        gracefulTerminationTimeout: '1s',
        orphanDetectionEnabled: true,
        orphanCheckInterval: '3s',
      },
      retryDelay: '250ms',
      maxRetryDelay: '2s',
    },
  );
  // A second, bare watch of the scope, to see the provider's own reconnection.
  watcher = createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE });
  const observed: WorkerObservationV1[] = [];
  let watchError: unknown;
  const watching = (async () => {
    try {
      for await (const o of watcher!.watch({ scope }, { signal: watchAbort.signal })) {
        observed.push(o);
      }
    } catch (error) {
      watchError = error;
    }
  })();

  const before = await Promise.all([1, 2, 3].map(() => manager!.createWorker(worker())));
  for (const record of before) {
    await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === record.workerId, {
      timeoutMs: 30_000,
    });
  }

  await promisify(execFile)(restartEngine, [], {
    env: { ...process.env, HODEI_DOCKER_LIVE_RESTORE: '0' },
    timeout: 120_000,
  });

  // The restart stopped the containers (SIGTERM, exit 143): the manager sees them ended from
  // outside (ExternalTermination), and removes them when their TTL runs out.
  for (const record of before) {
    const terminated = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === record.workerId,
      { timeoutMs: 60_000 },
    );
    expect(terminated.exitCode).toBe(143);
    // Ended by the engine, not by its job.
    expect(terminated.reason).toBe('ExternalTermination');
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: 60_000 },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
  }

  // The watches work again: a worker created after the restart is seen ready through them.
  const after = await manager.createWorker(worker());
  await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === after.workerId, {
    timeoutMs: 30_000,
  });
  await waitUntil(
    'the bare watch to report the post-restart worker running and ready',
    () => observed,
    (list) => list.some((o) => o.type === 'upsert' && o.worker.uid === after.uid && o.worker.ready),
  );
  await manager.remove({ scope, workerId: after.workerId });

  // Each pre-restart worker was reported removed by the bare watch (destroy event or re-list).
  await waitUntil(
    'the bare watch to report every removal',
    () => observed,
    (list) =>
      [...before, after].every((r) => list.some((o) => o.type === 'removed' && o.uid === r.uid)),
  );

  // Nothing lost, nothing removed twice, nothing left.
  events.expectNone('OrphanWorkerDetected');
  for (const record of [...before, after]) {
    const cleanups = events
      .ofType('WorkerEphemeralCleanedUp')
      .filter((e) => e.workerId === record.workerId);
    expect(cleanups).toHaveLength(1);
  }
  await waitUntil(
    'the scope to be empty',
    () => containersOf(scope),
    (c) => c.length === 0,
  );
  expect(manager.workers()).toEqual([]);
  expect(watchError).toBeUndefined();
  watchAbort.abort();
  await watching;
});
