/**
 * The provider under the lifecycle manager: a worker that completes is terminated, then
 * removed when its TTL runs out; one that outlives its maxLifetime is stopped and removed.
 */
import { withLifecycle } from '@hodei/lifecycle-core';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { expect, test } from 'vitest';
import { createProvider } from '../src/index.js';

const image = 'busybox:1.36';

test('a completed worker is cleaned up after its TTL; an overdue one is stopped', async () => {
  const events = createEventRecorder();
  const provider = createProvider({ pollIntervalMs: 20 });
  await using manager = withLifecycle(provider, {
    scope: 'lifecycle-test',
    publisher: events,
    policy: { maxLifetime: '1s', ttlAfterCompletion: '100ms', orphanCheckInterval: '1s' },
  });
  expect(manager.policyPreset).toBe(provider.defaultPolicyPreset?.name);
  const done = await manager.createWorker({ image, command: ['exit', '0'] });
  const overdue = await manager.createWorker({ image, command: ['serve'] });
  manager.markBusy(overdue.workerId);
  const cleaned = await events.waitFor(
    'WorkerEphemeralCleanedUp',
    (event) => event.workerId === done.workerId,
    { timeoutMs: 5_000 },
  );
  expect(cleaned.cleanupReason).toBe('TtlExpired');
  const ended = await events.waitFor(
    'WorkerEphemeralTerminating',
    (event) => event.workerId === overdue.workerId,
    { timeoutMs: 5_000 },
  );
  expect(ended.reason).toBe('LifetimeExceeded');
});
