import { PassThrough, type Readable } from 'node:stream';
import {
  ProviderError,
  type WorkerObservationV1,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import { applyEvent, type ObservedContainer, type WatchDeps, watchContainers } from './watch.js';

const scope = 'team-a';
const record = (uid: string, workerId: string, phase: WorkerRecordV1['phase'] = 'running') =>
  ({
    workerId,
    uid,
    phase,
    ready: phase === 'running',
    exitCode: undefined,
    reason: undefined,
    createdAt: new Date(0),
    startedAt: undefined,
    finishedAt: undefined,
    removing: false,
    labels: { 'hodei.io/managed-by': scope, 'hodei.io/worker-id': workerId },
    annotations: {},
  }) satisfies WorkerRecordV1;

const event = (action: string, uid: string, workerId: string, time: number, scopeLabel = scope) =>
  `${JSON.stringify({
    Type: 'container',
    Action: action,
    Actor: {
      ID: uid,
      Attributes: { 'hodei.io/managed-by': scopeLabel, 'hodei.io/worker-id': workerId },
    },
    time,
  })}\n`;

/** A scripted engine: each open() takes the next step (a stream, or an error to throw). */
function fakeEngine(steps: Array<PassThrough | Error>, listed: WorkerRecordV1[][]) {
  const opens: Array<number | undefined> = [];
  let clock = 0;
  const deps: WatchDeps = {
    async open(_filters, since) {
      opens.push(since);
      const step = steps.shift();
      if (!step) throw new Error('no more steps');
      if (step instanceof Error) throw step;
      return step as Readable;
    },
    inspect: async (uid) => ({
      record: record(uid, uid === 'u1' ? 'w-1' : 'w-2'),
      hasHealth: false,
    }),
    recall: () => undefined,
    stopping: () => false,
    removing: () => false,
    remember: () => {},
    list: async () => listed.shift() ?? [],
    // A clock whose timers fire at once, moving time forward: backoffs cost no real time.
    clock: {
      now: () => clock,
      setTimer: (ms, callback) => {
        clock += ms;
        queueMicrotask(callback);
        return { cancel() {} };
      },
    },
    reconnectTimeoutMs: 10_000,
    fail: (error) => new ProviderError('d', String(error), { retryable: true }),
  };
  return { deps, opens, advance: (ms: number) => (clock += ms) };
}

async function take(
  iterator: AsyncIterator<WorkerObservationV1>,
  count: number,
): Promise<WorkerObservationV1[]> {
  const out: WorkerObservationV1[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

const summary = (o: WorkerObservationV1) =>
  o.type === 'upsert' ? `upsert ${o.worker.uid}` : `removed ${o.uid}`;

describe('watch', () => {
  test('starts with the current state, then turns events into observations', async () => {
    const stream = new PassThrough();
    const engine = fakeEngine([stream], [[record('u1', 'w-1')]]);
    const abort = new AbortController();
    const iterator = watchContainers(scope, {}, abort.signal, engine.deps);
    expect((await take(iterator, 1)).map(summary)).toEqual(['upsert u1']);
    stream.write(event('start', 'u2', 'w-2', 100));
    stream.write(event('start', 'u9', 'w-9', 101, 'someone-else')); // another scope: ignored
    stream.write(event('destroy', 'u1', 'w-1', 102));
    expect((await take(iterator, 2)).map(summary)).toEqual(['upsert u2', 'removed u1']);
    abort.abort();
    stream.destroy();
    expect((await iterator.next()).done).toBe(true);
  });

  test('after a drop it reconnects with since, re-lists, and reports what vanished', async () => {
    const first = new PassThrough();
    const second = new PassThrough();
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const engine = fakeEngine(
      [first, refused, refused, second],
      [[record('u1', 'w-1'), record('u2', 'w-2')], [record('u2', 'w-2', 'failed')]],
    );
    const abort = new AbortController();
    const iterator = watchContainers(scope, {}, abort.signal, engine.deps);
    expect((await take(iterator, 2)).map(summary)).toEqual(['upsert u1', 'upsert u2']);
    first.write(event('die', 'u2', 'w-2', 1_700_000_123));
    await take(iterator, 1);
    first.end(); // dockerd went away
    const afterDrop = await take(iterator, 2);
    expect(afterDrop.map(summary)).toEqual(['upsert u2', 'removed u1']);
    expect(afterDrop[0]?.type === 'upsert' && afterDrop[0].worker.phase).toBe('failed');
    // Reconnected from the last event's time, after two refused attempts.
    expect(engine.opens.slice(1)).toEqual([1_700_000_123, 1_700_000_123, 1_700_000_123]);
    abort.abort();
    second.destroy();
    expect((await iterator.next()).done).toBe(true);
  });

  test('gives up with a retryable ProviderError when the engine stays away', async () => {
    const refused = () => Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    const engine = fakeEngine(Array.from({ length: 200 }, refused), []);
    const iterator = watchContainers(scope, {}, new AbortController().signal, engine.deps);
    await expect(iterator.next()).rejects.toSatisfy(
      (error) => ProviderError.isInstance(error) && error.retryable,
    );
  });
});

describe('events applied to a known state', () => {
  const at = new Date('2026-01-01T00:00:05.000Z');
  const starting = { record: { ...record('u1', 'w-1'), ready: false }, hasHealth: true };

  test('start resets readiness to the health check; healthy makes it ready', () => {
    const started = applyEvent(starting, 'start', at);
    expect(started?.record).toMatchObject({ phase: 'running', ready: false, startedAt: at });
    const healthy = applyEvent(started!, 'health_status: healthy', at);
    expect(healthy?.record.ready).toBe(true);
    expect(applyEvent(healthy!, 'health_status: unhealthy', at)?.record.ready).toBe(false);
    const plain = { ...starting, hasHealth: false };
    expect(applyEvent(plain, 'start', at)?.record.ready).toBe(true);
  });

  test('pause is not ready; exits and unknown actions need an inspection', () => {
    const healthy = { ...starting, record: { ...starting.record, ready: true } };
    expect(applyEvent(healthy, 'pause', at)?.record).toMatchObject({
      ready: false,
      reason: 'Paused',
    });
    expect(applyEvent(healthy, 'die', at)).toBeUndefined();
    expect(applyEvent(healthy, 'oom', at)).toBeUndefined();
    expect(applyEvent(healthy, 'unpause', at)).toBeUndefined();
  });

  test('a watch with a known state reports start and health without inspecting', async () => {
    const stream = new PassThrough();
    const engine = fakeEngine([stream], [[]]);
    let inspections = 0;
    const known = new Map<string, ObservedContainer>([['u1', starting]]);
    const deps: WatchDeps = {
      ...engine.deps,
      inspect: async (uid) => {
        inspections += 1;
        return { record: record(uid, 'w-1', 'failed'), hasHealth: true };
      },
      recall: (uid) => known.get(uid),
      remember: (uid, observed) => {
        if (observed) known.set(uid, observed);
        else known.delete(uid);
      },
    };
    const abort = new AbortController();
    const iterator = watchContainers(scope, {}, abort.signal, deps);
    stream.write(event('start', 'u1', 'w-1', 100));
    stream.write(event('health_status: healthy', 'u1', 'w-1', 101));
    const seen = await take(iterator, 2);
    expect(seen.map((o) => o.type === 'upsert' && o.worker.ready)).toContain(true);
    expect(inspections).toBe(0);
    stream.write(event('die', 'u1', 'w-1', 102));
    const [died] = await take(iterator, 1);
    expect(died?.type === 'upsert' && died.worker.phase).toBe('failed');
    expect(inspections).toBe(1);
    abort.abort();
    stream.destroy();
  });
});
