/**
 * A manager PROCESS dies with SIGKILL while its pods live. A new manager of the scope adopts
 * them from their labels and enforces the deadline and TTL stamped on them (not its own
 * policy), and nothing leaks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type LifecycleManager, withLifecycle } from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  createWorkerNamespace,
  deleteNamespace,
  ensureBuilt,
  podsOf,
  providerFor,
  uniqueName,
  type WorkerNamespace,
  waitUntil,
  worker,
} from '../test/support.js';

const fixture = fileURLToPath(new URL('../test/fixtures/manager-process.mjs', import.meta.url));
const scope = uniqueName('adopt');
let ns: WorkerNamespace;
let child: ChildProcess | undefined;
let adopter: LifecycleManager | undefined;

beforeAll(async () => {
  ns = await createWorkerNamespace('it-adopt');
  ensureBuilt();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await adopter?.close();
  if (ns) await deleteNamespace(ns.namespace);
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

test('pods of a manager killed with SIGKILL are adopted; their stamped deadline and TTL are enforced', async () => {
  const started = await startManagerProcess({
    namespace: ns.namespace,
    kubeconfig: ns.kubeconfig,
    scope,
    instanceId: 'doomed-manager',
    // Stamped on the pods: a 6 s deadline and a 2 s TTL.
    policy: { maxLifetime: '6s', ttlAfterCompletion: '2s', gracefulTerminationTimeout: '1s' },
    specs: [worker(), worker({ exitCode: 0, runFor: '1s' })],
  });
  const [running, completing] = started.workers;
  expect(running && completing).toBeTruthy();

  child!.kill('SIGKILL');
  await once(child!, 'exit');
  child = undefined;
  // The pods outlive their manager.
  const alive = await podsOf(ns.namespace, scope);
  expect(alive.map((p) => p.metadata?.uid).sort()).toEqual([running!.uid, completing!.uid].sort());

  const events = createEventRecorder();
  adopter = withLifecycle(providerFor(ns).provider, {
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
  });
  await adopter.start();

  for (const { workerId } of [running!, completing!]) {
    const orphan = await events.waitFor('OrphanWorkerDetected', (e) => e.workerId === workerId, {
      timeoutMs: 30_000,
    });
    expect(orphan.kind).toBe('orphan-resource');
  }
  for (const info of adopter.workers()) {
    expect(info.adopted).toBe(true);
    expect(info.owner).toBe('doomed-manager');
  }
  // Ended at its stamped deadline: by the adopter (stop) or by the kubelet's
  // activeDeadlineSeconds, whichever came first; either way the reason is the lifetime.
  const ended = await events.waitFor(
    'WorkerEphemeralTerminated',
    (e) => e.workerId === running!.workerId,
    { timeoutMs: 30_000 },
  );
  expect(ended.reason).toBe('LifetimeExceeded');
  for (const { workerId } of [running!, completing!]) {
    const cleaned = await events.waitFor(
      'WorkerEphemeralCleanedUp',
      (e) => e.workerId === workerId,
      { timeoutMs: 30_000 },
    );
    expect(cleaned.cleanupReason).toBe('TtlExpired');
  }
  // The stamped 2 s TTL, not the adopter's 1 h.
  for (const event of events.ofType('WorkerEphemeralTerminated')) {
    const ttl =
      (event.ttlExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY) - event.occurredAt.getTime();
    expect(ttl).toBeLessThanOrEqual(2_000);
  }
  await waitUntil(
    `namespace ${ns.namespace} to hold no pod of scope ${scope}`,
    () => podsOf(ns.namespace, scope),
    (pods) => pods.length === 0,
  );
  expect(adopter.workers()).toEqual([]);
});
