/**
 * How a worker's end is told, on the real engine:
 * - a job that completed before a manager adopted it, after its stamped deadline, ends
 *   JobCompleted with its exit code (not LifetimeExceeded);
 * - a container stopped or killed from outside (an operator's `docker stop` / `docker kill`,
 *   as the engine does when it restarts) ends ExternalTermination, not JobCompleted.
 */
import { type LifecycleManager, withLifecycle } from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
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

const scopes: string[] = [];
const managers: LifecycleManager[] = [];

beforeAll(requireEngine);
afterAll(async () => {
  for (const manager of managers) await manager.close();
  await purgeScopes(scopes);
});

function scopeFor(prefix: string): string {
  const scope = uniqueScope(prefix);
  scopes.push(scope);
  return scope;
}

test('jobs that completed before their adopter arrived, past their deadline, end JobCompleted with their exit codes', async () => {
  const scope = scopeFor('it-end-adopt');
  const bare = createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE });
  const expiresAt = new Date(Date.now() + 3_000);
  const stamp = (workerId: string) => ({
    scope,
    workerId,
    providerId: 'docker-it',
    owner: 'gone-manager', // a manager that died before the jobs ended
    expiresAt,
    ttlAfterFinishedSeconds: 2,
  });
  const ok = await bare.create({ spec: worker({ WORKER_SLEEP: '1' }), ownership: stamp('ok') });
  const broken = await bare.create({
    spec: worker({ WORKER_SLEEP: '1', WORKER_EXIT_CODE: '3' }),
    ownership: stamp('broken'),
  });
  await waitUntil(
    'both jobs to exit and their stamped deadline to pass',
    async () => ({ containers: await containersOf(scope), now: Date.now() }),
    ({ containers, now }) =>
      now > expiresAt.getTime() + 500 && containers.every((c) => c.State === 'exited'),
  );
  await bare.close();

  const events = createEventRecorder();
  const adopter = withLifecycle(
    createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE }),
    {
      scope,
      instanceId: 'adopter',
      publisher: events,
      policy: { maxLifetime: '1h', ttlAfterCompletion: '1h', orphanCheckInterval: '2s' },
    },
  );
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
    expect(ended).toMatchObject({ reason: 'JobCompleted', exitCode });
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === record.workerId,
      { timeoutMs: 30_000 },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
  }
  events.expectNone('WorkerEphemeralTerminating');
  await waitUntil(
    'the scope to be empty',
    () => containersOf(scope),
    (c) => c.length === 0,
  );
});

test('a container stopped or killed from outside ends ExternalTermination, not JobCompleted', async () => {
  const scope = scopeFor('it-end-outside');
  const events = createEventRecorder();
  const manager = withLifecycle(
    createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE }),
    {
      scope,
      publisher: events,
      policy: {
        maxLifetime: '10m',
        ttlAfterCompletion: '1s',
        gracefulTerminationTimeout: '1s',
        orphanCheckInterval: '5s',
      },
    },
  );
  managers.push(manager);
  const stopped = await manager.createWorker(worker());
  const killed = await manager.createWorker(worker());
  for (const record of [stopped, killed]) {
    await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === record.workerId, {
      timeoutMs: 30_000,
    });
  }
  // The operator, with the engine's own API: `docker stop -t 1` and `docker kill`.
  await docker.getContainer(stopped.uid).stop({ t: 1 });
  await docker.getContainer(killed.uid).kill();

  for (const [record, exitCode] of [
    [stopped, 143],
    [killed, 137],
  ] as const) {
    const ended = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === record.workerId,
      { timeoutMs: 30_000 },
    );
    expect([ended.reason, ended.exitCode, ended.actor.kind]).toEqual([
      'ExternalTermination',
      exitCode,
      'infrastructure',
    ]);
    expect(manager.worker(record.workerId)?.state ?? 'CleanedUp').not.toBe('Failed');
  }
  events.expectNone('WorkerEphemeralTerminating');
  await waitUntil(
    'the scope to be empty',
    () => containersOf(scope),
    (c) => c.length === 0,
  );
});
