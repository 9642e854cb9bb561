import { createManualClock } from '@hodei/lifecycle-testkit';
import { describe, expect, test } from 'vitest';
import { NotOwnedError, ProviderError, WorkerNotFoundError } from '../../errors/errors.js';
import { definePolicy } from '../../policy/define-policy.js';
import type { ProviderV1, WorkerRecordV1 } from '../../provider/v1/provider-v1.js';
import { LifecycleState } from '../../state/lifecycle-state.js';
import type { ActionFailure, Effect } from '../decision/decision-types.js';
import { newTrackedWorker, type TrackedWorker } from '../worker/tracked-worker.js';
import { backoffDelay, isTerminalFailure } from './backoff.js';
import { Executor } from './executor.js';

describe('backoff', () => {
  test('doubles from the base up to the cap, with jitter in [half, whole)', () => {
    const settings = { baseMs: 1_000, maxMs: 8_000 };
    const plain = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000];
    plain.forEach((ms, i) => {
      expect(backoffDelay(i + 1, settings, () => 0)).toBe(ms / 2);
      expect(backoffDelay(i + 1, settings, () => 0.999_999)).toBeCloseTo(ms, -1);
    });
    expect(backoffDelay(1_000, settings, () => 0.5)).toBe(6_000);
  });

  test('a refusal is terminal; a retryable or unclassified failure is not', () => {
    expect(
      isTerminalFailure(new ProviderError('p', '403', { retryable: false, status: 403 })),
    ).toBe(true);
    expect(isTerminalFailure(new NotOwnedError('w', 'another scope'))).toBe(true);
    expect(isTerminalFailure(new ProviderError('p', '503', { retryable: true }))).toBe(false);
    expect(isTerminalFailure(new Error('socket hang up'))).toBe(false);
  });
});

function worker(id = 'w-1'): TrackedWorker {
  return newTrackedWorker({
    workerId: id,
    uid: `uid-${id}`,
    state: LifecycleState.Terminated,
    adopted: false,
    owner: 'a',
    ownedByMe: true,
    policy: definePolicy({}),
    correlationId: 'c',
    createdAt: 0,
    expiresAt: undefined,
    ttlMs: 0,
    creation: 'done',
    seenUnfinished: true,
    now: 0,
  });
}

/** A provider whose calls wait until the test releases them. */
function gatedProvider() {
  const pending: { op: string; release: (error?: Error) => void }[] = [];
  const call = (op: string) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ op, release: (error) => (error ? reject(error) : resolve()) });
    });
  const provider = {
    specificationVersion: 'v1',
    type: 'gated',
    providerId: 'gated',
    capabilities: {
      stop: true,
      watch: false,
      logs: true,
      health: false,
      nativeDeadline: false,
      nativeTtl: false,
    },
    create: async () => {
      throw new Error('unused');
    },
    get: async (): Promise<WorkerRecordV1 | undefined> => {
      await call('get');
      return undefined;
    },
    list: async () => [],
    remove: () => call('remove'),
    stop: () => call('stop'),
    logs: async () => {
      await call('logs');
      return ['line'];
    },
  } as ProviderV1;
  return { provider, pending };
}

function executorFor(provider: ProviderV1, concurrency = 2) {
  const clock = createManualClock(0);
  const failures: ActionFailure[] = [];
  const settled: string[] = [];
  const read: (WorkerRecordV1 | undefined)[] = [];
  const executor = new Executor(
    provider,
    {
      clock,
      concurrency,
      baseMs: 1_000,
      maxMs: 60_000,
      terminalRetryMs: 30_000,
      random: () => 0.5,
    },
    {
      ref: (w) => ({ workerId: w.workerId, scope: 's', uid: w.uid }),
      read: (_w, record) => read.push(record),
      failed: (_w, failure) => failures.push(failure),
      settled: (w) => settled.push(w.workerId),
      ignored: () => {},
    },
  );
  return { executor, clock, failures, settled, read };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const remove: Effect = { kind: 'remove', gracePeriodMs: 0 };

describe('executor', () => {
  test('one call per worker at a time: a second request while one runs is dropped', async () => {
    const { provider, pending } = gatedProvider();
    const { executor, settled } = executorFor(provider);
    const w = worker();
    executor.run(w, remove);
    executor.run(w, remove);
    executor.run(w, { kind: 'stop', gracePeriodMs: 0 });
    await flush();
    expect(pending.map((p) => p.op)).toEqual(['remove']);
    expect(w.inFlight).toBe('remove');
    pending[0]!.release();
    await flush();
    expect(w.inFlight).toBeUndefined();
    expect(w.removeAcceptedAt).toBe(0);
    expect(settled).toEqual(['w-1']);
  });

  test('at most `concurrency` calls at once; log reads are bounded apart', async () => {
    const { provider, pending } = gatedProvider();
    const { executor } = executorFor(provider, 2);
    const workers = ['a', 'b', 'c', 'd'].map(worker);
    for (const w of workers) executor.run(w, remove);
    for (const w of ['e', 'f', 'g'].map(worker)) executor.run(w, { kind: 'readLogs', tail: 5 });
    await flush();
    expect(pending.map((p) => p.op).sort()).toEqual(['logs', 'logs', 'remove', 'remove']);
    pending.shift()!.release();
    await flush();
    expect(pending.filter((p) => p.op === 'remove')).toHaveLength(2);
  });

  test('a retryable failure backs off; a refusal waits for the resync; a success forgets both', async () => {
    const { provider, pending } = gatedProvider();
    const { executor, failures, clock } = executorFor(provider);
    const w = worker();
    executor.run(w, remove);
    await flush();
    pending.shift()!.release(new ProviderError('p', '503', { retryable: true, status: 503 }));
    await flush();
    executor.run(w, remove);
    await flush();
    pending.shift()!.release(new ProviderError('p', '503', { retryable: true, status: 503 }));
    await flush();
    expect(failures.map((f) => [f.attempts, f.terminal, f.notBefore - clock.now()])).toEqual([
      [1, false, 750],
      [2, false, 1_500],
    ]);
    executor.run(w, remove);
    await flush();
    pending.shift()!.release(new ProviderError('p', '403', { retryable: false, status: 403 }));
    await flush();
    expect(w.failure).toMatchObject({
      action: 'remove',
      attempts: 3,
      terminal: true,
      status: 403,
      notBefore: clock.now() + 30_000,
    });
    expect(w.removalFailures).toBe(3);
    executor.run(w, remove);
    await flush();
    pending.shift()!.release();
    await flush();
    expect(w.failure).toBeUndefined();
    expect(w.removalFailures).toBe(3);
  });

  test('a stop of a worker already gone counts as done (the read-back will say it is gone)', async () => {
    const { provider, pending } = gatedProvider();
    const { executor, failures } = executorFor(provider);
    const w = worker();
    executor.run(w, { kind: 'stop', gracePeriodMs: 0 });
    await flush();
    pending.shift()!.release(new WorkerNotFoundError('w-1'));
    await flush();
    expect(failures).toEqual([]);
    expect(w.stopAcceptedAt).toBe(0);
  });

  test('logs that cannot be read are null; a read-back reports what it found', async () => {
    const { provider, pending } = gatedProvider();
    const { executor, read } = executorFor(provider);
    const w = worker();
    executor.run(w, { kind: 'readLogs', tail: 3 });
    await flush();
    pending.shift()!.release(new Error('gone'));
    await flush();
    expect(w.logTail).toBeNull();
    executor.run(w, { kind: 'confirm', of: 'removal' });
    await flush();
    pending.shift()!.release();
    await flush();
    expect(read).toEqual([undefined]);
    expect(w.checkedAt).toBe(0);
  });

  test('after close, nothing new starts and results are dropped', async () => {
    const { provider, pending } = gatedProvider();
    const { executor, settled } = executorFor(provider);
    const w = worker();
    executor.run(w, remove);
    await flush();
    executor.close();
    executor.run(worker('w-2'), remove);
    pending.shift()!.release();
    await flush();
    expect(pending).toEqual([]);
    expect(settled).toEqual([]);
  });
});
