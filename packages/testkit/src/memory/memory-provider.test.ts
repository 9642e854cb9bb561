import {
  CancelledError,
  ClosedError,
  createProviderRegistry,
  InvalidOptionsError,
  InvalidSpecError,
  type Ownership,
  ProviderError,
  readOwnership,
  WorkerNotFoundError,
  type WorkerObservationV1,
  type WorkerSpec,
} from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import { createManualClock } from '../clock/index.js';
import {
  createMemoryInfrastructure,
  createMemoryProvider,
  type MemoryWorkerBehaviour,
  memoryProviderPlugin,
} from './index.js';

const scope = 'team-a';

function setup(options: Parameters<typeof createMemoryProvider>[0] = {}) {
  const clock = createManualClock();
  const infrastructure = createMemoryInfrastructure({ clock });
  const provider = createMemoryProvider({ infrastructure, ...options });
  const ownership = (workerId: string, extra: Partial<Ownership> = {}): Ownership => ({
    scope,
    workerId,
    providerId: provider.providerId,
    owner: 'manager-1',
    expiresAt: undefined,
    ttlAfterFinishedSeconds: undefined,
    ...extra,
  });
  const spec = (
    memory: MemoryWorkerBehaviour = {},
    rest: Partial<WorkerSpec> = {},
  ): WorkerSpec => ({
    image: 'busybox:1.36',
    extensions: { memory },
    ...rest,
  });
  const create = (workerId: string, memory?: MemoryWorkerBehaviour, extra?: Partial<Ownership>) =>
    provider.create({ spec: spec(memory), ownership: ownership(workerId, extra) });
  const get = (workerId: string, s = scope) => provider.get({ workerId, scope: s });
  return { clock, infrastructure, provider, ownership, spec, create, get };
}

/** Collects a watch stream in the background. */
function collectWatch(provider: ReturnType<typeof setup>['provider'], watchScope = scope) {
  const controller = new AbortController();
  const seen: WorkerObservationV1[] = [];
  const done = (async () => {
    for await (const o of provider.watch!({ scope: watchScope }, { signal: controller.signal }))
      seen.push(o);
  })();
  return { seen, done, stop: () => controller.abort() };
}

const summary = (o: WorkerObservationV1) =>
  o.type === 'removed'
    ? `removed ${o.workerId}`
    : `${o.worker.workerId} ${o.worker.phase}${o.worker.ready ? ' ready' : ''}${o.worker.removing ? ' removing' : ''}`;

describe('worker behaviour (spec.extensions.memory) on the manual clock', () => {
  test('defaults: running and ready at once, runs until stopped', async () => {
    const { create, get, clock } = setup();
    const created = await create('w1');
    expect(created).toMatchObject({
      phase: 'running',
      ready: true,
      exitCode: undefined,
      removing: false,
    });
    expect(created.startedAt?.getTime()).toBe(clock.now());
    await clock.advance(24 * 3_600_000);
    expect((await get('w1'))?.phase).toBe('running');
  });

  test('startupDelayMs keeps it pending, readyAfterMs delays readiness after it runs', async () => {
    const { create, get, clock } = setup();
    const start = clock.now();
    expect(await create('w1', { startupDelayMs: 1_000, readyAfterMs: 500 })).toMatchObject({
      phase: 'pending',
      ready: false,
      startedAt: undefined,
    });
    await clock.advance(999);
    expect((await get('w1'))?.phase).toBe('pending');
    await clock.advance(1);
    expect(await get('w1')).toMatchObject({
      phase: 'running',
      ready: false,
      startedAt: new Date(start + 1_000),
    });
    await clock.advance(499);
    expect((await get('w1'))?.ready).toBe(false);
    await clock.advance(1);
    expect((await get('w1'))?.ready).toBe(true);
  });

  test('neverReady stays running and unready', async () => {
    const { create, get, clock } = setup();
    await create('w1', { neverReady: true });
    await clock.advance(3_600_000);
    expect(await get('w1')).toMatchObject({ phase: 'running', ready: false });
  });

  test('runForMs exits with exitCode: 0 succeeded (Completed), non-zero failed (Error)', async () => {
    const { create, get, clock } = setup();
    const start = clock.now();
    await create('ok', { runForMs: 100 });
    await create('bad', { runForMs: 200, exitCode: 3 });
    await clock.advance(100);
    expect(await get('ok')).toMatchObject({
      phase: 'succeeded',
      exitCode: 0,
      reason: 'Completed',
      ready: false,
      finishedAt: new Date(start + 100),
    });
    expect((await get('bad'))?.phase).toBe('running');
    await clock.advance(100);
    expect(await get('bad')).toMatchObject({ phase: 'failed', exitCode: 3, reason: 'Error' });
  });

  test('logLines are printed when the worker starts running', async () => {
    const { create, provider, clock } = setup();
    await create('w1', { startupDelayMs: 10, logLines: ['a', 'b', 'c'] });
    expect(await provider.logs!({ workerId: 'w1', scope })).toEqual([]);
    await clock.advance(10);
    expect(await provider.logs!({ workerId: 'w1', scope })).toEqual(['a', 'b', 'c']);
    expect(await provider.logs!({ workerId: 'w1', scope }, { tail: 2 })).toEqual(['b', 'c']);
    expect(await provider.logs!({ workerId: 'w1', scope }, { tail: 0 })).toEqual([]);
    expect(await provider.logs!({ workerId: 'w1', scope }, { tail: 10 })).toEqual(['a', 'b', 'c']);
  });

  test.each<[string, unknown, RegExp]>([
    ['not an object', 'fast', /extensions\.memory: must be an object/],
    ['an unknown field', { sleepForever: true }, /extensions\.memory\.sleepForever: unknown field/],
    [
      'a negative delay',
      { startupDelayMs: -1 },
      /startupDelayMs: must be a number of milliseconds/,
    ],
    ['a delay too long for a timer', { runForMs: 2 ** 31 }, /runForMs: must be a number/],
    ['a non-numeric delay', { readyAfterMs: '5s' }, /readyAfterMs: must be a number/],
    ['a fractional exit code', { exitCode: 1.5 }, /exitCode: must be a whole number from 0 to 255/],
    ['an exit code above 255', { exitCode: 256 }, /exitCode/],
    ['a non-boolean flag', { ignoreStop: 'yes' }, /ignoreStop: must be true or false/],
    ['log lines that are no array', { logLines: 'a' }, /logLines: must be an array of strings/],
    [
      'a log line with a line break',
      { logLines: ['a\nb'] },
      /logLines\.0: must be a string without line breaks/,
    ],
    [
      'neverReady with readyAfterMs',
      { neverReady: true, readyAfterMs: 5 },
      /contradicts neverReady/,
    ],
  ])('refuses %s with InvalidSpecError before any call', async (_name, memory, message) => {
    const { provider, ownership, infrastructure } = setup();
    const promise = provider.create({
      spec: { image: 'busybox:1.36', extensions: { memory } },
      ownership: ownership('w1'),
    });
    await expect(promise).rejects.toThrow(message);
    await expect(promise).rejects.toSatisfy(InvalidSpecError.isInstance);
    expect(infrastructure.calls.total).toBe(0);
    expect(infrastructure.workers()).toEqual([]);
  });

  test("other providers' extensions are ignored", async () => {
    const { provider, ownership } = setup();
    const created = await provider.create({
      spec: { image: 'busybox:1.36', extensions: { kubernetes: { nodeSelector: { a: 'b' } } } },
      ownership: ownership('w1'),
    });
    expect(created.phase).toBe('running');
  });

  test('core spec validation runs first: InvalidSpecError, no call', async () => {
    const { provider, ownership, infrastructure } = setup();
    await expect(
      provider.create({ spec: { image: '' }, ownership: ownership('w1') }),
    ).rejects.toSatisfy(InvalidSpecError.isInstance);
    await expect(
      provider.create({
        spec: { image: 'busybox', labels: { 'hodei.io/owner': 'me' } },
        ownership: ownership('w1'),
      }),
    ).rejects.toThrow(/reserved/);
    expect(infrastructure.calls.total).toBe(0);
  });

  test('invalid ownership ids are refused with InvalidOptionsError, no call', async () => {
    const { provider, ownership, infrastructure } = setup();
    await expect(
      provider.create({ spec: { image: 'busybox' }, ownership: ownership('Not_A_DNS_Label') }),
    ).rejects.toSatisfy(InvalidOptionsError.isInstance);
    await expect(
      provider.create({ spec: { image: 'busybox' }, ownership: undefined as unknown as Ownership }),
    ).rejects.toThrow(/ownership/);
    expect(infrastructure.calls.total).toBe(0);
  });
});

describe('ownership stamp', () => {
  test('the four labels, expiry and TTL annotations, user labels kept', async () => {
    const { provider, ownership, spec } = setup({ providerId: 'mem-1' });
    const expiresAt = new Date('2026-01-01T01:00:00.000Z');
    const own = ownership('w1', { expiresAt, ttlAfterFinishedSeconds: 120 });
    const created = await provider.create({
      spec: spec({}, { labels: { team: 'a' }, annotations: { note: 'hi there' } }),
      ownership: own,
    });
    expect(created.labels).toEqual({
      team: 'a',
      'hodei.io/managed-by': scope,
      'hodei.io/worker-id': 'w1',
      'hodei.io/provider-id': 'mem-1',
      'hodei.io/owner': 'manager-1',
    });
    expect(created.annotations).toEqual({
      note: 'hi there',
      'hodei.io/expires-at': '2026-01-01T01:00:00.000Z',
      'hodei.io/ttl-after-finished': '120',
    });
    expect(readOwnership(created)).toEqual(own);
  });
});

describe('scopes', () => {
  test('get and list see only their scope; list is one call', async () => {
    const { provider, infrastructure, create, get } = setup();
    await create('w1');
    await create('w2');
    await provider.create({
      spec: { image: 'busybox' },
      ownership: {
        scope: 'team-b',
        workerId: 'w1',
        providerId: 'memory',
        owner: 'm2',
        expiresAt: undefined,
        ttlAfterFinishedSeconds: undefined,
      },
    });
    infrastructure.resetCalls();
    expect((await provider.list({ scope })).map((w) => w.workerId).sort()).toEqual(['w1', 'w2']);
    expect(infrastructure.calls).toMatchObject({ list: 1, total: 1 });
    expect((await provider.list({ scope: 'team-b' })).map((w) => w.workerId)).toEqual(['w1']);
    expect(await provider.list({ scope: 'team-c' })).toEqual([]);
    expect(await get('w2', 'team-b')).toBeUndefined();
    expect((await get('w1', 'team-b'))?.labels['hodei.io/managed-by']).toBe('team-b');
    expect(infrastructure.workers()).toHaveLength(3);
  });

  test('list filters by labels too', async () => {
    const { provider, spec, ownership } = setup();
    await provider.create({
      spec: spec({}, { labels: { pool: 'x' } }),
      ownership: ownership('w1'),
    });
    await provider.create({
      spec: spec({}, { labels: { pool: 'y' } }),
      ownership: ownership('w2'),
    });
    expect((await provider.list({ scope, labels: { pool: 'y' } })).map((w) => w.workerId)).toEqual([
      'w2',
    ]);
  });

  test('two providers on one infrastructure see the same workers', async () => {
    const { infrastructure, create } = setup();
    const second = createMemoryProvider({ infrastructure, providerId: 'memory-2' });
    const created = await create('w1');
    expect((await second.get({ workerId: 'w1', scope }))?.uid).toBe(created.uid);
    await second.remove({ workerId: 'w1', scope });
    expect(infrastructure.workers()).toEqual([]);
  });

  test('a duplicate live worker id in one scope is a 409, not retryable; the first is left alone', async () => {
    const { create, get } = setup();
    const first = await create('w1');
    const error = await create('w1').catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ retryable: false, status: 409 });
    expect((await get('w1'))?.uid).toBe(first.uid);
    // The same id in another scope is another worker.
    await expect(create('w1', {}, { scope: 'team-b' })).resolves.toMatchObject({ workerId: 'w1' });
  });

  test('invalid references and selectors are InvalidOptionsError, no call', async () => {
    const { provider, infrastructure } = setup();
    await expect(provider.get({ workerId: '', scope })).rejects.toSatisfy(
      InvalidOptionsError.isInstance,
    );
    await expect(provider.remove({ workerId: 'w1', scope: '' })).rejects.toThrow(/scope/);
    await expect(provider.get({ workerId: 'w1', scope, uid: '' })).rejects.toThrow(/uid/);
    await expect(provider.list({ scope: '' })).rejects.toThrow(/never lists across scopes/);
    await expect(provider.remove({ workerId: 'w1', scope }, { gracePeriodMs: -1 })).rejects.toThrow(
      /gracePeriodMs/,
    );
    await expect(provider.logs!({ workerId: 'w1', scope }, { tail: -1 })).rejects.toThrow(/tail/);
    expect(() => provider.watch!({ scope }, {} as { signal: AbortSignal })).toThrow(/AbortSignal/);
    expect(infrastructure.calls.total).toBe(0);
  });
});

describe('remove', () => {
  test('removes; idempotent for a gone or unknown worker', async () => {
    const { provider, create, get, infrastructure } = setup();
    await create('w1');
    await provider.remove({ workerId: 'w1', scope });
    expect(await get('w1')).toBeUndefined();
    await provider.remove({ workerId: 'w1', scope });
    await provider.remove({ workerId: 'nobody', scope });
    expect(infrastructure.calls.remove).toBe(3);
  });

  test('an ignoreStop worker takes the whole grace period, then is killed; a second remove returns at once', async () => {
    const { provider, create, get, clock } = setup();
    await create('w1', { ignoreStop: true });
    let removed = false;
    const removal = provider
      .remove({ workerId: 'w1', scope }, { gracePeriodMs: 5_000 })
      .then(() => {
        removed = true;
      });
    await clock.settle();
    expect(await get('w1')).toMatchObject({ removing: true, phase: 'running' });
    // Already being removed: success at once.
    await provider.remove({ workerId: 'w1', scope });
    await clock.advance(4_999);
    expect(removed).toBe(false);
    await clock.advance(1);
    await removal;
    expect(await get('w1')).toBeUndefined();
  });

  test('uses the default grace period when none is given', async () => {
    const { provider, create, get, clock } = setup({ defaultGracePeriodMs: 1_000 });
    await create('w1', { ignoreStop: true });
    const removal = provider.remove({ workerId: 'w1', scope });
    await clock.advance(1_000);
    await removal;
    expect(await get('w1')).toBeUndefined();
  });

  test('with a uid touches only that incarnation', async () => {
    const { provider, create, get } = setup();
    const first = await create('w1');
    await provider.remove({ workerId: 'w1', scope });
    const second = await create('w1');
    await provider.remove({ workerId: 'w1', scope, uid: first.uid });
    expect((await get('w1'))?.uid).toBe(second.uid);
    expect(await provider.get({ workerId: 'w1', scope, uid: first.uid })).toBeUndefined();
    await provider.remove({ workerId: 'w1', scope, uid: second.uid });
    expect(await get('w1')).toBeUndefined();
  });

  test('an aborted wait rejects with CancelledError but the removal goes on', async () => {
    const { provider, create, get, clock } = setup();
    await create('w1', { ignoreStop: true });
    const controller = new AbortController();
    const removal = provider.remove(
      { workerId: 'w1', scope },
      { gracePeriodMs: 100, signal: controller.signal },
    );
    await clock.settle();
    controller.abort();
    await expect(removal).rejects.toSatisfy(CancelledError.isInstance);
    await clock.advance(100);
    expect(await get('w1')).toBeUndefined();
    const aborted = AbortSignal.abort();
    await expect(provider.remove({ workerId: 'w2', scope }, { signal: aborted })).rejects.toSatisfy(
      CancelledError.isInstance,
    );
  });
});

describe('stop', () => {
  test('SIGTERM: a running worker exits 143 (failed, Stopped) and keeps record and logs', async () => {
    const { provider, create, get } = setup();
    await create('w1', { logLines: ['hello'] });
    await provider.stop!({ workerId: 'w1', scope });
    expect(await get('w1')).toMatchObject({
      phase: 'failed',
      exitCode: 143,
      reason: 'Stopped',
      ready: false,
      removing: false,
    });
    expect(await provider.logs!({ workerId: 'w1', scope })).toEqual(['hello']);
  });

  test('an ignoreStop worker is killed with 137 when the grace period runs out', async () => {
    const { provider, create, get, clock } = setup();
    await create('w1', { ignoreStop: true });
    let stopped = false;
    const stop = provider.stop!({ workerId: 'w1', scope }, { gracePeriodMs: 2_000 }).then(() => {
      stopped = true;
    });
    await clock.advance(1_999);
    expect(stopped).toBe(false);
    expect((await get('w1'))?.phase).toBe('running');
    await clock.advance(1);
    await stop;
    expect(await get('w1')).toMatchObject({ phase: 'failed', exitCode: 137, reason: 'Killed' });
  });

  test('a remove during a long stop kills at the earlier deadline', async () => {
    const { provider, create, get, clock } = setup();
    await create('w1', { ignoreStop: true });
    const stop = provider.stop!({ workerId: 'w1', scope }, { gracePeriodMs: 60_000 });
    const removal = provider.remove({ workerId: 'w1', scope }, { gracePeriodMs: 10 });
    await clock.advance(10);
    await Promise.all([stop, removal]);
    expect(await get('w1')).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });

  test('a finished worker keeps its own exit code', async () => {
    const { provider, create, get, clock } = setup();
    await create('w1', { runForMs: 10, exitCode: 0 });
    await clock.advance(10);
    await provider.stop!({ workerId: 'w1', scope });
    expect(await get('w1')).toMatchObject({ phase: 'succeeded', exitCode: 0 });
  });

  test('stop of an unknown worker is WorkerNotFoundError', async () => {
    const { provider } = setup();
    await expect(provider.stop!({ workerId: 'w9', scope })).rejects.toSatisfy(
      WorkerNotFoundError.isInstance,
    );
    await expect(provider.logs!({ workerId: 'w9', scope })).rejects.toSatisfy(
      WorkerNotFoundError.isInstance,
    );
  });
});

describe('cancellation of create', () => {
  test('an already aborted signal: CancelledError, nothing created, no call', async () => {
    const { provider, ownership, spec, infrastructure } = setup();
    const error = await provider
      .create({ spec: spec(), ownership: ownership('w1') }, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(infrastructure.calls.total).toBe(0);
    expect(infrastructure.workers()).toEqual([]);
  });

  test('an abort during a delayed create removes the half-created worker', async () => {
    const { provider, ownership, spec, infrastructure, clock } = setup();
    infrastructure.faults.delayCreates(1_000);
    const watch = collectWatch(provider);
    const controller = new AbortController();
    const pending = provider.create(
      { spec: spec(), ownership: ownership('w1') },
      { signal: controller.signal },
    );
    await clock.advance(500);
    expect(infrastructure.workers()).toMatchObject([{ workerId: 'w1', phase: 'pending' }]);
    controller.abort();
    await expect(pending).rejects.toSatisfy(CancelledError.isInstance);
    expect(infrastructure.workers()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    await clock.settle();
    watch.stop();
    await watch.done;
    expect(watch.seen.map(summary)).toEqual(['w1 pending', 'removed w1']);
  });

  test('an abort right after the call (first round trip in flight) also leaves nothing', async () => {
    const { provider, ownership, spec, infrastructure } = setup();
    const controller = new AbortController();
    const pending = provider.create(
      { spec: spec(), ownership: ownership('w1') },
      { signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toSatisfy(CancelledError.isInstance);
    expect(infrastructure.workers()).toEqual([]);
  });

  test('a delayed create takes its time on the clock', async () => {
    const { create, infrastructure, clock } = setup();
    infrastructure.faults.delayCreates(1_000);
    let done = false;
    const pending = create('w1').then(() => {
      done = true;
    });
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await pending;
    infrastructure.faults.delayCreates(0);
    await create('w2');
    expect(infrastructure.workers()).toHaveLength(2);
  });
});

describe('watch', () => {
  test('an upsert for every change of the scope, removed on removal, ends on abort', async () => {
    const { provider, create, clock } = setup();
    await create('early');
    const watch = collectWatch(provider);
    await create('w1', { startupDelayMs: 10, readyAfterMs: 10, runForMs: 50, exitCode: 2 });
    await create('other', {}, { scope: 'team-b' });
    await clock.advance(100);
    await provider.remove({ workerId: 'w1', scope });
    await clock.settle();
    watch.stop();
    await watch.done;
    expect(watch.seen.map(summary)).toEqual([
      'early running ready',
      'w1 pending',
      'w1 running',
      'w1 running ready',
      'w1 failed',
      'w1 failed removing',
      'removed w1',
    ]);
  });

  test('dropWatches makes every open stream throw a retryable ProviderError', async () => {
    const { provider, infrastructure, create } = setup();
    await create('w1');
    const stream = provider.watch!({ scope }, { signal: new AbortController().signal })[
      Symbol.asyncIterator
    ]();
    expect((await stream.next()).value).toMatchObject({ type: 'upsert' });
    const next = stream.next();
    infrastructure.faults.dropWatches();
    const error = await next.catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ retryable: true });
    // A consumer re-watches and gets the current state again.
    const again = provider.watch!({ scope }, { signal: AbortSignal.timeout(1_000) })[
      Symbol.asyncIterator
    ]();
    expect((await again.next()).value).toMatchObject({
      type: 'upsert',
      worker: { workerId: 'w1' },
    });
    await again.return?.();
    expect(infrastructure.calls.watch).toBe(2);
  });

  test('closing the provider ends its watches; later calls are ClosedError', async () => {
    const { provider, create } = setup();
    await create('w1');
    const watch = collectWatch(provider);
    await provider.close!();
    await watch.done;
    expect(watch.seen).toHaveLength(1);
    await expect(provider.list({ scope })).rejects.toSatisfy(ClosedError.isInstance);
    await expect(create('w2')).rejects.toSatisfy(ClosedError.isInstance);
    expect(() => provider.watch!({ scope }, { signal: new AbortController().signal })).toThrow(
      /closed/,
    );
    await provider.close!();
  });
});

describe('infrastructure controls', () => {
  test('complete ends the process now, with the spec exit code by default', async () => {
    const { infrastructure, create, get } = setup();
    await create('w1');
    await create('w2', { exitCode: 4 });
    infrastructure.complete('w1', 0);
    infrastructure.complete({ workerId: 'w2', scope });
    expect(await get('w1')).toMatchObject({ phase: 'succeeded', exitCode: 0 });
    expect(await get('w2')).toMatchObject({ phase: 'failed', exitCode: 4, reason: 'Error' });
    expect(() => infrastructure.complete('w1', 1)).toThrow(/already finished/);
    expect(() => infrastructure.complete('nobody')).toThrow(WorkerNotFoundError);
  });

  test('complete refuses an exit code outside 0..255', async () => {
    const { infrastructure, create } = setup();
    await create('w1');
    expect(() => infrastructure.complete('w1', 300)).toThrow(RangeError);
  });

  test('vanish deletes at once, out of band; an ambiguous name is refused', async () => {
    const { infrastructure, create, get, provider, clock } = setup();
    await create('w1');
    await create('w1', {}, { scope: 'team-b' });
    expect(() => infrastructure.vanish('w1')).toThrow(/matches 2 workers/);
    const watch = collectWatch(provider);
    infrastructure.vanish({ workerId: 'w1', scope });
    expect(await get('w1')).toBeUndefined();
    expect(await get('w1', 'team-b')).toBeDefined();
    await clock.settle();
    watch.stop();
    await watch.done;
    expect(watch.seen.map(summary)).toEqual(['w1 running ready', 'removed w1']);
  });

  test('setReady flips readiness of a running worker and overrides readyAfterMs', async () => {
    const { infrastructure, create, get, clock } = setup();
    await create('w1', { readyAfterMs: 100 });
    infrastructure.setReady('w1', true);
    expect((await get('w1'))?.ready).toBe(true);
    infrastructure.setReady('w1', false);
    await clock.advance(200);
    expect((await get('w1'))?.ready).toBe(false);
    infrastructure.complete('w1');
    expect(() => infrastructure.setReady('w1', true)).toThrow(/only a running worker/);
  });

  test('calls counts every operation and the total', async () => {
    const { provider, infrastructure, create } = setup();
    await create('w1');
    await provider.get({ workerId: 'w1', scope });
    await provider.list({ scope });
    await provider.logs!({ workerId: 'w1', scope });
    await provider.stop!({ workerId: 'w1', scope });
    await provider.health!();
    await provider.remove({ workerId: 'w1', scope });
    expect(infrastructure.calls).toEqual({
      create: 1,
      get: 1,
      list: 1,
      remove: 1,
      stop: 1,
      logs: 1,
      watch: 0,
      health: 1,
      leaseHold: 0,
      leaseRelease: 0,
      leaseList: 0,
      listScopes: 0,
      total: 7,
    });
    infrastructure.resetCalls();
    expect(infrastructure.calls.total).toBe(0);
  });

  test('failCreates: the next n creates reject retryably and create nothing', async () => {
    const { infrastructure, create } = setup();
    infrastructure.faults.failCreates(2);
    for (const id of ['w1', 'w2']) {
      const error = await create(id).catch((e: unknown) => e);
      expect(ProviderError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ retryable: true, status: 503 });
    }
    expect(infrastructure.workers()).toEqual([]);
    await expect(create('w3')).resolves.toMatchObject({ workerId: 'w3' });
    const custom = new ProviderError('memory', 'quota exceeded', { retryable: false, status: 403 });
    infrastructure.faults.failCreates(1, custom);
    await expect(create('w4')).rejects.toBe(custom);
  });

  test('failRemoves: the next n removes reject and remove nothing', async () => {
    const { infrastructure, create, provider, get } = setup();
    await create('w1');
    infrastructure.faults.failRemoves(1);
    await expect(provider.remove({ workerId: 'w1', scope })).rejects.toMatchObject({
      retryable: true,
    });
    expect(await get('w1')).toBeDefined();
    await provider.remove({ workerId: 'w1', scope });
    expect(await get('w1')).toBeUndefined();
  });

  test('failCalls, setUnhealthy and reset', async () => {
    const { infrastructure, provider, create } = setup();
    infrastructure.faults.failCalls('list', 1);
    await expect(provider.list({ scope })).rejects.toSatisfy(ProviderError.isInstance);
    expect(await provider.list({ scope })).toEqual([]);
    infrastructure.faults.setUnhealthy('etcd is down');
    expect(await provider.health!()).toEqual({ healthy: false, message: 'etcd is down' });
    infrastructure.faults.failCreates(5);
    infrastructure.faults.delayCreates(10_000);
    infrastructure.faults.reset();
    expect(await provider.health!()).toEqual({ healthy: true });
    await expect(create('w1')).resolves.toMatchObject({ phase: 'running' });
  });

  test('fault controls refuse nonsense', () => {
    const { infrastructure } = setup();
    expect(() => infrastructure.faults.failCreates(0)).toThrow(RangeError);
    expect(() => infrastructure.faults.delayCreates(-1)).toThrow(RangeError);
    expect(() => infrastructure.faults.failCalls('explode' as 'create')).toThrow(
      /unknown operation/,
    );
  });
});

describe('native deadline and TTL', () => {
  test('nativeDeadline fails the worker with DeadlineExceeded at expiresAt', async () => {
    const { create, get, clock } = setup({ capabilities: { nativeDeadline: true } });
    await create('w1', {}, { expiresAt: new Date(clock.now() + 60_000) });
    await clock.advance(59_999);
    expect((await get('w1'))?.phase).toBe('running');
    await clock.advance(1);
    expect(await get('w1')).toMatchObject({
      phase: 'failed',
      reason: 'DeadlineExceeded',
      exitCode: 137,
    });
  });

  test('without nativeDeadline nothing enforces expiresAt', async () => {
    const { create, get, clock } = setup();
    await create('w1', {}, { expiresAt: new Date(clock.now() + 60_000) });
    await clock.advance(120_000);
    expect((await get('w1'))?.phase).toBe('running');
  });

  test('nativeTtl deletes a finished worker after its TTL', async () => {
    const { create, get, clock } = setup({ capabilities: { nativeTtl: true } });
    await create('w1', { runForMs: 1_000 }, { ttlAfterFinishedSeconds: 30 });
    await clock.advance(1_000 + 29_999);
    expect((await get('w1'))?.phase).toBe('succeeded');
    await clock.advance(1);
    expect(await get('w1')).toBeUndefined();
  });
});

describe('options and capabilities', () => {
  test('capabilities default to everything but native enforcement; methods follow the flags', () => {
    const full = createMemoryProvider();
    expect(full.capabilities).toEqual({
      stop: true,
      watch: true,
      logs: true,
      health: true,
      nativeDeadline: false,
      nativeTtl: false,
      leases: true,
      listScopes: true,
    });
    const bare = createMemoryProvider({
      capabilities: {
        stop: false,
        watch: false,
        logs: false,
        health: false,
        leases: false,
        listScopes: false,
      },
    });
    expect([bare.stop, bare.watch, bare.logs, bare.health, bare.leases, bare.listScopes]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(bare.specificationVersion).toBe('v1');
    expect(bare.type).toBe('memory');
    expect(bare.providerId).toBe('memory');
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['an invalid provider id', { providerId: 'not valid!' }, /providerId/],
    ['an empty provider id', { providerId: '' }, /providerId: must be a non-empty string/],
    [
      'an unknown capability',
      { capabilities: { teleport: true } },
      /capabilities\.teleport: unknown capability/,
    ],
    [
      'a non-boolean capability',
      { capabilities: { watch: 'yes' } },
      /capabilities\.watch: must be true or false/,
    ],
    [
      'a foreign infrastructure',
      { infrastructure: {} },
      /infrastructure: must come from createMemoryInfrastructure/,
    ],
    [
      'a clock that differs from the infrastructure clock',
      { infrastructure: createMemoryInfrastructure(), clock: createManualClock() },
      /clock: differs/,
    ],
    ['a negative default grace period', { defaultGracePeriodMs: -5 }, /defaultGracePeriodMs/],
    ['an unknown option', { providerID: 'x' }, /providerID: unknown option/],
  ])('refuses %s with InvalidOptionsError', (_name, options, message) => {
    expect(() => createMemoryProvider(options)).toThrow(message);
    expect(() => createMemoryProvider(options)).toThrow(InvalidOptionsError);
  });

  test('a provider without an infrastructure builds its own on the given clock', async () => {
    const clock = createManualClock();
    const provider = createMemoryProvider({ clock });
    expect(provider.infrastructure.clock).toBe(clock);
  });

  test('the plugin creates memory providers through the registry', async () => {
    const registry = createProviderRegistry([memoryProviderPlugin]);
    const provider = registry.create('memory', { providerId: 'from-registry' });
    expect(provider.providerId).toBe('from-registry');
    expect(memoryProviderPlugin.type).toBe('memory');
    expect(() => registry.create('memory', { providerId: 'Bad Id' })).toThrow(InvalidOptionsError);
  });

  describe('owner leases', () => {
    const hold = (provider: ReturnType<typeof setup>['provider'], owner: string, s = scope) =>
      provider.leases!.hold({ scope: s, owner, durationMs: 10_000 });

    test('a held lease is alive for its duration on the infrastructure clock, then not', async () => {
      const { provider, clock } = setup();
      await hold(provider, 'm-1');
      const [lease] = await provider.leases!.list({ scope });
      expect(lease).toEqual({
        scope,
        owner: 'm-1',
        alive: true,
        durationMs: 10_000,
        renewedAt: new Date(clock.now()),
      });
      await clock.advance(9_999);
      expect((await provider.leases!.list({ scope }))[0]?.alive).toBe(true);
      await clock.advance(1);
      expect((await provider.leases!.list({ scope }))[0]?.alive).toBe(false);
    });

    test('a renewal extends it; release ends only that owner’s lease', async () => {
      const { provider, clock } = setup();
      await hold(provider, 'm-1');
      await hold(provider, 'm-2');
      await clock.advance(8_000);
      await hold(provider, 'm-1');
      await clock.advance(8_000);
      const alive = async () =>
        Object.fromEntries((await provider.leases!.list({})).map((l) => [l.owner, l.alive]));
      expect(await alive()).toEqual({ 'm-1': true, 'm-2': false });
      await provider.leases!.release({ scope, owner: 'm-2' });
      await provider.leases!.release({ scope, owner: 'm-2' });
      expect(await alive()).toEqual({ 'm-1': true });
    });

    test('scopes are apart; listScopes names the scopes of workers and of leases', async () => {
      const { provider, create } = setup();
      await create('w1');
      await hold(provider, 'm-1', 'team-b');
      expect((await provider.leases!.list({ scope: 'team-b' })).map((l) => l.owner)).toEqual([
        'm-1',
      ]);
      expect(await provider.leases!.list({ scope })).toEqual([]);
      expect(await provider.listScopes!()).toEqual(['team-a', 'team-b']);
    });

    test('faults: expireLease ends it now; partitionLease makes renewals fail unseen', async () => {
      const { provider, infrastructure, clock } = setup();
      await hold(provider, 'm-1');
      infrastructure.faults.expireLease('m-1');
      expect(infrastructure.leases()[0]?.alive).toBe(false);
      await hold(provider, 'm-1');
      expect(infrastructure.leases()[0]?.alive).toBe(true);
      infrastructure.faults.partitionLease('m-1');
      await clock.advance(5_000);
      const failure = await hold(provider, 'm-1').catch((error: unknown) => error);
      expect(ProviderError.isInstance(failure) && failure.retryable).toBe(true);
      await clock.advance(5_000);
      expect(infrastructure.leases()[0]?.alive).toBe(false);
      infrastructure.faults.healLease('m-1');
      await hold(provider, 'm-1');
      expect(infrastructure.leases()[0]?.alive).toBe(true);
    });

    test('inputs are checked before any call; after close, ClosedError', async () => {
      const { provider, infrastructure } = setup();
      await expect(
        provider.leases!.hold({ scope, owner: 'm-1', durationMs: 10 }),
      ).rejects.toSatisfy(InvalidOptionsError.isInstance);
      await expect(provider.leases!.list({ scope: '' })).rejects.toSatisfy(
        InvalidOptionsError.isInstance,
      );
      expect(infrastructure.calls.total).toBe(0);
      await provider.close();
      await expect(provider.leases!.list({})).rejects.toSatisfy(ClosedError.isInstance);
      await expect(provider.listScopes!()).rejects.toSatisfy(ClosedError.isInstance);
    });
  });
});
