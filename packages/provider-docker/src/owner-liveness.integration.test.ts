/**
 * Owner liveness with two live managers of one scope on the real engine: manager A in a child
 * process, manager B here, each seeing the other's workers. Neither reports the other's
 * workers as orphans over several resyncs; SIGKILL A, and B adopts A's workers within one
 * lease duration plus one resync. The delays are printed (lease end, adoption).
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type LifecycleManager, type PolicyInput, withLifecycle } from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { killAndMeasureAdoption, startManagerA } from '../../../owner-liveness.shared.js';
import {
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
const scope = uniqueScope('it-liveness');
const lease = { durationMs: 3_000 };
const resyncMs = 2_000;
const policy: PolicyInput = {
  maxLifetime: 600_000,
  ttlAfterCompletion: 60_000,
  orphanDetectionEnabled: true,
  orphanCheckInterval: resyncMs,
};
let child: ChildProcess | undefined;
let b: LifecycleManager | undefined;

beforeAll(async () => {
  await requireEngine();
  ensureBuilt();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await b?.close();
  await purgeScopes([scope]);
});

test('two live managers never report each other’s workers; a SIGKILLed one’s are adopted within a lease duration plus a resync', async () => {
  // Manager A, in its own process, with three workers.
  const started = await startManagerA({
    fixture,
    config: {
      scope,
      instanceId: 'live-a',
      policy,
      lease,
      specs: [worker(), worker(), worker()],
    },
    waitUntil,
  });
  const proc = started.proc;
  child = proc;
  const aOrphans = started.orphans;
  const aWorkers = started.workers;

  // Manager B, here, with three workers of its own.
  const events = createEventRecorder();
  b = withLifecycle(createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE }), {
    scope,
    instanceId: 'live-b',
    policy,
    lease,
    publisher: events,
  });
  await b.start();
  for (let i = 0; i < 3; i += 1) await b.createWorker(worker());

  // Several resyncs of both: no orphan reports either way.
  await new Promise((resolve) => setTimeout(resolve, 4 * resyncMs));
  expect(events.ofType('OrphanWorkerDetected')).toEqual([]);
  expect(aOrphans).toEqual([]);
  expect(b.workers().map((w) => w.owner)).toEqual(['live-b', 'live-b', 'live-b']);

  // SIGKILL A: its lease ends, B adopts its workers.
  const observer = createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE });
  const delays = await killAndMeasureAdoption({
    kill: () => proc.kill('SIGKILL'),
    ownerAlive: async () =>
      (await observer.leases.list({ scope })).some((l) => l.owner === 'live-a' && l.alive),
    adopted: () => events.ofType('OrphanWorkerDetected').map((e) => e.workerId),
    expected: aWorkers.map((w) => w.workerId),
    leaseMs: lease.durationMs,
    resyncMs,
    waitUntil,
  });
  await observer.close();
  console.info(
    `docker owner liveness: kill -> lease end ${delays.killToLeaseEnd} ms; lease end -> adoption ${delays.leaseEndToAdoption} ms; kill -> adoption ${delays.killToAdoption} ms (lease ${lease.durationMs} ms, resync ${resyncMs} ms)`,
  );
  expect(delays.killToAdoption).toBeLessThanOrEqual(lease.durationMs + resyncMs + 1_000);
  expect(events.ofType('OrphanWorkerDetected').every((e) => e.kind === 'orphan-resource')).toBe(
    true,
  );
});
