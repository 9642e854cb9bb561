/**
 * How a worker's end is told, in memory: a job that completed before its adopter arrived (past
 * its deadline) is JobCompleted; a TTL never starts before the end was seen, nor (for a worker
 * first seen finished) before the reported end, plus a second when the report is in whole
 * seconds (it may be truncated); a stop from outside
 * is an ExternalTermination, or the lifetime when it came at the stamped deadline.
 */
import { createManualClock, createMemoryProvider } from '@hodei/lifecycle-testkit';
import { expect, test } from 'vitest';
import { setup, testPolicy, workerSpec } from '../../test/lifecycle-setup.js';
import {
  type ProviderV1,
  type WatchOptionsV1,
  type WorkerRecordV1,
  type WorkerRefV1,
  type WorkerSelectorV1,
  withLifecycle,
} from '../index.js';

const second = 1_000;
const minute = 60 * second;

test('adopted after its deadline, a job that had completed ends JobCompleted with its exit code', async () => {
  const first = setup();
  await first.manager.createWorker(workerSpec({ runForMs: 30 * second, exitCode: 0 }), {
    workerId: 'quick',
  });
  await first.manager.createWorker(workerSpec({ runForMs: 40 * second, exitCode: 4 }), {
    workerId: 'broken',
  });
  await first.manager.close(); // the crash
  await first.clock.advance(11 * minute); // past the 10 min deadline stamped on both

  const next = setup({
    infrastructure: first.infrastructure,
    clock: first.clock,
    options: { instanceId: 'manager-b' },
  });
  await next.manager.start();
  await next.clock.settle();
  const terminated = next.events.ofType('WorkerEphemeralTerminated');
  expect(terminated.map((e) => [e.workerId, e.reason, e.exitCode])).toEqual([
    ['quick', 'JobCompleted', 0],
    ['broken', 'JobCompleted', 4],
  ]);
  next.events.expectNone('WorkerEphemeralTerminating');
  // Long past their TTL (1 min after they ended): removed promptly.
  expect(next.infrastructure.workers()).toEqual([]);
  expect(next.events.ofType('WorkerEphemeralCleanedUp').map((e) => e.cleanupReason)).toEqual([
    'TtlExpired',
    'TtlExpired',
  ]);
});

test('adopted already finished: the TTL counts from the reported end (to the millisecond when it is reported so)', async () => {
  const clock = createManualClock(Date.parse('2026-01-01T00:00:00.300Z'));
  const first = setup({ clock });
  await first.manager.createWorker(workerSpec({ runForMs: 5 * second }), { workerId: 'w-1' });
  await first.manager.close();
  await clock.advance(10 * second); // ended at :05.300; adopted at :10.300

  const next = setup({ clock, infrastructure: first.infrastructure, options: { instanceId: 'b' } });
  await next.manager.start();
  await clock.settle();
  const [terminated] = next.events.ofType('WorkerEphemeralTerminated');
  // From :05.300 (the reported end), not from the adoption at :10.300.
  expect(terminated?.ttlExpiresAt?.toISOString()).toBe('2026-01-01T00:01:05.300Z');
  await clock.advance(54 * second + 900); // :01:05.200
  expect(first.infrastructure.workers()).toHaveLength(1);
  await clock.advance(100);
  expect(first.infrastructure.workers()).toEqual([]);
});

test('adopted already finished, its end reported in whole seconds: the TTL counts from a second later (the report may be truncated)', async () => {
  const clock = createManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
  const first = setup({ clock });
  await first.manager.createWorker(workerSpec({ runForMs: 5 * second }), { workerId: 'w-1' });
  await first.manager.close();
  await clock.advance(10 * second); // reported end :05.000 (the real one may be up to :05.999)

  const next = setup({ clock, infrastructure: first.infrastructure, options: { instanceId: 'b' } });
  await next.manager.start();
  await clock.settle();
  const [terminated] = next.events.ofType('WorkerEphemeralTerminated');
  expect(terminated?.ttlExpiresAt?.toISOString()).toBe('2026-01-01T00:01:06.000Z');
  await clock.advance(55 * second + 900); // :01:05.900
  expect(first.infrastructure.workers()).toHaveLength(1);
  await clock.advance(100);
  expect(first.infrastructure.workers()).toEqual([]);
});

test('seen running, then seen finished: the TTL never starts before the end was seen (reports truncated to the second)', async () => {
  const { provider, clock, events } = setup();
  // A provider that reports finishedAt truncated to the whole second, as Kubernetes does.
  const truncate = (record: WorkerRecordV1): WorkerRecordV1 => ({
    ...record,
    finishedAt:
      record.finishedAt && new Date(Math.floor(record.finishedAt.getTime() / 1000) * 1000),
  });
  const truncating: ProviderV1 = Object.assign(Object.create(provider) as ProviderV1, {
    async get(ref: WorkerRefV1) {
      const record = await provider.get(ref);
      return record && truncate(record);
    },
    async list(selector: WorkerSelectorV1) {
      return (await provider.list(selector)).map(truncate);
    },
    async *watch(selector: WorkerSelectorV1, options: WatchOptionsV1) {
      for await (const o of provider.watch!(selector, options)) {
        yield o.type === 'upsert' ? { ...o, worker: truncate(o.worker) } : o;
      }
    },
  });
  const manager = withLifecycle(truncating, {
    clock,
    publisher: events,
    scope: 'test',
    policy: testPolicy,
    logTailLines: 0,
  });
  await manager.createWorker(workerSpec({ runForMs: 2_700 }), { workerId: 'w-1' });
  await clock.advance(2_700); // ends at +2.7 s, reported as +2 s; the watch shows it at once
  const [terminated] = events.ofType('WorkerEphemeralTerminated');
  expect(terminated?.occurredAt.getTime()).toBe(clock.now());
  // The TTL (1 min) counts from +2.7 s, when it was seen ended, not from the +2 s reported.
  expect(terminated!.ttlExpiresAt!.getTime() - terminated!.occurredAt.getTime()).toBe(minute);
  await clock.advance(minute - 1);
  expect(manager.worker('w-1')?.state).toBe('Terminated');
  await clock.advance(1);
  expect(manager.worker('w-1')).toBeUndefined();
  await manager.close();
});

test("stopped from outside before its deadline (an operator's stop): ExternalTermination, not JobCompleted", async () => {
  const { manager, infrastructure, events, clock } = setup();
  await manager.createWorker(workerSpec(), { workerId: 'w-1' });
  // The operator: a bare provider on the same infrastructure, as `docker stop` would be.
  const operator = createMemoryProvider({ infrastructure });
  await operator.stop!({ workerId: 'w-1', scope: 'test' }, { gracePeriodMs: 0 });
  await clock.settle();
  expect(events.ofType('WorkerEphemeralTerminated')).toEqual([
    expect.objectContaining({
      workerId: 'w-1',
      reason: 'ExternalTermination',
      exitCode: 143,
      actor: expect.objectContaining({ kind: 'infrastructure' }),
    }),
  ]);
  expect(manager.worker('w-1')).toMatchObject({
    state: 'Terminated',
    terminationReason: 'ExternalTermination',
  });
});

test('stopped from outside at its stamped deadline (another manager of the scope): LifetimeExceeded', async () => {
  const owner = setup();
  await owner.manager.createWorker(workerSpec(), { workerId: 'w-1' });
  owner.manager.markBusy('w-1');
  // A second manager of the scope, on its own provider, with a watch and the stamped deadline.
  const other = setup({
    infrastructure: owner.infrastructure,
    clock: owner.clock,
    options: { instanceId: 'manager-b' },
  });
  await other.manager.start();
  await owner.clock.advance(10 * minute);
  const reasons = owner.events.ofType('WorkerEphemeralTerminated').map((e) => e.reason);
  expect(reasons).toEqual(['LifetimeExceeded']);
  await other.manager.close();
});
