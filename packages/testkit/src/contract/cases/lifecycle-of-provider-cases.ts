/** health, close, other instances on the same infrastructure, and native enforcement. */
import assert, { AssertionError } from 'node:assert/strict';
import { ClosedError, type WorkerRefV1 } from '@hodei/lifecycle-core';
import { describeValue } from '../../poll/poll-until.js';
import { settlesWithin } from '../../suite/time-limit.js';
import type { ContractCase } from '../contract-case.js';
import {
  describeError,
  expectNoCalls,
  expectRejection,
  expectStamp,
  isFinished,
  waitFinished,
  waitRunning,
  waitRunningAndReady,
} from './helpers.js';

const isClosedError = (error: unknown) => ClosedError.isInstance(error);

export const healthCloseCases: ContractCase[] = [
  {
    id: 'health.healthy',
    group: 'Health and close',
    capability: 'health',
    promise:
      'health reports healthy while the infrastructure answers, and asks the infrastructure to know it',
    async run(ctx) {
      let health: unknown;
      const calls = await ctx.callsMadeBy(async () => {
        health = await ctx.provider.health!();
      });
      const { healthy, message } = (health ?? {}) as { healthy?: unknown; message?: unknown };
      assert.equal(healthy, true, `health: ${describeValue(health)}`);
      assert.ok(
        message === undefined || typeof message === 'string',
        `health's message, when given, is a string: ${describeValue(health)}`,
      );
      if (calls !== undefined) {
        assert.ok(calls >= 1, 'health answered without asking the infrastructure (no call)');
      }
    },
  },
  {
    id: 'health.unhealthy',
    group: 'Health and close',
    capability: 'health',
    needs: ['faults.failNext'],
    promise:
      'health reports unhealthy, with a message, when the infrastructure fails to answer (it does not throw), and healthy again once it answers',
    async run(ctx) {
      await ctx.faults!.failNext!('health');
      let health: unknown;
      try {
        health = await ctx.provider.health!();
      } catch (error) {
        throw new AssertionError({
          message: `health must report an infrastructure failure as { healthy: false, message }; it threw ${describeError(error)}`,
        });
      }
      const { healthy, message } = (health ?? {}) as { healthy?: unknown; message?: unknown };
      assert.equal(
        healthy,
        false,
        `health while the infrastructure fails: ${describeValue(health)}`,
      );
      assert.ok(
        typeof message === 'string' && message !== '',
        `an unhealthy report says why (message): ${describeValue(health)}`,
      );
      const again = await ctx.provider.health!();
      assert.equal(
        again.healthy,
        true,
        `health once the infrastructure answers again: ${describeValue(again)}`,
      );
    },
  },
  {
    id: 'close.calls',
    group: 'Health and close',
    needs: ['close'],
    closesProvider: true,
    promise:
      'after close, every call rejects with ClosedError, which is not retryable, and makes no call to the infrastructure',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const ref: WorkerRefV1 = ctx.ref(created, { uid: created.uid });
      const { provider } = ctx;
      await provider.close!();
      const attempts: [string, () => Promise<unknown>][] = [
        ['create', () => ctx.create(ctx.fixtures.longRunning)],
        ['get', () => provider.get(ref)],
        ['list', () => provider.list({ scope: ctx.scope })],
        ['remove', () => provider.remove(ref, { gracePeriodMs: 0 })],
      ];
      if (ctx.capabilities.stop && provider.stop) {
        attempts.push(['stop', () => provider.stop!(ref, { gracePeriodMs: 0 })]);
      }
      if (ctx.capabilities.logs && provider.logs)
        attempts.push(['logs', () => provider.logs!(ref)]);
      if (ctx.capabilities.health && provider.health)
        attempts.push(['health', () => provider.health!()]);
      if (ctx.capabilities.watch && provider.watch) {
        attempts.push([
          'watch',
          async () => {
            const controller = new AbortController();
            try {
              for await (const observation of provider.watch!(
                { scope: ctx.scope },
                { signal: controller.signal },
              )) {
                return observation;
              }
              return 'a stream that ended quietly';
            } finally {
              controller.abort();
            }
          },
        ]);
      }
      for (const [name, attempt] of attempts) {
        const calls = await ctx.callsMadeBy(async () => {
          const error = await expectRejection(
            (async () => attempt())(),
            isClosedError,
            `${name} after close must reject with ClosedError`,
          );
          assert.equal(
            (error as ClosedError).retryable,
            false,
            `ClosedError from ${name} must not be retryable`,
          );
        });
        expectNoCalls(calls, `${name} after close`);
      }
    },
  },
  {
    id: 'close.watches',
    group: 'Health and close',
    capability: 'watch',
    needs: ['close'],
    closesProvider: true,
    promise: 'close ends the open watches, quietly or with ClosedError',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const tap = ctx.watch({ scope: ctx.scope });
      await tap.until(
        `an upsert of worker ${created.workerId}`,
        (seen) => seen.some((o) => o.type === 'upsert' && o.worker.uid === created.uid),
        ctx.timeouts.readyMs,
      );
      await ctx.provider.close!();
      const ended = await settlesWithin(tap.done, ctx.timeouts.removeMs);
      assert.ok(ended, `an open watch did not end within ${ctx.timeouts.removeMs} ms of close()`);
      if (tap.error !== undefined && !isClosedError(tap.error)) {
        throw new AssertionError({
          message: `close ended the watch with an error: ${describeError(tap.error)}`,
        });
      }
    },
  },
  {
    id: 'close.leavesWorkers',
    group: 'Health and close',
    needs: ['close', 'anotherInstance'],
    closesProvider: true,
    promise:
      'close leaves the workers alone: another instance still finds them as they were, running or finished',
    async run(ctx) {
      const running = await ctx.create(ctx.fixtures.longRunning);
      const finished = await ctx.create(ctx.fixtures.completes(0));
      await waitRunningAndReady(ctx, running);
      await waitFinished(ctx, finished, 'it exits 0');
      await ctx.provider.close!();
      const other = await ctx.anotherInstance();
      await ctx.holds(
        'the workers of a closed provider to stay as they were',
        async () => ({
          running: await other.get(ctx.ref(running)),
          finished: await other.get(ctx.ref(finished)),
        }),
        (seen) =>
          seen.running?.uid === running.uid &&
          seen.running.phase === 'running' &&
          !seen.running.removing &&
          seen.finished?.uid === finished.uid &&
          seen.finished.phase === 'succeeded' &&
          !seen.finished.removing,
        Math.min(ctx.timeouts.stableMs, 500),
      );
    },
  },
];

export const instanceCases: ContractCase[] = [
  {
    id: 'instance.adopt',
    group: 'Other instances',
    needs: ['anotherInstance'],
    promise:
      "another instance of the provider on the same infrastructure lists, gets and removes the first one's workers, stamp included: nothing lives only in the memory of the instance that created them",
    async run(ctx) {
      const request = ctx.request(ctx.fixtures.longRunning);
      const created = await ctx.provider.create(request);
      await waitRunning(ctx, created);
      const other = await ctx.anotherInstance();
      const listed = (await other.list({ scope: ctx.scope })).find((r) => r.uid === created.uid);
      expectStamp(listed, request.ownership, 'record another instance lists');
      const got = await other.get(ctx.ref(created, { uid: created.uid }));
      assert.equal(got?.uid, created.uid, 'another instance gets the worker by its uid');
      await other.remove(ctx.ref(created, { uid: created.uid }), {
        gracePeriodMs: ctx.timeouts.gracePeriodMs,
      });
      assert.equal(
        await ctx.provider.get(ctx.ref(created)),
        undefined,
        'a removal by another instance must be seen by the first',
      );
    },
  },
];

export const nativeCases: ContractCase[] = [
  {
    id: 'native.deadline',
    group: 'Native enforcement',
    capability: 'nativeDeadline',
    promise:
      'with nativeDeadline, the infrastructure itself ends a worker at its ownership.expiresAt, with no manager running, and keeps its record',
    async run(ctx) {
      const expiresAt = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000);
      const created = await ctx.create(ctx.fixtures.longRunning, { expiresAt });
      await waitRunning(ctx, created);
      const ended = await waitFinished(
        ctx,
        created,
        `its deadline ${expiresAt.toISOString()} passed`,
        expiresAt.getTime() - Date.now() + ctx.timeouts.completeMs,
      );
      const early = expiresAt.getTime() - Date.now();
      assert.ok(early < 1_000, `the worker ended ${early} ms before its deadline`);
      assert.ok(isFinished(ended), 'the worker is finished');
    },
  },
  {
    id: 'native.ttl',
    group: 'Native enforcement',
    capability: 'nativeTtl',
    promise:
      'with nativeTtl, the infrastructure itself removes a finished worker once ownership.ttlAfterFinishedSeconds have passed',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.completes(0), { ttlAfterFinishedSeconds: 1 });
      await waitFinished(ctx, created, 'it exits 0');
      await ctx.pollUntil(
        `finished worker ${created.workerId} to be removed by the infrastructure after its TTL of 1 s`,
        () => ctx.provider.get(ctx.ref(created)),
        (r) => r === undefined,
        1_000 + ctx.timeouts.removeMs,
      );
    },
  },
];
