/**
 * The lifecycle conformance suite's tests: the manager (`withLifecycle`) on the author's
 * provider, with the real clock and short policies, as a keyv store is tested through Keyv.
 */
import assert, { AssertionError } from 'node:assert/strict';
import type { WorkerRecordV1 } from '@hodei/lifecycle-core';
import { describeValue } from '../poll/poll-until.js';
import type { LifecycleContext } from './lifecycle-context.js';

export interface LifecycleCase {
  readonly id: string;
  readonly promise: string;
  readonly fixture?: 'neverReady';
  readonly needs?: readonly 'anotherInstance'[];
  run(ctx: LifecycleContext): Promise<void>;
}

const isFinished = (record: WorkerRecordV1 | undefined) =>
  record !== undefined && (record.phase === 'succeeded' || record.phase === 'failed');

/** The worker is gone from the provider: confirmed with get and list, read by the test itself. */
async function expectGone(ctx: LifecycleContext, workerId: string, what: string) {
  const got = await ctx.provider.get({ workerId, scope: ctx.scope });
  assert.equal(
    got,
    undefined,
    `${what}: worker ${workerId} is still on the infrastructure: ${describeValue(got)}`,
  );
  const listed = await ctx.provider.list({ scope: ctx.scope });
  assert.ok(
    !listed.some((r) => r.workerId === workerId),
    `${what}: worker ${workerId} is still listed`,
  );
}

export const lifecycleCases: LifecycleCase[] = [
  {
    id: 'lifecycle.completion',
    promise:
      'a worker that completes is Terminated (JobCompleted, with its exit code), kept for its TTL, then removed (TtlExpired) and gone from the infrastructure',
    async run(ctx) {
      const { manager, events } = ctx.manager();
      const record = await manager.createWorker(ctx.fixtures.completes(0));
      const { workerId } = record;
      const terminated = await events.waitFor(
        'WorkerEphemeralTerminated',
        (e) => e.workerId === workerId,
        { timeoutMs: ctx.timeouts.completeMs },
      );
      assert.equal(terminated.reason, 'JobCompleted', 'the reason of a worker that completed');
      assert.equal(terminated.exitCode, 0, 'the exit code of a worker that completed');
      const kept = await ctx.provider.get(ctx.ref(record));
      assert.ok(
        kept?.finishedAt,
        `a completed worker must be kept for its TTL; it was gone when Terminated was published`,
      );
      const cleaned = await events.waitFor(
        'WorkerEphemeralCleanedUp',
        (e) => e.workerId === workerId,
        { timeoutMs: ctx.durations.ttlMs + ctx.timeouts.removeMs },
      );
      assert.equal(cleaned.cleanupReason, 'TtlExpired', 'why the completed worker was removed');
      // The TTL counts from the end the infrastructure reports.
      const keptFor = cleaned.occurredAt.getTime() - kept.finishedAt.getTime();
      assert.ok(
        keptFor >= ctx.durations.ttlMs - 100,
        `the worker was removed ${keptFor} ms after it completed, before its TTL of ${ctx.durations.ttlMs} ms`,
      );
      await expectGone(ctx, workerId, 'after its TTL');
    },
  },
  {
    id: 'lifecycle.maxLifetime',
    promise:
      'a worker that outlives its maxLifetime is ended (LifetimeExceeded), removed, and gone from the infrastructure',
    async run(ctx) {
      const { maxLifetimeMs } = ctx.durations;
      const { manager, events } = ctx.manager({
        policy: { maxLifetime: maxLifetimeMs, ttlAfterCompletion: 0 },
      });
      const started = Date.now();
      const record = await manager.createWorker(ctx.fixtures.longRunning);
      const { workerId } = record;
      const bound = maxLifetimeMs + ctx.timeouts.gracePeriodMs + ctx.timeouts.removeMs;
      // Terminated, whether the manager ended it or the infrastructure did (a native deadline).
      const terminated = await events.waitFor(
        'WorkerEphemeralTerminated',
        (e) => e.workerId === workerId,
        { timeoutMs: bound },
      );
      assert.equal(terminated.reason, 'LifetimeExceeded', 'why the worker was ended');
      // Whole-second clocks (a pod's startTime) may end it up to a second early.
      const endedAfter = terminated.occurredAt.getTime() - started;
      assert.ok(
        endedAfter >= maxLifetimeMs - 1_000,
        `the worker was ended ${endedAfter} ms after create, before its maxLifetime of ${maxLifetimeMs} ms`,
      );
      await events.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === workerId, {
        timeoutMs: bound,
      });
      await expectGone(ctx, workerId, 'after its maxLifetime');
    },
  },
  {
    id: 'lifecycle.startupTimeout',
    fixture: 'neverReady',
    promise:
      'a worker that is never ready is removed at its startup timeout (StartupTimeout) and confirmed gone',
    async run(ctx) {
      const { startupTimeoutMs } = ctx.durations;
      const { manager, events } = ctx.manager({ policy: { startupTimeout: startupTimeoutMs } });
      const record = await manager.createWorker(ctx.fixture('neverReady'));
      const { workerId } = record;
      const bound = startupTimeoutMs + ctx.timeouts.readyMs + ctx.timeouts.removeMs;
      const terminating = await events.waitFor(
        'WorkerEphemeralTerminating',
        (e) => e.workerId === workerId,
        { timeoutMs: bound },
      );
      assert.equal(terminating.reason, 'StartupTimeout', 'why the never-ready worker was ended');
      events.expectNone('WorkerEphemeralReady', workerId);
      await events.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === workerId, {
        timeoutMs: bound,
      });
      await expectGone(ctx, workerId, 'after its startup timeout');
      assert.equal(
        manager.worker(workerId)?.state ?? 'CleanedUp',
        'CleanedUp',
        'its state is closed',
      );
    },
  },
  {
    id: 'lifecycle.lostWorker',
    promise:
      'a worker removed out of band is reported as a lost worker (OrphanWorkerDetected, lost-worker) and its state closed',
    async run(ctx) {
      const { manager, events } = ctx.manager();
      const record = await manager.createWorker(ctx.fixtures.longRunning);
      const { workerId } = record;
      await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === workerId, {
        timeoutMs: ctx.timeouts.readyMs,
      });
      // Out of band: straight through the provider, as `docker rm -f` or `kubectl delete` would.
      await ctx.raw.remove(ctx.ref(record, { uid: record.uid }), { gracePeriodMs: 0 });
      const orphan = await events.waitFor('OrphanWorkerDetected', (e) => e.workerId === workerId, {
        timeoutMs: ctx.timeouts.removeMs + 2 * ctx.durations.orphanCheckIntervalMs,
      });
      assert.equal(orphan.kind, 'lost-worker', 'the kind of orphan a vanished worker is');
      await ctx.pollUntil(
        `the manager to close the state of lost worker ${workerId}`,
        async () => manager.worker(workerId)?.state,
        (state) => state === undefined || state === 'CleanedUp',
        ctx.timeouts.removeMs,
      );
    },
  },
  {
    id: 'lifecycle.adoption',
    needs: ['anotherInstance'],
    promise:
      "a second manager made from a fresh provider instance adopts the first one's workers and enforces their stamped deadline and TTL, not before",
    async run(ctx) {
      const { maxLifetimeMs, ttlMs } = ctx.durations;
      // The first manager stamps a short deadline and TTL, then goes away.
      // The deadline comes after the TTL, so that both are seen enforced in turn.
      const lifetime = maxLifetimeMs + ttlMs;
      const first = ctx.manager({
        policy: { maxLifetime: lifetime, ttlAfterCompletion: ttlMs },
      });
      const started = Date.now();
      const running = await first.manager.createWorker(ctx.fixtures.longRunning);
      const completing = await first.manager.createWorker(ctx.fixtures.completes(0));
      const deadline = started + lifetime;
      await first.events.waitFor(
        'WorkerEphemeralTerminated',
        (e) => e.workerId === completing.workerId,
        { timeoutMs: ctx.timeouts.completeMs },
      );
      await first.manager.close();
      const finishedAt = (await ctx.provider.get(ctx.ref(completing)))?.finishedAt?.getTime();
      assert.ok(finishedAt, 'the completed worker is still there, finished, when its manager goes');

      // The second one, on a fresh provider instance, with a policy that would keep them for hours.
      const second = ctx.manager({
        provider: await ctx.anotherInstance(),
        policy: { maxLifetime: '2h', ttlAfterCompletion: '2h' },
      });
      await second.manager.start();
      for (const record of [running, completing]) {
        const adopted = await second.events.waitFor(
          'OrphanWorkerDetected',
          (e) => e.workerId === record.workerId,
          { timeoutMs: ctx.timeouts.readyMs + 2 * ctx.durations.orphanCheckIntervalMs },
        );
        assert.equal(adopted.kind, 'orphan-resource', `how worker ${record.workerId} is found`);
      }
      const ttlCleanup = await second.events.waitFor(
        'WorkerEphemeralCleanedUp',
        (e) => e.workerId === completing.workerId,
        { timeoutMs: ttlMs + 1_000 + ctx.timeouts.removeMs },
      );
      const keptFor = ttlCleanup.occurredAt.getTime() - finishedAt;
      assert.ok(
        keptFor >= ttlMs - 100,
        `the adopted finished worker was removed ${keptFor} ms after it finished, before its stamped TTL of ${ttlMs} ms`,
      );
      const lifetimeEnd = await second.events.waitFor(
        'WorkerEphemeralTerminated',
        (e) => e.workerId === running.workerId,
        {
          timeoutMs:
            Math.max(0, deadline - Date.now()) + ctx.timeouts.gracePeriodMs + ctx.timeouts.removeMs,
        },
      );
      assert.equal(lifetimeEnd.reason, 'LifetimeExceeded', 'why the adopted worker was ended');
      assert.ok(
        lifetimeEnd.occurredAt.getTime() >= deadline - 1_000,
        `the adopted worker was ended ${deadline - lifetimeEnd.occurredAt.getTime()} ms before its stamped deadline`,
      );
      // Ended, it is kept for its stamped TTL, then removed.
      await second.events.waitFor(
        'WorkerEphemeralCleanedUp',
        (e) => e.workerId === running.workerId,
        { timeoutMs: ttlMs + 1_000 + ctx.timeouts.gracePeriodMs + ctx.timeouts.removeMs },
      );
      await expectGone(ctx, running.workerId, 'after its stamped deadline');
      await expectGone(ctx, completing.workerId, 'after its stamped TTL');
    },
  },
  {
    id: 'lifecycle.foreignScope',
    promise:
      'a worker of another scope is never touched, not even one past its stamped deadline and TTL in a scope that shares a prefix, nor one carrying the worker id of a worker the manager removes',
    async run(ctx) {
      const prefixed = ctx.newScope(ctx.scope);
      const other = ctx.newScope();
      const soon = new Date(Math.ceil((Date.now() + 1_000) / 1000) * 1000);
      const sharedId = ctx.newWorkerId();
      // Foreign workers whose deadline and TTL run out while the manager works.
      const foreign = [
        await ctx.create(ctx.fixtures.longRunning, {
          scope: prefixed,
          workerId: sharedId,
          expiresAt: soon,
        }),
        await ctx.create(ctx.fixtures.completes(0), {
          scope: prefixed,
          ttlAfterFinishedSeconds: 0,
        }),
        await ctx.create(ctx.fixtures.longRunning, { scope: other, expiresAt: soon }),
      ];
      const scopes = [prefixed, prefixed, other];
      const { manager, events } = ctx.manager({ policy: { ttlAfterCompletion: 0 } });
      // The manager's own worker has the id of a foreign one, and the manager removes it.
      await manager.createWorker(ctx.fixtures.longRunning, { workerId: sharedId });
      await events.waitFor('WorkerEphemeralReady', (e) => e.workerId === sharedId, {
        timeoutMs: ctx.timeouts.readyMs,
      });
      await manager.terminate(sharedId);
      await events.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === sharedId, {
        timeoutMs: ctx.timeouts.gracePeriodMs + ctx.timeouts.removeMs,
      });
      await manager.collectGarbage();
      const watchFor =
        Math.max(0, soon.getTime() - Date.now()) + 3 * ctx.durations.orphanCheckIntervalMs;
      await ctx.holds(
        'the workers of other scopes to stay untouched while a manager of this scope runs',
        () =>
          Promise.all(foreign.map((f, i) => ctx.provider.get(ctx.ref(f, { scope: scopes[i] })))),
        (seen) =>
          seen.every(
            (r, i) =>
              r?.uid === foreign[i]!.uid &&
              r.removing === false &&
              (ctx.capabilities.nativeDeadline || i === 1 || !isFinished(r)),
          ),
        watchFor,
      );
      await manager.collectGarbage();
      const strays = events.events.filter(
        (e) => 'workerId' in e && foreign.slice(1).some((f) => f.workerId === e.workerId),
      );
      if (strays.length > 0) {
        throw new AssertionError({
          message: `the manager published events about workers of other scopes: ${describeValue(strays)}`,
        });
      }
    },
  },
];
