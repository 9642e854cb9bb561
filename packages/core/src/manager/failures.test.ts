/**
 * Failures told apart: a refusal (the provider's `retryable: false`, such as an RBAC 403) is
 * reported once as an event, counted, listed by the garbage collection and retried only at
 * the resync cadence, and the manager recovers by itself once it is allowed again; a
 * retryable failure backs off with jitter up to a cap, quietly. Stop and removal failures
 * are counted apart.
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { expect, test } from 'vitest';
import { setup, testPolicy, workerSpec } from '../../test/lifecycle-setup.js';
import { ProviderError } from '../index.js';

const second = 1_000;
const minute = 60 * second;
const forbidden = () =>
  new ProviderError('memory', 'DELETE pods/w-1: HTTP 403 Forbidden', {
    retryable: false,
    status: 403,
  });

class InMemoryReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  /** Sum of a counter's points whose attributes include these. */
  async sum(name: string, attributes: Record<string, unknown>): Promise<number> {
    const { resourceMetrics } = await this.collect();
    let total = 0;
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue;
        for (const point of metric.dataPoints) {
          const matches = Object.entries(attributes).every(([k, v]) => point.attributes[k] === v);
          if (matches) total += point.value as number;
        }
      }
    }
    return total;
  }
}

test('a refused removal: one event, a metric, the GC summary, retries only at the resync cadence, recovery by itself', async () => {
  const reader = new InMemoryReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  // Default logger (silent); the event is what makes the refusal visible.
  const { manager, events, infrastructure, clock } = setup({
    options: {
      meter: meterProvider.getMeter('test'),
      policy: { ...testPolicy, ttlAfterCompletion: 0 }, // resync every 30 s
    },
  });
  await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
  infrastructure.faults.failRemoves(1_000, forbidden());
  infrastructure.resetCalls();
  await clock.advance(second); // it completes; its removal is refused

  const [failed] = events.ofType('WorkerEphemeralActionFailed');
  expect(failed).toMatchObject({
    workerId: 'w-1',
    action: 'remove',
    errorCode: 'LIFECYCLE_PROVIDER_ERROR',
    status: 403,
    attempts: 1,
    actor: { kind: 'infrastructure' },
  });
  expect(failed?.nextAttemptAt.getTime()).toBe(clock.now() + 30 * second);
  expect(manager.worker('w-1')).toMatchObject({
    state: 'Terminated',
    removalAttempts: 1,
    stopAttempts: 0,
    failure: { action: 'remove', terminal: true, attempts: 1 },
  });

  // Five minutes: one attempt per resync interval, never faster, and no second event.
  await clock.advance(5 * minute);
  expect(infrastructure.calls.remove).toBe(11);
  expect(events.ofType('WorkerEphemeralActionFailed')).toHaveLength(1);
  expect(manager.worker('w-1')?.removalAttempts).toBe(11);
  expect(await reader.sum('hodei.lifecycle.removal.failures', { terminal: true })).toBe(11);
  const summary = await manager.collectGarbage();
  expect(summary.errors).toEqual([expect.stringMatching(/^remove w-1: .*403 Forbidden/)]);
  expect(events.ofType('GarbageCollectionCompleted').at(-1)?.errors).toEqual(summary.errors);

  // Allowed again (the Role is fixed): removed at the next attempt, within one interval.
  infrastructure.faults.reset();
  await clock.advance(30 * second);
  expect(infrastructure.workers()).toEqual([]);
  expect(manager.worker('w-1')).toBeUndefined();
  expect(events.ofType('WorkerEphemeralCleanedUp')).toEqual([
    expect.objectContaining({ workerId: 'w-1', cleanupReason: 'NormalTermination' }),
  ]);
  expect((await manager.collectGarbage()).errors).toEqual([]);
  await meterProvider.shutdown();
});

test('remove() rejects with the refusal; the manager keeps trying at the resync cadence', async () => {
  const { manager, infrastructure, clock } = setup();
  await manager.createWorker(workerSpec(), { workerId: 'w-1' });
  infrastructure.faults.failRemoves(1, forbidden());
  await expect(manager.remove({ workerId: 'w-1', scope: 'test' })).rejects.toSatisfy(
    (error) => ProviderError.isInstance(error) && error.status === 403,
  );
  expect(infrastructure.workers()).toHaveLength(1);
  await clock.advance(30 * second);
  expect(infrastructure.workers()).toEqual([]);
});

test('a retryable failure backs off with jitter, doubling up to the cap, and is not announced', async () => {
  const { manager, events, infrastructure, clock } = setup({
    options: {
      policy: { ...testPolicy, ttlAfterCompletion: 0, orphanCheckInterval: '1h' },
      retryDelay: '1s',
      maxRetryDelay: '8s',
    },
  });
  await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
  infrastructure.faults.failRemoves(8);
  const attempts: number[] = [];
  const original = infrastructure.calls.remove;
  let seen = original;
  await clock.advance(second);
  for (let t = 0; t < 60_000; t += 50) {
    if (infrastructure.calls.remove !== seen) {
      seen = infrastructure.calls.remove;
      attempts.push(clock.now());
    }
    await clock.advance(50);
  }
  expect(attempts).toHaveLength(9); // 8 failures, then the success
  const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
  const plain = [1, 2, 4, 8, 8, 8, 8, 8].map((s) => s * second);
  gaps.forEach((gap, i) => {
    expect(gap).toBeGreaterThanOrEqual(plain[i]! / 2);
    expect(gap).toBeLessThanOrEqual(plain[i]! + 50);
  });
  expect(events.ofType('WorkerEphemeralActionFailed')).toEqual([]);
  expect(infrastructure.workers()).toEqual([]);
});

test('a refused stop: terminate() rejects, one event, the stop is retried at the resync cadence', async () => {
  const { manager, events, infrastructure, clock } = setup();
  await manager.createWorker(workerSpec(), { workerId: 'w-1' });
  infrastructure.faults.failCalls(
    'stop',
    3,
    new ProviderError('memory', 'PATCH pods/w-1: HTTP 403 Forbidden', {
      retryable: false,
      status: 403,
    }),
  );
  await expect(manager.terminate('w-1')).rejects.toSatisfy(ProviderError.isInstance);
  expect(manager.worker('w-1')).toMatchObject({
    state: 'Terminating',
    stopAttempts: 1,
    removalAttempts: 0,
    failure: { action: 'stop', terminal: true },
  });
  expect(events.ofType('WorkerEphemeralActionFailed')).toEqual([
    expect.objectContaining({ action: 'stop', status: 403 }),
  ]);
  infrastructure.resetCalls();
  await clock.advance(29 * second);
  expect(infrastructure.calls.stop).toBe(0);
  await clock.advance(2 * minute); // two more refusals, then it is allowed
  expect(infrastructure.calls.stop).toBe(3);
  expect(manager.worker('w-1')).toMatchObject({ state: 'Terminated', stopAttempts: 3 });
  expect(events.ofType('WorkerEphemeralActionFailed')).toHaveLength(1);
});

test('stop and removal failures are counted apart', async () => {
  const { manager, infrastructure, clock } = setup({
    options: { policy: { ...testPolicy, ttlAfterCompletion: 0 } },
  });
  await manager.createWorker(workerSpec(), { workerId: 'w-1' });
  infrastructure.faults.failCalls('stop', 2);
  infrastructure.faults.failRemoves(1, forbidden()); // then tried again only after 30 s
  const ended = manager.terminate('w-1');
  await clock.advance(3 * second); // two failed stops (backoff under 1 s, then 2 s), then the stop
  await ended;
  await clock.settle(); // ended with a TTL of 0: its removal is tried, and refused once
  expect(manager.worker('w-1')).toMatchObject({ stopAttempts: 2, removalAttempts: 1 });
  await clock.advance(30 * second);
  expect(infrastructure.workers()).toEqual([]);
});
