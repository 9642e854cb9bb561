/**
 * A manager whose credentials may create pods but not delete them (its Role lost the `delete`
 * verb). With the default options (silent logger, no OpenTelemetry SDK) the refusal is still
 * visible: one WorkerEphemeralActionFailed event, the worker's `failure`, the garbage
 * collection's errors. It is not hammered: tried again only at the resync interval. When the
 * Role is fixed, the manager recovers by itself. The requests over 60 s are printed (and
 * bounded here) for the record.
 */

import { type LifecycleManager, withLifecycle } from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { ApiException, CoreV1Api, KubeConfig, type V1Role } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  admin,
  createWorkerNamespace,
  deleteNamespace,
  podsOf,
  sleep,
  uniqueName,
  type WorkerNamespace,
  waitUntil,
  worker,
} from '../test/support.js';
import { createKubernetesProvider, DEFAULT_ROLE_NAME } from './index.js';

const RESYNC_MS = 10_000;
const WINDOW_MS = 60_000;

let ns: WorkerNamespace;
let manager: LifecycleManager | undefined;

beforeAll(async () => {
  ns = await createWorkerNamespace('it-forbid');
});
afterAll(async () => {
  await manager?.close();
  if (ns) await deleteNamespace(ns.namespace);
});

/** Gives the Role the `delete` verb on pods, or takes it away, and waits until it holds. */
async function allowDelete(allowed: boolean): Promise<void> {
  const { rbac } = await admin();
  const role = await rbac.readNamespacedRole({ name: DEFAULT_ROLE_NAME, namespace: ns.namespace });
  const rules = (role.rules ?? []).map((rule) =>
    rule.resources?.includes('pods')
      ? {
          ...rule,
          verbs: allowed
            ? [...new Set([...(rule.verbs ?? []), 'delete'])]
            : (rule.verbs ?? []).filter((verb) => verb !== 'delete'),
        }
      : rule,
  );
  await rbac.replaceNamespacedRole({
    name: DEFAULT_ROLE_NAME,
    namespace: ns.namespace,
    body: { ...role, rules } as V1Role,
  });
  // The authorizer sees Role changes through its informer: wait until the token says so
  // (deleting a pod that does not exist: 404 when allowed, 403 when not).
  const kc = new KubeConfig();
  kc.loadFromString(ns.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await waitUntil(
    `the Role to ${allowed ? 'allow' : 'forbid'} deleting pods`,
    async () =>
      core
        .deleteNamespacedPod({ name: 'no-such-pod', namespace: ns.namespace })
        .then(() => 200)
        .catch((error: unknown) => (error instanceof ApiException ? error.code : -1)),
    (status) => status === (allowed ? 404 : 403),
  );
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly watch: boolean;
  readonly at: number;
}

test('a Role without delete: the refusal is an event, retried only at the resync interval, and the manager recovers when the Role is fixed', {
  timeout: 180_000,
}, async () => {
  await allowDelete(false);
  const scope = uniqueName('forbid');
  const log: Request[] = [];
  const events = createEventRecorder();
  manager = withLifecycle(
    createKubernetesProvider({
      namespace: ns.namespace,
      kubeconfig: ns.kubeconfig,
      providerId: 'k8s-it',
      defaultGracePeriodMs: 1_000,
      onRequest: (request) => {
        log.push({ ...request, at: Date.now() });
      },
    }),
    {
      scope,
      publisher: events, // the default logger (silent) and no meter: only the event shows it
      policy: {
        maxLifetime: '10m',
        ttlAfterCompletion: 0,
        gracefulTerminationTimeout: '1s',
        orphanCheckInterval: RESYNC_MS,
      },
      retryDelay: '250ms', // retryable failures would be retried this fast; a refusal is not
    },
  );
  const record = await manager.createWorker(worker({ exitCode: 0, runFor: '1s' }));
  const refused = await events.waitFor(
    'WorkerEphemeralActionFailed',
    (e) => e.workerId === record.workerId,
    { timeoutMs: 30_000 },
  );
  expect(refused).toMatchObject({ action: 'remove', status: 403, attempts: 1 });
  // The next attempt at the resync interval (counted from the failure, read from the clock a
  // moment before the event's occurredAt).
  const nextIn = refused.nextAttemptAt.getTime() - refused.occurredAt.getTime();
  expect(nextIn).toBeGreaterThan(RESYNC_MS - 50);
  expect(nextIn).toBeLessThanOrEqual(RESYNC_MS);
  const from = refused.occurredAt.getTime() - 1_000; // the refused DELETE itself included

  await sleep(WINDOW_MS);
  const window = log.filter((r) => r.at >= from && r.at < from + WINDOW_MS);
  const count = (method: string, watch = false) =>
    window.filter((r) => r.method === method && r.watch === watch).length;
  const counts = {
    DELETE: count('DELETE'),
    'GET (logs)': window.filter((r) => r.method === 'GET' && /\/log(\?|$)/.test(r.path)).length,
    'GET (read one pod)': window.filter(
      (r) => r.method === 'GET' && !r.watch && /\/pods\/[^/?]+(\?|$)/.test(r.path),
    ).length,
    'GET (list)': window.filter(
      (r) => r.method === 'GET' && !r.watch && !/\/pods\/[^/?]+/.test(r.path),
    ).length,
    'GET (watch)': count('GET', true),
    PATCH: count('PATCH'),
    POST: count('POST'),
    total: window.length,
  };
  console.log(`requests over ${WINDOW_MS / 1000} s with delete forbidden:`, JSON.stringify(counts));
  console.log('paths:', [
    ...new Set(window.map((r) => `${r.method} ${r.path.replace(/\?.*/, '?…')}`)),
  ]);

  // One attempt per resync interval, never faster; the refusal announced once.
  const deletes = window.filter((r) => r.method === 'DELETE').map((r) => r.at);
  expect(deletes.length).toBeGreaterThanOrEqual(WINDOW_MS / RESYNC_MS - 1);
  expect(deletes.length).toBeLessThanOrEqual(WINDOW_MS / RESYNC_MS + 1);
  for (let i = 1; i < deletes.length; i += 1) {
    expect(deletes[i]! - deletes[i - 1]!).toBeGreaterThanOrEqual(RESYNC_MS - 50);
  }
  expect(events.ofType('WorkerEphemeralActionFailed')).toHaveLength(1);
  expect(manager.worker(record.workerId)).toMatchObject({
    state: 'Terminated',
    failure: { action: 'remove', terminal: true },
  });
  expect(manager.worker(record.workerId)?.removalAttempts).toBeGreaterThanOrEqual(deletes.length);
  const summary = await manager.collectGarbage();
  expect(summary.errors).toEqual([
    expect.stringMatching(new RegExp(`^remove ${record.workerId}: .*403`)),
  ]);
  expect(await podsOf(ns.namespace, scope)).toHaveLength(1);

  // The Role is fixed: the next attempt (within one interval) removes it.
  const fixedAt = Date.now();
  await allowDelete(true);
  const cleaned = await events.waitFor(
    'WorkerEphemeralCleanedUp',
    (e) => e.workerId === record.workerId,
    { timeoutMs: RESYNC_MS + 20_000 },
  );
  console.log(`recovered ${cleaned.occurredAt.getTime() - fixedAt} ms after the Role was fixed`);
  expect(cleaned.cleanupReason).toBe('NormalTermination');
  await waitUntil(
    `no pod of scope ${scope}`,
    () => podsOf(ns.namespace, scope),
    (pods) => pods.length === 0,
  );
  expect((await manager.collectGarbage()).errors).toEqual([]);
});
