/**
 * The caller's requests: grace periods honoured, misuse told apart from a bug, and requests
 * made while a worker is still being created (its Created state is observable).
 */
import { expect, test } from 'vitest';
import { setup, workerSpec } from '../../test/lifecycle-setup.js';
import {
  IllegalTransitionError,
  LifecycleErrorCodes,
  WorkerNotFoundError,
  WorkerStateError,
} from '../index.js';

const second = 1_000;

test("terminate's grace period is honoured (the policy says 10 s)", async () => {
  const { manager, clock } = setup();
  await manager.createWorker(workerSpec({ ignoreStop: true }), { workerId: 'w-1' });
  const ended = manager.terminate('w-1', { gracePeriodMs: 2 * second });
  await clock.advance(1_900);
  expect(manager.worker('w-1')?.state).toBe('Terminating');
  await clock.advance(100);
  await ended;
  expect(manager.worker('w-1')).toMatchObject({ state: 'Terminated', exitCode: 137 });
});

test("stop(ref, { gracePeriodMs }) through the provider contract honours the caller's grace period", async () => {
  const { manager, clock } = setup();
  await manager.createWorker(workerSpec({ ignoreStop: true }), { workerId: 'w-1' });
  const stopped = manager.stop!({ workerId: 'w-1', scope: 'test' }, { gracePeriodMs: 3 * second });
  await clock.advance(3 * second);
  await stopped;
  expect(manager.worker('w-1')).toMatchObject({
    state: 'Terminated',
    exitCode: 137,
    terminationReason: 'ManualTermination',
  });
});

test("remove(ref, { gracePeriodMs }) honours the caller's grace period", async () => {
  const { manager, infrastructure, clock, events } = setup();
  await manager.createWorker(workerSpec({ ignoreStop: true }), { workerId: 'w-1' });
  const removed = manager.remove({ workerId: 'w-1', scope: 'test' }, { gracePeriodMs: second });
  await clock.advance(second);
  await removed;
  expect(infrastructure.workers()).toEqual([]);
  expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
    cleanupReason: 'ForceCleanup',
    cleanupDuration: second,
  });
});

test('misuse is a WorkerStateError (its own code), not the ILLEGAL_TRANSITION of a bug', async () => {
  const { manager, clock } = setup();
  await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
  await clock.advance(second);
  let caught: unknown;
  try {
    manager.markBusy('w-1');
  } catch (error) {
    caught = error;
  }
  expect(WorkerStateError.isInstance(caught)).toBe(true);
  expect(caught).toMatchObject({
    code: LifecycleErrorCodes.INVALID_WORKER_STATE,
    operation: 'markBusy',
    from: 'Terminated',
    to: 'Running',
    workerId: 'w-1',
  });
  expect(caught).not.toHaveProperty('code', LifecycleErrorCodes.ILLEGAL_TRANSITION);
  // Code written against the class still catches it.
  expect(IllegalTransitionError.isInstance(caught)).toBe(true);
  expect(() => manager.markIdle('w-1')).toThrow(
    expect.objectContaining({ code: 'LIFECYCLE_INVALID_WORKER_STATE', operation: 'markIdle' }),
  );
  expect(manager.worker('w-1')?.state).toBe('Terminated');
});

test('Created is observable while the create call runs; marks made then are kept', async () => {
  const { manager, infrastructure, clock, events } = setup();
  await manager.start();
  infrastructure.faults.delayCreates(5 * second);
  const creating = manager.createWorker(workerSpec(), { workerId: 'w-1' });
  await clock.settle();
  expect(manager.worker('w-1')).toMatchObject({ state: 'Created', uid: undefined });
  manager.markBusy('w-1');
  await clock.advance(5 * second);
  await creating;
  expect(manager.worker('w-1')).toMatchObject({ state: 'Running', busy: true });
  events.expectSequence('w-1', ['WorkerEphemeralCreated', 'WorkerEphemeralReady']);
});

test('terminated while being created: it goes straight to Terminating once it exists', async () => {
  const { manager, infrastructure, clock, events } = setup();
  await manager.start();
  infrastructure.faults.delayCreates(5 * second);
  void manager.createWorker(workerSpec(), { workerId: 'w-1' });
  await clock.settle();
  const ended = manager.terminate('w-1');
  await clock.advance(5 * second);
  await ended;
  expect(manager.worker('w-1')?.state).toBe('Terminated');
  events.expectSequence('w-1', [
    'WorkerEphemeralCreated',
    'WorkerEphemeralTerminating',
    'WorkerEphemeralTerminated',
  ]);
});

test('removed while being created: removed once it exists, never left behind', async () => {
  const { manager, infrastructure, clock, events } = setup();
  await manager.start();
  infrastructure.faults.delayCreates(5 * second);
  const creating = manager.createWorker(workerSpec(), { workerId: 'w-1' });
  await clock.settle();
  const removed = manager.remove({ workerId: 'w-1', scope: 'test' });
  await clock.advance(5 * second);
  await creating;
  await removed;
  expect(infrastructure.workers()).toEqual([]);
  expect(manager.worker('w-1')).toBeUndefined();
  expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
    cleanupReason: 'ForceCleanup',
  });
});

test('a failed create that left a half-made worker: removed (confirmed gone) before createWorker rejects', async () => {
  const { manager, infrastructure, clock, events } = setup();
  await manager.start();
  // A create call that fails after the worker was made (a retryable error, not a refusal).
  infrastructure.faults.delayCreates(5 * second);
  const creating = manager.createWorker(workerSpec(), { workerId: 'w-1' });
  await clock.settle();
  infrastructure.vanish('w-1'); // the create call now fails: "deleted while it was being created"
  const rejected = expect(creating).rejects.toThrow(/deleted while it was being created/);
  await clock.advance(5 * second);
  await rejected;
  expect(manager.worker('w-1')).toBeUndefined();
  expect(events.forWorker('w-1')).toEqual([]);
  expect(() => manager.markBusy('w-1')).toThrow(WorkerNotFoundError);
});
