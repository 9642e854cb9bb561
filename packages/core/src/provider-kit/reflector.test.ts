import { createManualClock } from '@hodei/lifecycle-testkit';
import { describe, expect, test } from 'vitest';
import {
  OwnershipKeys,
  ProviderError,
  pollList,
  type ReflectorEvent,
  reflect,
  toProviderError,
  type WorkerObservationV1,
  type WorkerRecordV1,
} from '../provider.js';

const record = (uid: string, phase: WorkerRecordV1['phase'] = 'running'): WorkerRecordV1 => ({
  workerId: `w-${uid}`,
  uid,
  phase,
  ready: phase === 'running',
  exitCode: undefined,
  reason: undefined,
  createdAt: new Date(0),
  startedAt: undefined,
  finishedAt: undefined,
  removing: false,
  labels: { [OwnershipKeys.managedBy]: 's', [OwnershipKeys.workerId]: `w-${uid}` },
  annotations: {},
});

const fail = (error: unknown) => toProviderError('p', 'watch', error);
const transient = () => Object.assign(new Error('dropped'), { code: 'ECONNRESET' });
const describeObservation = (o: WorkerObservationV1) =>
  o.type === 'upsert' ? `upsert ${o.worker.uid} ${o.worker.phase}` : `removed ${o.uid}`;

/** Takes `count` observations, advancing the manual clock whenever the loop waits. */
async function take(
  iterator: AsyncIterator<WorkerObservationV1>,
  count: number,
  clock: ReturnType<typeof createManualClock>,
): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const next = iterator.next();
    let settled = false;
    void next.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      await clock.settle();
      if (!settled && clock.pendingTimers > 0)
        await clock.runUntilIdle({ maxTimers: 1 }).catch(() => {});
    }
    const result = await next;
    if (result.done) break;
    out.push(describeObservation(result.value));
  }
  return out;
}

describe('reflect', () => {
  test('lists, follows the stream, resumes from the cursor, and relists after a drop', async () => {
    const clock = createManualClock();
    const lists = [[record('a'), record('b')], [record('a', 'succeeded')]];
    const watches: Array<number | undefined> = [];
    const controller = new AbortController();
    const streams: Array<() => AsyncGenerator<ReflectorEvent<number>>> = [
      async function* () {
        yield { type: 'upsert', worker: record('c') };
        yield { type: 'cursor', cursor: 7 };
      },
      async function* () {
        yield { type: 'removed', workerId: '', uid: 'c' };
        throw transient();
      },
      async function* () {
        // A source ends its stream when the signal aborts.
        await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
      },
    ];
    const iterator = reflect<number>({
      signal: controller.signal,
      clock,
      fail,
      source: {
        list: async () => ({ records: lists.shift() ?? [], cursor: 1 }),
        watch: (cursor) => {
          watches.push(cursor);
          const next = streams.shift();
          if (!next) throw new Error('no more streams');
          return next();
        },
      },
    })[Symbol.asyncIterator]();
    expect(await take(iterator, 6, clock)).toEqual([
      'upsert a running',
      'upsert b running',
      'upsert c running',
      'removed c',
      'upsert a succeeded',
      'removed b', // vanished while the stream was down: the relist says so
    ]);
    expect(watches).toEqual([1, 7]); // resumed from the cursor after the first stream ended
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  test('a refusal ends the loop at once; transient failures give up after giveUpAfterMs', async () => {
    const clock = createManualClock();
    const refused = reflect<number>({
      signal: new AbortController().signal,
      clock,
      fail,
      source: {
        list: async () => Promise.reject(Object.assign(new Error('forbidden'), { status: 403 })),
        watch: () => (async function* () {})(),
      },
    })[Symbol.asyncIterator]();
    await expect(refused.next()).rejects.toMatchObject({ status: 403, retryable: false });

    let lists = 0;
    const down = reflect<number>({
      signal: new AbortController().signal,
      clock,
      fail,
      giveUpAfterMs: 5_000,
      source: {
        list: async () => {
          lists += 1;
          throw transient();
        },
        watch: () => (async function* () {})(),
      },
    })[Symbol.asyncIterator]();
    const outcome = down.next().catch((error: unknown) => error);
    await clock.runUntilIdle();
    const error = await outcome;
    expect(ProviderError.isInstance(error) && error.retryable).toBe(true);
    expect((error as Error).message).toMatch(/kept failing for \d+ ms/);
    // Backoff doubles up to 2 s: 100, 200, 400, 800, 1600, 2000 ... within 5 s of failing.
    expect(lists).toBeGreaterThanOrEqual(5);
    expect(lists).toBeLessThanOrEqual(8);
  });

  test("'relist' lists again at once, without backing off", async () => {
    const clock = createManualClock();
    let lists = 0;
    const controller = new AbortController();
    const iterator = reflect<number>({
      signal: controller.signal,
      clock,
      fail,
      source: {
        list: async () => {
          lists += 1;
          return { records: [record(`r${lists}`)], cursor: lists };
        },
        watch: () =>
          (async function* (): AsyncGenerator<ReflectorEvent<number>> {
            yield { type: 'relist' };
          })(),
      },
    })[Symbol.asyncIterator]();
    expect(await take(iterator, 3, clock)).toEqual([
      'upsert r1 running',
      'upsert r2 running',
      'removed r1',
    ]);
    expect(clock.pendingTimers).toBe(0);
    controller.abort();
  });
});

describe('pollList', () => {
  test('reports what changed between two lists, on the clock', async () => {
    const clock = createManualClock();
    let current = [record('a'), record('b')];
    const controller = new AbortController();
    const watch = pollList({ intervalMs: 1_000, clock });
    const iterator = watch(
      { scope: 's' },
      { signal: controller.signal, list: async () => current, fail },
    )[Symbol.asyncIterator]();
    expect(await take(iterator, 2, clock)).toEqual(['upsert a running', 'upsert b running']);
    current = [record('a', 'failed'), record('c')];
    expect(await take(iterator, 3, clock)).toEqual([
      'upsert a failed',
      'upsert c running',
      'removed b',
    ]);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  test('refuses an interval that is not a positive whole number', () => {
    expect(() => pollList({ intervalMs: 0 })).toThrow(RangeError);
  });
});
