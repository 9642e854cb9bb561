/**
 * Owner liveness with two live managers of one scope on the real API server (both under the
 * shipped Role's token): manager A in a child
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
  createWorkerNamespace,
  deleteNamespace,
  ensureBuilt,
  providerFor,
  uniqueName,
  type WorkerNamespace,
  waitUntil,
  worker,
} from '../test/support.js';

const fixture = fileURLToPath(new URL('../test/fixtures/manager-process.mjs', import.meta.url));
const scope = uniqueName('liveness');
let ns: WorkerNamespace;
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
  ns = await createWorkerNamespace('it-liveness');
  ensureBuilt();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await b?.close();
  if (ns) await deleteNamespace(ns.namespace);
});

test('two live managers never report each other’s workers; a SIGKILLed one’s are adopted within a lease duration plus a resync', async () => {
  // Manager A, in its own process, with three workers.
  const started = await startManagerA({
    fixture,
    config: {
      namespace: ns.namespace,
      kubeconfig: ns.kubeconfig,
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
  b = withLifecycle(providerFor(ns, { providerId: 'k8s-it' }).provider, {
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

  // SIGKILL A: its lease runs out (on the server's clock), B adopts its workers.
  const observer = providerFor(ns, { providerId: 'k8s-it' }).provider;
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
    `kubernetes owner liveness: kill -> lease end ${delays.killToLeaseEnd} ms; lease end -> adoption ${delays.leaseEndToAdoption} ms; kill -> adoption ${delays.killToAdoption} ms (lease ${lease.durationMs} ms, resync ${resyncMs} ms)`,
  );
  expect(delays.killToAdoption).toBeLessThanOrEqual(lease.durationMs + resyncMs + 1_000);
  expect(events.ofType('OrphanWorkerDetected').every((e) => e.kind === 'orphan-resource')).toBe(
    true,
  );
});
