// Smoke test: a pod bound to the kwok node goes Running, then Succeeded (test.hodei.io/exit-code: "0").
// Needs the environment from tools/k8s-env/bin/up; FAILS (does not skip) if the API server is unreachable.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  ANN,
  connect,
  createTestNamespace,
  isReady,
  NODE_NAME,
  podSpec,
  waitForPod,
} from './env.js';

const ns = `k8s-env-smoke-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  const { core } = await connect().catch(() => ({ core: undefined }));
  if (core) await createTestNamespace(core, ns);
}, 30_000);

afterAll(async () => {
  const { core } = await connect().catch(() => ({ core: undefined }));
  await core?.deleteNamespace({ name: ns }).catch(() => undefined);
}, 30_000);

test('API server reports the built Kubernetes version', async () => {
  const { version } = await connect();
  const info = await version.getCode();
  expect(info.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
  expect(info.gitVersion).not.toContain('0.0.0');
});

test('pod on the kwok node runs, then succeeds with exit code 0', async () => {
  const { core } = await connect();
  const name = 'smoke';
  await core.createNamespacedPod({
    namespace: ns,
    body: podSpec(name, { annotations: { [ANN.exitCode]: '0', [ANN.runFor]: '3s' } }),
  });

  const running = await waitForPod(
    core,
    ns,
    name,
    'Running and Ready',
    (p) => p.status?.phase === 'Running' && isReady(p),
    30_000,
  );
  expect(running.spec?.nodeName).toBe(NODE_NAME);
  expect(running.status?.containerStatuses?.[0]?.state?.running).toBeDefined();

  const done = await waitForPod(
    core,
    ns,
    name,
    'Succeeded',
    (p) => p.status?.phase === 'Succeeded',
    30_000,
  );
  const term = done.status?.containerStatuses?.[0]?.state?.terminated;
  expect(term?.exitCode).toBe(0);
  expect(term?.reason).toBe('Completed');
}, 60_000);
