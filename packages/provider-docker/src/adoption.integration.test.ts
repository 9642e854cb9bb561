/**
 * A manager process dies with SIGKILL while its workers live. A new manager of the scope
 * adopts them from their labels and enforces the deadline and TTL stamped on them (not its
 * own policy), and nothing leaks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type LifecycleManager, withLifecycle } from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  containersOf,
  ensureBuilt,
  purgeScopes,
  requireEngine,
  TEST_IMAGE,
  uniqueScope,
  waitUntil,
  worker,
} from '../test/support.js';
import { createDockerProvider } from './index.js';

const fixture = fileURLToPath(new URL('../test/fixtures/manager-process.mjs', import.meta.url));
const scope = uniqueScope('it-adopt');
let child: ChildProcess | undefined;
let adopter: LifecycleManager | undefined;

beforeAll(async () => {
  await requireEngine();
  ensureBuilt();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await adopter?.close();
  await purgeScopes([scope]);
});

interface Started {
  readonly workers: { workerId: string; uid: string }[];
}

/** Runs the fixture and resolves with the first line it prints; fails if it exits first. */
async function startManagerProcess(config: object): Promise<Started> {
  const proc = spawn(process.execPath, [fixture], {
    env: { ...process.env, HODEI_FIXTURE: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stderr = '';
  proc.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const lines = createInterface({ input: proc.stdout! });
  const exited = once(proc, 'exit').then(([code]) => {
    throw new Error(`the manager process exited (${code}) before printing its workers:\n${stderr}`);
  });
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  lines.close();
  return JSON.parse(line) as Started;
}

test('workers of a manager killed with SIGKILL are adopted; their stamped deadline and TTL are enforced', async () => {
  const started = await startManagerProcess({
    scope,
    instanceId: 'doomed-manager',
    // Stamped on the containers: a 6 s deadline and a 2 s TTL.
    policy: {
      maxLifetime: '6s',
      ttlAfterCompletion: '2s',
      gracefulTerminationTimeout: '1s',
    },
    specs: [
      worker(), // runs until its deadline
      worker({ WORKER_SLEEP: '1' }), // completes by itself
    ],
  });
  const [running, completing] = started.workers;
  expect(running && completing).toBeTruthy();

  child!.kill('SIGKILL');
  await once(child!, 'exit');
  child = undefined;
  // The workers outlive their manager.
  const alive = await containersOf(scope);
  expect(alive.map((c) => c.Id).sort()).toEqual([running!.uid, completing!.uid].sort());

  const events = createEventRecorder();
  adopter = withLifecycle(
    createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE }),
    {
      scope,
      instanceId: 'adopting-manager',
      publisher: events,
      // Its own policy is far more lenient: only the stamps can end these workers soon.
      policy: {
        maxLifetime: '1h',
        ttlAfterCompletion: '1h',
        orphanDetectionEnabled: true,
        orphanCheckInterval: '2s',
      },
      retryDelay: '250ms',
    },
  );
  await adopter.start();

  for (const { workerId } of [running!, completing!]) {
    const orphan = await events.waitFor('OrphanWorkerDetected', (e) => e.workerId === workerId, {
      timeoutMs: 30_000,
    });
    expect(orphan.kind).toBe('orphan-resource');
  }
  const adopted = adopter.workers();
  expect(adopted.map((w) => w.workerId).sort()).toEqual(
    [running!.workerId, completing!.workerId].sort(),
  );
  for (const info of adopted) {
    expect(info.adopted).toBe(true);
    expect(info.owner).toBe('doomed-manager');
  }

  const terminating = await events.waitFor(
    'WorkerEphemeralTerminating',
    (e) => e.workerId === running!.workerId,
    { timeoutMs: 30_000 },
  );
  expect(terminating.reason).toBe('LifetimeExceeded');
  for (const { workerId } of [running!, completing!]) {
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === workerId,
      { timeoutMs: 30_000 },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
  }
  const terminated = events.ofType('WorkerEphemeralTerminated');
  const ttlOf = (workerId: string) => {
    const event = terminated.find((e) => e.workerId === workerId);
    return event?.ttlExpiresAt && event.occurredAt
      ? event.ttlExpiresAt.getTime() - event.occurredAt.getTime()
      : undefined;
  };
  // The stamped 2 s TTL, not the adopter's 1 h (measured from the finish, so at most 2 s).
  for (const { workerId } of [running!, completing!]) {
    expect(ttlOf(workerId)).toBeLessThanOrEqual(2_000);
  }
  await waitUntil(
    'the scope to be empty on the engine',
    () => containersOf(scope),
    (c) => c.length === 0,
  );
  expect(adopter.workers()).toEqual([]);
});
