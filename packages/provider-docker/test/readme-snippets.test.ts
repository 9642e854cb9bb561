/**
 * The snippets of packages/provider-docker/README.md, run against the real engine
 * (tools/docker-env/bin/up) so they cannot rot; docs/snippets.mjs checks that the README shows
 * exactly these regions.
 */
import { withLifecycle } from '@hodei/lifecycle-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDockerProvider } from '../src/index.js';
import {
  containersOf,
  docker,
  purgeScopes,
  requireEngine,
  uniqueScope,
  waitUntil,
} from './support.js';

const scopes = new Set<string>();

beforeAll(requireEngine);
afterAll(() => purgeScopes(scopes));

test('README: the smallest working program', async () => {
  let uid: string | undefined;
  try {
    // #region smallest
    await using workers = withLifecycle(createDockerProvider(), {
      policy: { maxLifetime: '10m', ttlAfterCompletion: '1m' },
    });
    const worker = await workers.createWorker({
      image: 'hodei-test-worker:1', // must already be on the engine: the provider never pulls
      command: ['sh', '-c', 'echo hello; sleep 5'],
    });
    console.log(worker.workerId, worker.uid); // uid = the container id
    // #endregion smallest
    uid = worker.uid;
    const info = await docker.getContainer(worker.uid).inspect();
    expect(info.Config.Labels).toMatchObject({
      'hodei.io/managed-by': 'default',
      'hodei.io/worker-id': worker.workerId,
      'hodei.io/provider-id': 'docker',
    });
    expect(info.Config.Entrypoint).toEqual(['sh', '-c', 'echo hello; sleep 5']);
    expect(info.HostConfig.NetworkMode).toBe('none');
    await waitUntil(
      'the worker to print hello',
      () => workers.logs?.({ workerId: worker.workerId, scope: 'default' }) ?? [],
      (lines) => lines.includes('hello'),
    );
  } finally {
    // Only this test's container: the scope 'default' may be someone else's too.
    if (uid) {
      await docker
        .getContainer(uid)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    }
  }
});

test('README: spec.extensions.docker', async () => {
  const scope = uniqueScope('readme-ext');
  scopes.add(scope);
  await using workers = withLifecycle(createDockerProvider(), { scope });
  // #region extensions
  await workers.createWorker({
    image: 'hodei-test-worker:1',
    resources: { cpu: '500m', memory: '256Mi' },
    extensions: {
      docker: {
        healthcheck: { command: 'test -f /tmp/ready', intervalMs: 1000 },
        mounts: [{ type: 'tmpfs', target: '/scratch', sizeBytes: 64 * 2 ** 20 }],
      },
    },
  });
  // #endregion extensions
  const [container] = await containersOf(scope);
  expect(container).toBeDefined();
  const info = await docker.getContainer(container!.Id).inspect();
  expect(info.HostConfig.NanoCpus).toBe(500_000_000);
  expect(info.HostConfig.Memory).toBe(256 * 2 ** 20);
  expect(info.HostConfig.MemorySwap).toBe(256 * 2 ** 20);
  expect(info.Config.Healthcheck).toMatchObject({
    Test: ['CMD-SHELL', 'test -f /tmp/ready'],
    Interval: 1_000_000_000,
  });
  expect(info.HostConfig.Mounts).toEqual([
    expect.objectContaining({
      Type: 'tmpfs',
      Target: '/scratch',
      TmpfsOptions: expect.objectContaining({ SizeBytes: 64 * 2 ** 20 }),
    }),
  ]);
  // The health check passes once the image's /worker has made /tmp/ready.
  const workerId = container!.Labels['hodei.io/worker-id']!;
  await waitUntil(
    'the worker to be ready (healthy)',
    () => workers.get({ workerId, scope }),
    (record) => record?.ready === true,
  );
});
