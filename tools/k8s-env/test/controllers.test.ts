// The control-plane features the environment promises besides the fake kubelet:
// kube-controller-manager's namespace deletion, garbage collector and serviceaccount controllers,
// and a client surviving bin/restart-apiserver. FAILS if the API server is unreachable.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'vitest';
import { connect, createTestNamespace, isNotFound, podSpec, sleep, waitForPod } from './env.js';

const suffix = randomBytes(3).toString('hex');
const binDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin');

async function waitGone(
  what: string,
  read: () => Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await read();
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what} to be deleted`);
    await sleep(250);
  }
}

test('namespace deletion completes and the garbage collector removes dependents', async () => {
  const { core } = await connect();
  const ns = `k8s-env-ctrl-${suffix}`;
  await createTestNamespace(core, ns); // serviceaccount controller created "default"
  const owner = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'owner' } },
  });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: {
      metadata: {
        name: 'dependent',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! },
        ],
      },
    },
  });
  await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns });
  await waitGone(
    'ConfigMap dependent (garbage collector)',
    () => core.readNamespacedConfigMap({ name: 'dependent', namespace: ns }),
    30_000,
  );

  await core.createNamespacedPod({ namespace: ns, body: podSpec('worker') });
  await core.deleteNamespace({ name: ns });
  await waitGone(
    `namespace ${ns} (namespace controller)`,
    () => core.readNamespace({ name: ns }),
    45_000,
  );
}, 90_000);

test('a client keeps working across bin/restart-apiserver', async () => {
  const { core } = await connect();
  const ns = `k8s-env-restart-${suffix}`;
  await createTestNamespace(core, ns);
  await core.createNamespacedPod({ namespace: ns, body: podSpec('before') });
  await waitForPod(core, ns, 'before', 'Running', (p) => p.status?.phase === 'Running');

  await promisify(execFile)(join(binDir, 'restart-apiserver'), [], { timeout: 120_000 });

  // Same client objects, new API server process; kwok and the controllers must have reconnected too.
  await core.createNamespacedPod({ namespace: ns, body: podSpec('after') });
  await waitForPod(core, ns, 'after', 'Running', (p) => p.status?.phase === 'Running');
  // Clean up without waiting on the controllers' post-restart re-list (can take tens of seconds).
  for (const name of ['before', 'after']) {
    await core.deleteNamespacedPod({ name, namespace: ns, gracePeriodSeconds: 0 });
  }
  await core.deleteNamespace({ name: ns });
}, 180_000);
