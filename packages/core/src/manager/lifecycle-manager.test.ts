import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { describe, expect, test } from 'vitest';
import { setup, testPolicy, workerSpec } from '../../test/lifecycle-setup.js';
import {
  CancelledError,
  ClosedError,
  IllegalTransitionError,
  InvalidOptionsError,
  InvalidPolicyError,
  InvalidSpecError,
  type LogsOptionsV1,
  NotOwnedError,
  OwnershipKeys,
  type ProviderV1,
  type RemoveOptionsV1,
  readOwnership,
  WorkerNotFoundError,
  type WorkerRecordV1,
  type WorkerRefV1,
  withLifecycle,
} from '../index.js';

const second = 1_000;
const minute = 60 * second;

describe('creating workers', () => {
  test('a created worker is stamped, tracked and announced; it becomes Ready', async () => {
    const { manager, events, infrastructure, clock } = setup();
    const record = await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    await clock.settle();

    const ownership = readOwnership(record);
    expect(ownership).toMatchObject({
      scope: 'test',
      workerId: 'w-1',
      owner: 'manager-a',
      providerId: 'memory',
    });
    expect(ownership?.expiresAt?.getTime()).toBe(clock.now() + 10 * minute);
    expect(ownership?.ttlAfterFinishedSeconds).toBe(60);
    expect(manager.worker('w-1')).toMatchObject({
      state: 'Ready',
      owner: 'manager-a',
      adopted: false,
    });
    events.expectSequence('w-1', ['WorkerEphemeralCreated', 'WorkerEphemeralReady']);
    expect(events.ofType('WorkerEphemeralCreated')[0]).toMatchObject({
      maxLifetime: 10 * minute,
      ttlAfterCompletion: minute,
      providerId: 'memory',
      actor: { kind: 'manager', instanceId: 'manager-a' },
    });
    expect(infrastructure.workers()).toHaveLength(1);
  });

  test('a worker that starts slowly is Initializing until it is ready', async () => {
    const { manager, events, clock } = setup();
    await manager.createWorker(workerSpec({ readyAfterMs: 5 * second }), { workerId: 'w-1' });
    expect(manager.worker('w-1')?.state).toBe('Initializing');
    await clock.advance(5 * second);
    expect(manager.worker('w-1')?.state).toBe('Ready');
    events.expectSequence('w-1', ['WorkerEphemeralCreated', 'WorkerEphemeralReady']);
  });

  test('without a watch, readiness is polled', async () => {
    const { manager, clock } = setup({ capabilities: { watch: false } });
    await manager.createWorker(workerSpec({ readyAfterMs: 2_500 }), { workerId: 'w-1' });
    await clock.advance(2 * second);
    expect(manager.worker('w-1')?.state).toBe('Initializing');
    await clock.advance(1 * second);
    expect(manager.worker('w-1')?.state).toBe('Ready');
  });

  test('an invalid spec is refused before any call and creates nothing', async () => {
    const { manager, events, infrastructure } = setup();
    await manager.start();
    infrastructure.resetCalls();
    const bad = [
      { image: '' },
      { image: 'worker:1', labels: { 'hodei.io/owner': 'me' } },
      { image: 'worker:1', resources: { memory: '1Ki' } },
      workerSpec({ runForMs: -1 }),
    ];
    for (const spec of bad) {
      await expect(manager.createWorker(spec)).rejects.toSatisfy(InvalidSpecError.isInstance);
    }
    expect(infrastructure.calls.create).toBe(0);
    expect(infrastructure.workers()).toEqual([]);
    expect(manager.workers()).toEqual([]);
    expect(events.events.filter((e) => e.type !== 'GarbageCollectionCompleted')).toEqual([]);
  });

  test('an invalid per-worker policy is refused and creates nothing', async () => {
    const { manager, infrastructure } = setup();
    await expect(
      manager.createWorker(workerSpec({}, { policy: { maxLifetime: 0 } })),
    ).rejects.toSatisfy(InvalidSpecError.isInstance);
    await expect(
      manager.createWorker(workerSpec({}, { policy: { maxLifetime: '1m', startupTimeout: '5m' } })),
    ).rejects.toSatisfy(InvalidSpecError.isInstance);
    expect(infrastructure.workers()).toEqual([]);
  });

  test('a bad worker id is refused', async () => {
    const { manager, infrastructure } = setup();
    await expect(manager.createWorker(workerSpec(), { workerId: 'Not_OK' })).rejects.toSatisfy(
      InvalidSpecError.isInstance,
    );
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    await expect(manager.createWorker(workerSpec(), { workerId: 'w-1' })).rejects.toThrow(
      /already tracked/,
    );
    expect(infrastructure.workers()).toHaveLength(1);
  });

  test('a per-worker policy overrides the manager policy', async () => {
    const { manager, clock } = setup();
    const record = await manager.createWorker(workerSpec({}, { policy: { maxLifetime: '1m' } }));
    expect(readOwnership(record)?.expiresAt?.getTime()).toBe(clock.now() + minute);
  });

  test('cancelling during create leaves nothing and publishes nothing about it', async () => {
    const { manager, events, infrastructure, clock } = setup();
    await manager.start();
    infrastructure.faults.delayCreates(5 * second);
    const controller = new AbortController();
    const creating = manager.createWorker(workerSpec(), {
      workerId: 'w-1',
      signal: controller.signal,
    });
    await clock.advance(1 * second);
    controller.abort();
    await expect(creating).rejects.toSatisfy(CancelledError.isInstance);
    await clock.advance(10 * second);
    expect(infrastructure.workers()).toEqual([]);
    expect(manager.worker('w-1')).toBeUndefined();
    expect(events.forWorker('w-1')).toEqual([]);
  });

  test('an already aborted signal is refused before any call', async () => {
    const { manager, infrastructure } = setup();
    await expect(
      manager.createWorker(workerSpec(), { signal: AbortSignal.abort() }),
    ).rejects.toSatisfy(CancelledError.isInstance);
    expect(infrastructure.calls.create).toBe(0);
  });

  test('a failed create is reported to the caller, and whatever it left is removed', async () => {
    const { manager, infrastructure, events } = setup();
    infrastructure.faults.failCreates(1);
    await expect(manager.createWorker(workerSpec(), { workerId: 'w-1' })).rejects.toThrow();
    expect(manager.worker('w-1')).toBeUndefined();
    expect(events.forWorker('w-1')).toEqual([]);
    expect(infrastructure.workers()).toEqual([]);
  });
});

describe('completion and TTL', () => {
  test('a job that completes is Terminated with its exit code and logs, then removed when the TTL runs out', async () => {
    const { manager, events, infrastructure, clock } = setup();
    await manager.createWorker(workerSpec({ runForMs: 10 * second, logLines: ['hello', 'done'] }), {
      workerId: 'w-1',
    });
    await clock.advance(10 * second);
    expect(manager.worker('w-1')).toMatchObject({ state: 'Terminated', exitCode: 0 });
    const [terminated] = events.ofType('WorkerEphemeralTerminated');
    expect(terminated).toMatchObject({
      reason: 'JobCompleted',
      exitCode: 0,
      cleanupScheduled: true,
      lastLogLines: ['hello', 'done'],
      actor: { kind: 'infrastructure' },
    });
    expect(terminated?.ttlExpiresAt?.getTime()).toBe(clock.now() + minute);
    expect(infrastructure.workers()).toHaveLength(1); // kept so its logs can be read

    await clock.advance(minute);
    expect(infrastructure.workers()).toEqual([]);
    expect(manager.worker('w-1')).toBeUndefined();
    events.expectSequence('w-1', [
      'WorkerEphemeralCreated',
      'WorkerEphemeralReady',
      'WorkerEphemeralTerminated',
      'WorkerEphemeralCleanedUp',
    ]);
    expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
      cleanupReason: 'TtlExpired',
    });
  });

  test('without a TTL the worker is removed at once', async () => {
    const { manager, events, infrastructure, clock } = setup({
      options: { policy: { ...testPolicy, ttlAfterCompletion: 0 } },
    });
    await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
    await clock.advance(second);
    expect(infrastructure.workers()).toEqual([]);
    expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
      cleanupReason: 'NormalTermination',
    });
  });

  test('a failed job is Failed and, with retainOnFailure, kept longer for debugging', async () => {
    const { manager, events, infrastructure, clock } = setup({
      options: { policy: { ...testPolicy, retainOnFailure: '1h' } },
    });
    await manager.createWorker(workerSpec({ runForMs: second, exitCode: 3 }), { workerId: 'w-1' });
    await clock.advance(second);
    expect(manager.worker('w-1')).toMatchObject({ state: 'Failed', exitCode: 3 });
    expect(events.ofType('WorkerEphemeralTerminated')[0]).toMatchObject({
      exitCode: 3,
      reason: 'JobCompleted',
    });
    await clock.advance(2 * minute); // past the normal TTL
    expect(infrastructure.workers()).toHaveLength(1);
    await clock.advance(58 * minute);
    expect(infrastructure.workers()).toEqual([]);
  });

  test('a successful job does not get the failure retention', async () => {
    const { manager, infrastructure, clock } = setup({
      options: { policy: { ...testPolicy, retainOnFailure: '1h' } },
    });
    await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
    await clock.advance(second + minute);
    expect(infrastructure.workers()).toEqual([]);
  });

  test('with autoCleanup off, terminated workers stay until removed by the caller', async () => {
    const { manager, events, infrastructure, clock } = setup({
      options: { policy: { ...testPolicy, autoCleanupEnabled: false } },
    });
    await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
    await clock.advance(second);
    expect(events.ofType('WorkerEphemeralTerminated')[0]).toMatchObject({
      cleanupScheduled: false,
      ttlExpiresAt: null,
    });
    await clock.advance(60 * minute);
    expect(infrastructure.workers()).toHaveLength(1);
    await manager.remove({ workerId: 'w-1', scope: 'test' });
    expect(infrastructure.workers()).toEqual([]);
    expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
      cleanupReason: 'ForceCleanup',
    });
  });
});

describe('policy rules', () => {
  test('maxLifetime stops a running worker; its TTL then removes it', async () => {
    const { manager, events, infrastructure, clock } = setup();
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    manager.markBusy('w-1');
    await clock.advance(10 * minute);
    expect(manager.worker('w-1')?.state).toBe('Terminated');
    expect(events.ofType('WorkerEphemeralTerminating')[0]).toMatchObject({
      reason: 'LifetimeExceeded',
      actor: { kind: 'manager' },
    });
    expect(events.ofType('WorkerEphemeralTerminated')[0]).toMatchObject({
      reason: 'LifetimeExceeded',
      exitCode: 143,
    });
    expect(infrastructure.workers()[0]?.phase).toBe('failed');
    await clock.advance(minute);
    expect(infrastructure.workers()).toEqual([]);
    events.expectSequence('w-1', [
      'WorkerEphemeralCreated',
      'WorkerEphemeralReady',
      'WorkerEphemeralTerminating',
      'WorkerEphemeralTerminated',
      'WorkerEphemeralCleanedUp',
    ]);
  });

  test('the grace period is given to a worker that ignores the stop signal', async () => {
    const { manager, clock } = setup();
    await manager.createWorker(workerSpec({ ignoreStop: true }), { workerId: 'w-1' });
    const ended = manager.terminate('w-1');
    await clock.advance(9 * second);
    expect(manager.worker('w-1')?.state).toBe('Terminating');
    await clock.advance(2 * second);
    await ended;
    expect(manager.worker('w-1')).toMatchObject({ state: 'Terminated', exitCode: 137 });
  });

  test('idleTimeout counts from the last idle mark; busy workers are left alone', async () => {
    const { manager, events, clock } = setup();
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    await clock.advance(90 * second);
    manager.markBusy('w-1');
    expect(manager.worker('w-1')).toMatchObject({ state: 'Running', busy: true });
    await clock.advance(5 * minute);
    expect(manager.worker('w-1')?.state).toBe('Running');
    manager.markIdle('w-1');
    const idleSince = clock.now();
    expect(events.ofType('WorkerEphemeralIdle')[0]?.idleSince.getTime()).toBe(idleSince);
    await clock.advance(119 * second);
    expect(manager.worker('w-1')?.state).toBe('Ready');
    await clock.advance(second);
    expect(events.ofType('WorkerEphemeralTerminating')[0]).toMatchObject({ reason: 'IdleTimeout' });
  });

  test('a ready worker never marked busy is reaped after the idle timeout', async () => {
    const { manager, events, clock } = setup();
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    await clock.advance(2 * minute);
    expect(events.ofType('WorkerEphemeralTerminating')[0]).toMatchObject({ reason: 'IdleTimeout' });
  });

  test('startupTimeout removes a worker that never becomes ready, and confirms it gone', async () => {
    const { manager, events, infrastructure, clock } = setup({
      options: { policy: { ...testPolicy, startupTimeout: '30s' } },
    });
    await manager.createWorker(workerSpec({ neverReady: true, logLines: ['booting'] }), {
      workerId: 'w-1',
    });
    await clock.advance(30 * second);
    await clock.advance(10 * second); // the grace period of the removal
    expect(infrastructure.workers()).toEqual([]);
    events.expectSequence('w-1', [
      'WorkerEphemeralCreated',
      'WorkerEphemeralTerminating',
      'WorkerEphemeralTerminated',
      'WorkerEphemeralCleanedUp',
    ]);
    expect(events.ofType('WorkerEphemeralTerminating')[0]).toMatchObject({
      reason: 'StartupTimeout',
    });
    expect(events.ofType('WorkerEphemeralTerminated')[0]).toMatchObject({
      lastLogLines: ['booting'],
    });
    expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
      cleanupReason: 'WorkerError',
    });
  });

  test('a provider without stop removes the worker when it terminates', async () => {
    const { manager, events, infrastructure, clock } = setup({ capabilities: { stop: false } });
    await manager.createWorker(workerSpec({ logLines: ['x'] }), { workerId: 'w-1' });
    const ended = manager.terminate('w-1');
    await clock.advance(second);
    await ended;
    await clock.settle();
    expect(infrastructure.workers()).toEqual([]);
    expect(events.ofType('WorkerEphemeralTerminated')[0]).toMatchObject({
      reason: 'ManualTermination',
    });
    expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
      cleanupReason: 'NormalTermination',
    });
  });
});

describe('caller operations', () => {
  test('terminate ends the worker and keeps it for its TTL', async () => {
    const { manager, events, infrastructure, clock } = setup();
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    const ended = manager.terminate('w-1');
    await clock.settle();
    await ended;
    expect(manager.worker('w-1')?.state).toBe('Terminated');
    expect(events.ofType('WorkerEphemeralTerminating')[0]).toMatchObject({
      reason: 'ManualTermination',
      actor: { kind: 'caller' },
    });
    expect(infrastructure.workers()).toHaveLength(1);
  });

  test('illegal moves are refused with a typed error and change nothing', async () => {
    const { manager, clock } = setup();
    await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
    await clock.advance(second);
    expect(manager.worker('w-1')?.state).toBe('Terminated');
    expect(() => manager.markBusy('w-1')).toThrow(IllegalTransitionError);
    expect(() => manager.markIdle('w-1')).toThrow(IllegalTransitionError);
    expect(manager.worker('w-1')?.state).toBe('Terminated');
  });

  test('unknown workers are a typed error', async () => {
    const { manager } = setup();
    expect(() => manager.markBusy('nope')).toThrow(WorkerNotFoundError);
    await expect(manager.terminate('nope')).rejects.toSatisfy(WorkerNotFoundError.isInstance);
  });

  test('remove is idempotent and never touches another scope', async () => {
    const { manager, infrastructure, clock } = setup();
    const other = setup({
      infrastructure,
      clock,
      options: { scope: 'other', instanceId: 'manager-b' },
    });
    await other.manager.createWorker(workerSpec(), { workerId: 'theirs' });
    await manager.createWorker(workerSpec(), { workerId: 'mine' });
    await manager.remove({ workerId: 'theirs', scope: 'other' });
    await manager.remove({ workerId: 'theirs', scope: 'test' });
    await manager.remove({ workerId: 'mine', scope: 'test' });
    await manager.remove({ workerId: 'mine', scope: 'test' });
    expect(infrastructure.workers().map((w) => w.workerId)).toEqual(['theirs']);
    expect(await manager.list({ scope: 'other' })).toEqual([]);
    expect(await manager.get({ workerId: 'theirs', scope: 'other' })).toBeUndefined();
  });
});

describe('orphans', () => {
  test('a worker removed out of band is reported as a lost worker and closed (watch)', async () => {
    const { manager, events, infrastructure, clock } = setup();
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    await clock.advance(5 * second);
    infrastructure.vanish('w-1');
    await clock.settle();
    const [orphan] = events.ofType('OrphanWorkerDetected');
    expect(orphan).toMatchObject({ kind: 'lost-worker', workerId: 'w-1' });
    expect(orphan?.orphanedDuration).toBeGreaterThanOrEqual(0);
    expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
      cleanupReason: 'OrphanDetected',
    });
    expect(manager.worker('w-1')).toBeUndefined();
  });

  test('without a watch, the resync finds the lost worker within one check interval', async () => {
    const { manager, events, infrastructure, clock } = setup({ capabilities: { watch: false } });
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    infrastructure.vanish('w-1');
    await clock.advance(30 * second);
    expect(events.ofType('OrphanWorkerDetected')[0]).toMatchObject({ kind: 'lost-worker' });
    expect(events.ofType('GarbageCollectionCompleted').at(-1)).toMatchObject({
      orphansDetected: 1,
    });
  });

  test('a new manager adopts the workers of a crashed one and enforces their stamped deadline and TTL', async () => {
    const first = setup();
    await first.manager.createWorker(workerSpec(), { workerId: 'busy-one' });
    await first.manager.createWorker(workerSpec({ runForMs: 30 * second }), {
      workerId: 'finisher',
    });
    first.manager.markBusy('busy-one');
    await first.manager.close(); // the crash: timers gone, workers left behind
    await first.clock.advance(minute);

    const next = setup({
      infrastructure: first.infrastructure,
      clock: first.clock,
      options: { instanceId: 'manager-b' },
    });
    await next.manager.start();
    expect(next.events.ofType('OrphanWorkerDetected').map((e) => [e.workerId, e.kind])).toEqual([
      ['busy-one', 'orphan-resource'],
      ['finisher', 'orphan-resource'],
    ]);
    expect(next.manager.worker('busy-one')).toMatchObject({
      adopted: true,
      owner: 'manager-a',
      state: 'Ready',
    });
    // Owner-only rules stay with the owner.
    expect(() => next.manager.markIdle('busy-one')).toThrow(NotOwnedError);
    await expect(next.manager.terminate('busy-one')).rejects.toSatisfy(NotOwnedError.isInstance);
    // The finished one is removed when its stamped TTL (1 min after it ended) runs out; its
    // end is reported in whole seconds here, which may be truncated, so a second later.
    await next.clock.advance(30 * second);
    expect(next.infrastructure.workers()).toHaveLength(2);
    await next.clock.advance(second);
    expect(next.infrastructure.workers().map((w) => w.workerId)).toEqual(['busy-one']);
    // The stamped deadline (10 min after creation) still holds for the other.
    await next.clock.advance(8 * minute + 30 * second);
    expect(next.events.ofType('WorkerEphemeralTerminating')).toEqual([
      expect.objectContaining({ workerId: 'busy-one', reason: 'LifetimeExceeded' }),
    ]);
    await next.clock.advance(minute + 10 * second);
    expect(next.infrastructure.workers()).toEqual([]);
  });

  test('workers of another scope are never adopted, listed or removed', async () => {
    const mine = setup();
    const theirs = setup({
      infrastructure: mine.infrastructure,
      clock: mine.clock,
      options: {
        scope: 'elsewhere',
        instanceId: 'manager-z',
        policy: { ...testPolicy, maxLifetime: '1h' },
      },
    });
    await theirs.manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-z' });
    await mine.manager.start();
    await mine.clock.advance(30 * minute);
    expect(mine.events.ofType('OrphanWorkerDetected')).toEqual([]);
    expect(mine.manager.workers()).toEqual([]);
    expect(mine.events.forWorker('w-z')).toEqual([]);
  });
});

describe('races with the infrastructure', () => {
  test('a watch event that arrives while create is still running is not lost', async () => {
    const { provider, events, clock } = setup();
    // A provider whose create answers with a record older than what its watch already said.
    const slow = {
      ...provider,
      create: async (...args: Parameters<typeof provider.create>) => {
        const record = await provider.create(...args);
        await new Promise((resolve) => setImmediate(resolve)); // the watch reports "ready" now
        return { ...record, phase: 'pending' as const, ready: false };
      },
    };
    const manager = withLifecycle(slow, {
      clock,
      publisher: events,
      scope: 'test',
      instanceId: 'manager-a',
      policy: testPolicy,
    });
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    await clock.settle();
    expect(manager.worker('w-1')?.state).toBe('Ready');
    events.expectSequence('w-1', ['WorkerEphemeralCreated', 'WorkerEphemeralReady']);
    await manager.close();
  });

  test('a worker seen dying under an outside removal is a lost worker, not a finished job', async () => {
    const { provider, events, clock, infrastructure } = setup({ capabilities: { watch: false } });
    let dying = false;
    const observed = {
      ...provider,
      list: async (...args: Parameters<typeof provider.list>) =>
        (await provider.list(...args)).map((record) =>
          dying ? { ...record, phase: 'failed' as const, exitCode: 137, removing: true } : record,
        ),
    };
    const manager = withLifecycle(observed, {
      clock,
      publisher: events,
      scope: 'test',
      instanceId: 'manager-a',
      policy: testPolicy,
    });
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    dying = true; // `docker rm -f` has killed it and is deleting it
    await manager.collectGarbage();
    await clock.settle();
    expect(manager.worker('w-1')?.state).toBe('Ready');
    events.expectNone('WorkerEphemeralTerminated', 'w-1');
    infrastructure.vanish('w-1');
    await manager.collectGarbage();
    expect(events.ofType('OrphanWorkerDetected')[0]).toMatchObject({ kind: 'lost-worker' });
    await manager.close();
  });

  test('with a watch, a worker draining through its grace period is not read back meanwhile', async () => {
    const { provider, infrastructure, clock } = setup();
    // A provider whose remove returns once the removal is accepted (as a Kubernetes DELETE
    // does), while the worker, ignoring SIGTERM, takes its whole grace period (10 s) to go.
    const accepting: ProviderV1 = Object.assign(Object.create(provider) as ProviderV1, {
      async remove(ref: WorkerRefV1, options?: RemoveOptionsV1) {
        void provider.remove(ref, options);
      },
    });
    const events = createEventRecorder();
    const manager = withLifecycle(accepting, {
      clock,
      publisher: events,
      scope: 'test',
      policy: testPolicy,
    });
    await manager.createWorker(workerSpec({ ignoreStop: true }), { workerId: 'w-1' });
    await clock.settle();
    infrastructure.resetCalls();
    const removed = manager.remove({ workerId: 'w-1', scope: 'test' });
    await clock.advance(9 * second);
    expect(manager.worker('w-1')?.state).toBe('Terminated');
    await clock.advance(1 * second); // the grace period ends: the worker goes, the watch says so
    await removed;
    expect(infrastructure.workers()).toEqual([]);
    expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
      workerId: 'w-1',
      cleanupReason: 'ForceCleanup',
    });
    expect(infrastructure.calls.get).toBe(0);
    await manager.close();
  });

  test('with a watch, a removal is confirmed by its event instead of a read-back', async () => {
    const { manager, infrastructure, clock } = setup();
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    await clock.settle();
    infrastructure.resetCalls();
    await manager.remove({ workerId: 'w-1', scope: 'test' });
    expect(infrastructure.workers()).toEqual([]);
    expect(infrastructure.calls.get).toBe(0);
  });
});

describe('stuck removals', () => {
  test('a worker left stuck in removal by a crashed manager is adopted and its removal asked again', async () => {
    const { clock, events } = setup();
    const { provider: base } = setup({ clock });
    // One worker of the scope, being removed but stuck (a pod stuck terminating); the provider
    // escalates on the second request, as the Kubernetes provider's force delete does.
    let record = {
      ...(await base.create({
        spec: workerSpec(),
        ownership: {
          scope: 'test',
          workerId: 'stuck',
          providerId: 'memory',
          owner: 'crashed-manager',
          expiresAt: new Date(clock.now() + 3_600_000),
          ttlAfterFinishedSeconds: 60,
        },
      })),
      removing: true,
    } as WorkerRecordV1 | undefined;
    let removals = 0;
    const stuck = {
      ...base,
      capabilities: { ...base.capabilities, watch: false },
      watch: undefined,
      list: async () => (record ? [record] : []),
      get: async () => record,
      remove: async () => {
        removals += 1;
        if (removals >= 2) record = undefined;
      },
    };
    const manager = withLifecycle(stuck, {
      clock,
      publisher: events,
      scope: 'test',
      instanceId: 'manager-b',
      policy: testPolicy,
    });
    await manager.start();
    await clock.settle();
    expect(removals).toBe(1);
    expect(manager.worker('stuck')?.state).toBe('Initializing');
    await clock.advance(11 * second); // the grace period (10 s) and one retry delay
    expect(removals).toBe(1); // meanwhile it only looked again
    await clock.advance(2 * second);
    expect(removals).toBe(2);
    expect(manager.worker('stuck')).toBeUndefined();
    expect(events.ofType('OrphanWorkerDetected')[0]).toMatchObject({ kind: 'orphan-resource' });
    expect(events.ofType('WorkerEphemeralCleanedUp')[0]).toMatchObject({
      workerId: 'stuck',
      cleanupReason: 'OrphanDetected',
    });
    await manager.close();
  });
});

describe('resilience', () => {
  test('failed removals are retried with backoff and never forgotten', async () => {
    const { manager, events, infrastructure, clock } = setup({
      options: { policy: { ...testPolicy, ttlAfterCompletion: 0 } },
    });
    await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
    infrastructure.faults.failRemoves(4);
    await clock.advance(second);
    expect(manager.worker('w-1')?.removalAttempts).toBe(1);
    await clock.advance(1 * second + 2 * second + 4 * second);
    expect(manager.worker('w-1')?.removalAttempts).toBe(4);
    await clock.advance(8 * second);
    expect(infrastructure.workers()).toEqual([]);
    expect(events.ofType('WorkerEphemeralCleanedUp')).toHaveLength(1);
  });

  test('the log tails of a burst of endings are read `concurrency` at a time', async () => {
    const { provider, clock } = setup();
    let inFlight = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    // The memory provider, with logs that answer only when the test lets them.
    const gated: ProviderV1 = Object.assign(Object.create(provider) as ProviderV1, {
      async logs(ref: WorkerRefV1, options?: LogsOptionsV1) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => waiting.push(resolve));
        inFlight -= 1;
        return provider.logs!(ref, options);
      },
    });
    const events = createEventRecorder();
    const manager = withLifecycle(gated, {
      clock,
      publisher: events,
      scope: 'test',
      policy: { ...testPolicy, ttlAfterCompletion: 0 },
      concurrency: 3,
    });
    for (let i = 0; i < 10; i++) {
      await manager.createWorker(workerSpec({ runForMs: second, logLines: ['done'] }), {
        workerId: `w-${i}`,
      });
    }
    await clock.advance(second); // all ten end at once
    expect(inFlight).toBe(3);
    while (waiting.length > 0) {
      for (const release of waiting.splice(0)) release();
      await clock.settle();
    }
    expect(most).toBe(3);
    const terminated = events.ofType('WorkerEphemeralTerminated');
    expect(terminated).toHaveLength(10);
    for (const event of terminated) expect(event.lastLogLines).toEqual(['done']);
    expect(events.ofType('WorkerEphemeralCleanedUp')).toHaveLength(10);
    await manager.close();
  });

  test('a throwing or slow event subscriber never blocks or breaks the manager', async () => {
    const errors: unknown[] = [];
    const { manager, infrastructure, clock } = setup({
      options: {
        publisher: {
          publish() {
            throw new Error('subscriber down');
          },
        },
        onPublishError: (error) => errors.push(error),
      },
    });
    await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
    await clock.advance(second + minute);
    expect(infrastructure.workers()).toEqual([]);
    expect(errors.length).toBeGreaterThanOrEqual(4);
  });

  test('a dropped watch is resumed after a re-list; later changes are still seen', async () => {
    const { manager, events, infrastructure, clock } = setup();
    await manager.createWorker(workerSpec(), { workerId: 'w-1' });
    infrastructure.faults.dropWatches();
    await clock.advance(2 * second);
    infrastructure.vanish('w-1');
    await clock.settle();
    expect(events.ofType('OrphanWorkerDetected')[0]).toMatchObject({
      kind: 'lost-worker',
      workerId: 'w-1',
    });
  });

  test('close stops timers and watches and leaves the workers; await using closes too', async () => {
    const { manager, infrastructure, clock, events } = setup();
    {
      await using scoped = manager;
      await scoped.createWorker(workerSpec(), { workerId: 'w-1' });
    }
    const before = events.events.length;
    await clock.advance(60 * minute);
    expect(events.events.length).toBe(before);
    expect(infrastructure.workers()).toHaveLength(1);
    await expect(manager.createWorker(workerSpec())).rejects.toSatisfy(ClosedError.isInstance);
  });

  test('collectGarbage reports what it did', async () => {
    const { manager, events, clock, infrastructure } = setup({
      capabilities: { watch: false },
      options: { policy: { ...testPolicy, ttlAfterCompletion: 0 } },
    });
    await manager.createWorker(workerSpec({ runForMs: second }), { workerId: 'w-1' });
    await manager.createWorker(workerSpec(), { workerId: 'w-2' });
    infrastructure.vanish('w-2');
    await clock.advance(second);
    const summary = await manager.collectGarbage();
    await clock.settle();
    expect(summary).toMatchObject({ orphansDetected: 1, errors: [] });
    expect(events.ofType('GarbageCollectionCompleted').at(-1)).toMatchObject({
      orphansDetected: 1,
    });
    expect(infrastructure.workers()).toEqual([]);
  });
});

describe('options and the switch', () => {
  test('invalid options are refused at construction', () => {
    const { provider } = setup();
    expect(() => withLifecycle(provider, { scope: 'Not A Scope' })).toThrow(InvalidOptionsError);
    expect(() => withLifecycle(provider, { policy: { maxLifetime: -1 } })).toThrow(
      InvalidPolicyError,
    );
    expect(() => withLifecycle(provider, { policy: 'nomad' as never })).toThrow(InvalidPolicyError);
    expect(() => withLifecycle(provider, { retryDelay: 0 })).toThrow(/retryDelay/);
    expect(() => withLifecycle(provider, { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => withLifecycle(provider, { bogus: true } as never)).toThrow(
      /bogus: unknown option/,
    );
    expect(() => withLifecycle({} as never)).toThrow();
  });

  test('the policy defaults to the preset of the provider type, with overrides', () => {
    const { provider } = setup();
    const manager = withLifecycle(provider, { policy: { maxLifetime: '5m' } });
    expect(manager.policy).toMatchObject({ maxLifetime: 5 * minute, orphanCheckInterval: minute });
    expect(withLifecycle(provider, { policy: 'docker' }).policy.maxLifetime).toBe(30 * minute);
  });

  test('HODEI_LIFECYCLE_ENABLED=false switches to a passthrough; an explicit option wins', async () => {
    const previous = process.env.HODEI_LIFECYCLE_ENABLED;
    process.env.HODEI_LIFECYCLE_ENABLED = 'false';
    try {
      const off = setup();
      expect(off.manager.enabled).toBe(false);
      const record = await off.manager.createWorker(workerSpec({ runForMs: second }));
      await off.clock.advance(60 * minute);
      expect(off.events.events).toEqual([]);
      expect(off.infrastructure.workers()).toHaveLength(1);
      expect(record.labels[OwnershipKeys.managedBy]).toBe('test');
      expect(readOwnership(record)?.expiresAt).toBeUndefined();

      const on = setup({ options: { enabled: true } });
      expect(on.manager.enabled).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.HODEI_LIFECYCLE_ENABLED;
      else process.env.HODEI_LIFECYCLE_ENABLED = previous;
    }
  });
});
