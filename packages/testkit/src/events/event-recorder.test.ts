import { AssertionError } from 'node:assert';
import type { LifecycleEvent } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import { createEventRecorder } from './event-recorder.js';

const base = {
  providerId: 'memory',
  occurredAt: new Date('2026-01-01T00:00:00.000Z'),
  correlationId: 'c-1',
  actor: { kind: 'manager', instanceId: 'm-1' },
} as const;

const created = (workerId: string): LifecycleEvent => ({
  ...base,
  type: 'WorkerEphemeralCreated',
  workerId,
  maxLifetime: 60_000,
  ttlAfterCompletion: 0,
  expiresAt: new Date('2026-01-01T00:01:00.000Z'),
});
const ready = (workerId: string): LifecycleEvent => ({
  ...base,
  type: 'WorkerEphemeralReady',
  workerId,
});
const terminating = (workerId: string): LifecycleEvent => ({
  ...base,
  type: 'WorkerEphemeralTerminating',
  workerId,
  reason: 'IdleTimeout',
});
const gc: LifecycleEvent = {
  ...base,
  type: 'GarbageCollectionCompleted',
  workersCleaned: 1,
  orphansDetected: 0,
  errors: [],
  duration: 5,
};

function recorded() {
  const recorder = createEventRecorder();
  for (const event of [created('w1'), created('w2'), ready('w1'), gc, terminating('w1')]) {
    recorder.publish(event);
  }
  return recorder;
}

describe('createEventRecorder', () => {
  test('records every event in order, by type and by worker', () => {
    const recorder = recorded();
    expect(recorder.events.map((e) => e.type)).toEqual([
      'WorkerEphemeralCreated',
      'WorkerEphemeralCreated',
      'WorkerEphemeralReady',
      'GarbageCollectionCompleted',
      'WorkerEphemeralTerminating',
    ]);
    const [terminatingEvent] = recorder.ofType('WorkerEphemeralTerminating');
    expect(terminatingEvent?.reason).toBe('IdleTimeout'); // typed payload
    expect(recorder.ofType('WorkerEphemeralCreated').map((e) => e.workerId)).toEqual(['w1', 'w2']);
    expect(recorder.forWorker('w2')).toHaveLength(1);
    expect(recorder.typesFor('w1')).toEqual([
      'WorkerEphemeralCreated',
      'WorkerEphemeralReady',
      'WorkerEphemeralTerminating',
    ]);
    recorder.clear();
    expect(recorder.events).toEqual([]);
  });

  test('expectSequence passes on the exact sequence and fails with expected vs actual', () => {
    const recorder = recorded();
    recorder.expectSequence('w1', [
      'WorkerEphemeralCreated',
      'WorkerEphemeralReady',
      'WorkerEphemeralTerminating',
    ]);
    let error: unknown;
    try {
      recorder.expectSequence('w1', ['WorkerEphemeralCreated', 'WorkerEphemeralTerminating']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as AssertionError).message).toBe(
      'expected exactly WorkerEphemeralCreated, WorkerEphemeralTerminating for worker w1, got ' +
        'WorkerEphemeralCreated, WorkerEphemeralReady, WorkerEphemeralTerminating',
    );
    expect(() => recorder.expectSequence('w9', ['WorkerEphemeralCreated'])).toThrow(/got \(none\)/);
  });

  test('expectContains accepts other events between, refuses the wrong order', () => {
    const recorder = recorded();
    recorder.expectContains('w1', ['WorkerEphemeralCreated', 'WorkerEphemeralTerminating']);
    recorder.expectContains(['WorkerEphemeralReady', 'GarbageCollectionCompleted']);
    recorder.expectContains('w1', []);
    expect(() =>
      recorder.expectContains('w1', ['WorkerEphemeralTerminating', 'WorkerEphemeralCreated']),
    ).toThrow(
      /expected events WorkerEphemeralTerminating, WorkerEphemeralCreated in this order for worker w1, got/,
    );
    expect(() => recorder.expectContains(['OrphanWorkerDetected'])).toThrow(AssertionError);
  });

  test('expectNone fails naming the event found', () => {
    const recorder = recorded();
    recorder.expectNone('OrphanWorkerDetected');
    recorder.expectNone('WorkerEphemeralReady', 'w2');
    expect(() => recorder.expectNone('WorkerEphemeralReady', 'w1')).toThrow(
      /expected no WorkerEphemeralReady for worker w1, got 1/,
    );
    expect(() => recorder.expectNone('GarbageCollectionCompleted')).toThrow(AssertionError);
  });

  test('waitFor resolves with an event already recorded', async () => {
    const recorder = recorded();
    const event = await recorder.waitFor('WorkerEphemeralCreated', (e) => e.workerId === 'w2');
    expect(event.workerId).toBe('w2');
  });

  test('waitFor resolves when a matching event is published later', async () => {
    const recorder = createEventRecorder();
    const waiting = recorder.waitFor('WorkerEphemeralReady', (e) => e.workerId === 'w2');
    recorder.publish(ready('w1'));
    setImmediate(() => recorder.publish(ready('w2')));
    expect((await waiting).workerId).toBe('w2');
  });

  test('waitFor rejects after its bound, saying what it waited for and what it saw', async () => {
    const recorder = createEventRecorder();
    recorder.publish(created('w1'));
    await expect(
      recorder.waitFor('WorkerEphemeralCleanedUp', undefined, { timeoutMs: 5 }),
    ).rejects.toThrow(
      'waited 5 ms for WorkerEphemeralCleanedUp; recorded so far: WorkerEphemeralCreated(w1)',
    );
    await expect(
      recorder.waitFor('WorkerEphemeralReady', () => true, { timeoutMs: 1 }),
    ).rejects.toThrow(/matching the predicate/);
  });

  test('a throwing predicate fails its wait, never the publisher', async () => {
    const recorder = createEventRecorder();
    const waiting = recorder.waitFor('WorkerEphemeralReady', () => {
      throw new Error('bad predicate');
    });
    expect(() => recorder.publish(ready('w1'))).not.toThrow();
    await expect(waiting).rejects.toThrow('bad predicate');
    expect(recorder.events).toHaveLength(1);
    await expect(
      recorder.waitFor('WorkerEphemeralReady', () => {
        throw new Error('again');
      }),
    ).rejects.toThrow('again');
  });
});
