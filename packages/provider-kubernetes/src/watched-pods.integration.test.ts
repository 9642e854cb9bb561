/**
 * Acting on a pod a live watch has seen: logs, stop and remove by uid need no read first. And the
 * safety of it: a pod changed since the watch last saw it (here relabelled into another scope
 * while the watch is not being read) is refused by the API server's resourceVersion
 * precondition, read again, and left alone.
 */
import {
  OwnershipKeys,
  WorkerNotFoundError,
  type WorkerObservationV1,
} from '@hodei/lifecycle-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  admin,
  createWorkerNamespace,
  deleteNamespace,
  KWOK_LOG_LINES,
  podsOf,
  providerFor,
  uniqueName,
  type WorkerNamespace,
  worker,
} from '../test/support.js';
import { podName } from './pod.js';

let ns: WorkerNamespace;

beforeAll(async () => {
  ns = await createWorkerNamespace('it-watched');
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns.namespace);
});

function ownership(scope: string, workerId: string) {
  return {
    scope,
    workerId,
    providerId: 'k8s-it',
    owner: 'watched-pods-test',
    expiresAt: new Date(Date.now() + 600_000),
    ttlAfterFinishedSeconds: 0,
  };
}

/**
 * Pulls observations from the watch until one matches; the watch then waits, unread. (One
 * deadline for all pulls: a pull left pending would let the watch read on.)
 */
async function pullUntil(
  iterator: AsyncIterator<WorkerObservationV1>,
  what: string,
  matches: (observation: WorkerObservationV1) => boolean,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after 30 s waiting for the watch to report ${what}`)),
      30_000,
    );
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next.done) throw new Error(`the watch ended while waiting for ${what}`);
      if (matches(next.value)) return;
    }
  } finally {
    clearTimeout(timer);
  }
}

const running = (uid: string) => (o: WorkerObservationV1) =>
  o.type === 'upsert' && o.worker.uid === uid && o.worker.phase === 'running';

/**
 * A worker of a fresh scope, running, seen by a watch of its provider that is then left
 * unread (its view stays as it was). `await using` closes the watch and the provider.
 */
async function seenWorker(prefix: string) {
  const { provider, log } = providerFor(ns);
  const scope = uniqueName(prefix);
  const controller = new AbortController();
  const iterator = provider.watch({ scope }, { signal: controller.signal })[Symbol.asyncIterator]();
  const close = async () => {
    controller.abort();
    await iterator.return?.();
    await provider.close();
  };
  try {
    const record = await provider.create({ spec: worker(), ownership: ownership(scope, 'w') });
    await pullUntil(iterator, `pod ${record.uid} running`, running(record.uid));
    return {
      provider,
      log,
      scope,
      record,
      iterator,
      name: podName(scope, 'w'),
      ref: { scope, workerId: 'w', uid: record.uid },
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** As admin, moves a pod into another scope (a JSON patch; '/' in a key is escaped '~1'). */
async function relabel(name: string, scope: string): Promise<void> {
  const { core } = await admin();
  await core.patchNamespacedPod({
    name,
    namespace: ns.namespace,
    body: [
      {
        op: 'replace',
        path: `/metadata/labels/${OwnershipKeys.managedBy.replace('/', '~1')}`,
        value: scope,
      },
    ],
  });
}

describe('kubernetes provider: pods seen by a live watch', () => {
  test('logs and remove by uid need no read first; remove then reads the pod until it is gone', async () => {
    await using seen = await seenWorker('seen');
    seen.log.length = 0;
    expect(await seen.provider.logs(seen.ref, { tail: 5 })).toEqual([...KWOK_LOG_LINES]);
    await seen.provider.remove(seen.ref, { gracePeriodMs: 1_000 });
    const podPath = `/api/v1/namespaces/${ns.namespace}/pods/${seen.name}`;
    const [logs, deletion, ...readBacks] = seen.log.map((line) => line.replace(/\?.*$/, ''));
    expect([logs, deletion]).toEqual([`GET ${podPath}/log`, `DELETE ${podPath}`]);
    // remove resolves once the pod is gone: the kit's read-backs of that pod only.
    expect(readBacks.length).toBeGreaterThan(0);
    expect(new Set(readBacks)).toEqual(new Set([`GET ${podPath}`]));
    expect(await podsOf(ns.namespace, seen.scope)).toEqual([]);
  });

  test('a pod relabelled into another scope since it was seen is left alone', async () => {
    await using seen = await seenWorker('mine');
    const other = uniqueName('theirs');
    // While the watch is not read, its view still says the pod is ours.
    await relabel(seen.name, other);
    seen.log.length = 0;
    await seen.provider.remove(seen.ref, { gracePeriodMs: 1_000 });
    // The DELETE with the seen resourceVersion was refused; the read showed another scope,
    // and so did the kit's read-back (the worker of this scope is gone from here).
    expect(seen.log.map((line) => line.split(' ')[0])).toEqual(['DELETE', 'GET', 'GET']);
    const [pod] = await podsOf(ns.namespace, other);
    expect(pod?.metadata?.uid).toBe(seen.record.uid);
    expect(pod?.metadata?.deletionTimestamp).toBeUndefined();
  });

  test('stop by uid is one PATCH, and the kubelet ends the pod', async () => {
    await using seen = await seenWorker('stop');
    seen.log.length = 0;
    await seen.provider.stop(seen.ref);
    expect(seen.log.map((line) => line.split(' ')[0])).toEqual(['PATCH']);
    await pullUntil(
      seen.iterator,
      `pod ${seen.record.uid} ended by its deadline`,
      (o) => o.type === 'upsert' && o.worker.uid === seen.record.uid && o.worker.phase === 'failed',
    );
  });

  test('stop of a pod relabelled into another scope since it was seen changes nothing', async () => {
    await using seen = await seenWorker('stop-mine');
    const { core } = await admin();
    const before = await core.readNamespacedPod({ name: seen.name, namespace: ns.namespace });
    await relabel(seen.name, uniqueName('stop-theirs'));
    seen.log.length = 0;
    await expect(seen.provider.stop(seen.ref)).rejects.toSatisfy(WorkerNotFoundError.isInstance);
    // The PATCH with the seen resourceVersion was refused; the read showed another scope.
    expect(seen.log.map((line) => line.split(' ')[0])).toEqual(['PATCH', 'GET']);
    const after = await core.readNamespacedPod({ name: seen.name, namespace: ns.namespace });
    expect(after.spec?.activeDeadlineSeconds).toBe(before.spec?.activeDeadlineSeconds);
    expect(after.status?.phase).toBe('Running');
  });

  test('without a live watch, remove reads the pod first', async () => {
    const { provider, log } = providerFor(ns);
    const scope = uniqueName('unwatched');
    try {
      const record = await provider.create({ spec: worker(), ownership: ownership(scope, 'w') });
      log.length = 0;
      await provider.remove({ scope, workerId: 'w', uid: record.uid }, { gracePeriodMs: 1_000 });
      const [read, deletion, ...readBacks] = log.map((line) => line.split(' ')[0]);
      expect([read, deletion]).toEqual(['GET', 'DELETE']);
      expect(new Set(readBacks)).toEqual(new Set(['GET'])); // until the pod is gone
    } finally {
      await provider.close();
    }
  });
});
