/**
 * What create says about a container it has just started, and what it costs in engine calls.
 * A health check in the spec settles the state (running, not ready) without an inspection; an
 * image that brings its own HEALTHCHECK must still be read, or its workers would look ready too
 * early; and a watch that sees the start meanwhile shares create's inspection.
 */
import {
  OwnershipKeys,
  type WorkerObservationV1,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  docker,
  purgeScopes,
  requireEngine,
  TEST_IMAGE,
  uniqueScope,
  waitUntil,
  worker,
} from '../test/support.js';
import { createDockerProvider, type DockerRequestInfo } from './index.js';

const scopes = new Set<string>();
/** The test image with a HEALTHCHECK of its own (committed locally; no registry needed). */
const SELF_CHECKED_IMAGE = `hodei-test-worker-healthcheck:${process.pid}`;

/**
 * A fresh scope and a provider that records each engine request as "METHOD /kind" (ids left
 * out). `watch()` starts collecting the scope's observations. `await using` stops the watch
 * (it must end cleanly) and closes the provider.
 */
function countingScope(prefix: string) {
  const scope = uniqueScope(prefix);
  scopes.add(scope);
  const requests: string[] = [];
  const provider = createDockerProvider({
    providerId: 'docker-create-state',
    onRequest: ({ method, path }: DockerRequestInfo) => {
      const kind = path
        .replace(/\?.*$/, '')
        .replace(/^\/containers\/(?!create$|json$)[^/]+/, '/containers/{id}');
      requests.push(`${method} ${kind}`);
    },
  });
  const controller = new AbortController();
  const observations: WorkerObservationV1[] = [];
  let watching: Promise<void> | undefined;
  return {
    scope,
    provider,
    requests,
    observations,
    watch() {
      watching = collect(provider.watch({ scope }, { signal: controller.signal }), observations);
    },
    async [Symbol.asyncDispose]() {
      controller.abort();
      try {
        await watching;
      } finally {
        await provider.close();
      }
    },
  };
}

const inspections = (requests: readonly string[]) =>
  requests.filter((r) => r === 'GET /containers/{id}/json').length;

function ownership(scope: string, workerId: string) {
  return {
    scope,
    workerId,
    providerId: 'docker-create-state',
    owner: 'create-state-test',
    expiresAt: new Date(Date.now() + 600_000),
    ttlAfterFinishedSeconds: 0,
  };
}

/** Collects a watch's observations until `signal` aborts. */
function collect(
  iterable: AsyncIterable<WorkerObservationV1>,
  into: WorkerObservationV1[],
): Promise<void> {
  return (async () => {
    for await (const observation of iterable) into.push(observation);
  })().catch((error: unknown) => {
    if ((error as { name?: string }).name !== 'AbortError') throw error;
  });
}

const upsertOf = (observations: readonly WorkerObservationV1[], uid: string, ready: boolean) =>
  observations.find(
    (o): o is Extract<WorkerObservationV1, { type: 'upsert' }> =>
      o.type === 'upsert' && o.worker.uid === uid && o.worker.ready === ready,
  );

beforeAll(async () => {
  await requireEngine();
  const base = await docker.createContainer({ Image: TEST_IMAGE, Labels: {} });
  try {
    await base.commit({
      repo: SELF_CHECKED_IMAGE.split(':')[0],
      tag: SELF_CHECKED_IMAGE.split(':')[1],
      changes: ['HEALTHCHECK --interval=1s --retries=1 CMD test -f /tmp/ready'],
    });
  } finally {
    await base.remove({ force: true });
  }
});

afterAll(async () => {
  await purgeScopes(scopes);
  await docker
    .getImage(SELF_CHECKED_IMAGE)
    .remove({ force: true })
    .catch(() => undefined);
});

describe('docker provider: the state create returns', () => {
  test('with a health check in the spec: create, start, and no inspection', async () => {
    await using counting = countingScope('create-probe');
    const { scope, provider, requests, observations } = counting;
    counting.watch();
    const record = await provider.create({
      spec: worker(),
      ownership: ownership(scope, 'probed'),
    });
    expect(record).toMatchObject({ workerId: 'probed', phase: 'running', ready: false });
    expect(record.labels[OwnershipKeys.managedBy]).toBe(scope);
    const info = await docker.getContainer(record.uid).inspect();
    expect(info.State.Running).toBe(true);

    // The health event makes it ready, with no call but the event stream.
    await waitUntil(
      'the watch to report the worker ready',
      () => upsertOf(observations, record.uid, true),
      (found) => found !== undefined,
    );
    // (The watch's own calls: the event stream, and one list when it starts.)
    const watchCalls = new Set(['GET /events', 'GET /containers/json']);
    expect(requests.filter((r) => !watchCalls.has(r))).toEqual([
      'POST /containers/create',
      'POST /containers/{id}/start',
    ]);
    // And the state it tracked is the engine's.
    const read = (await provider.get({ scope, workerId: 'probed' })) as WorkerRecordV1;
    expect(read).toMatchObject({ uid: record.uid, phase: 'running', ready: true });
  });

  test("without one, an image's own HEALTHCHECK still keeps the worker not ready", async () => {
    await using counting = countingScope('create-image-check');
    const { scope, provider, requests } = counting;
    const record = await provider.create({
      spec: { image: SELF_CHECKED_IMAGE, env: { WORKER_READY_AFTER: '2' } },
      ownership: ownership(scope, 'self-checked'),
    });
    expect(record).toMatchObject({ phase: 'running', ready: false });
    expect(inspections(requests)).toBe(1);
    const ready = await waitUntil(
      'the image health check to pass',
      () => provider.get({ scope, workerId: 'self-checked' }),
      (found) => found?.ready === true,
    );
    expect(ready?.uid).toBe(record.uid);
  });

  test('a watch that sees the start shares the inspection of create', async () => {
    await using counting = countingScope('create-shared');
    const { scope, provider, requests, observations } = counting;
    counting.watch();
    const records = await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        provider.create({
          spec: { image: TEST_IMAGE },
          ownership: ownership(scope, `shared-${id}`),
        }),
      ),
    );
    for (const record of records) {
      expect(record).toMatchObject({ phase: 'running', ready: true });
      await waitUntil(
        `the watch to report ${record.workerId} running`,
        () => upsertOf(observations, record.uid, true),
        (found) => found !== undefined,
      );
    }
    // One inspection per container: create's, none of the watch's own.
    expect(inspections(requests)).toBe(records.length);
  });
});
