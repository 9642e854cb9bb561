/** remove and stop: timing, idempotence, the uid precondition, the grace period and its signals. */
import assert, { AssertionError } from 'node:assert/strict';
import { CancelledError, WorkerNotFoundError, type WorkerRecordV1 } from '@hodei/lifecycle-core';
import { describeValue } from '../../poll/poll-until.js';
import { withTimeLimit } from '../../suite/time-limit.js';
import type { ContractCase } from '../contract-case.js';
import type { ContractContext } from '../contract-context.js';
import {
  expectNotRetryable,
  expectRejection,
  expectUntouched,
  isFinished,
  staysUntilRemoved,
  waitFinished,
  waitGone,
  waitRunning,
  waitRunningAndReady,
} from './helpers.js';
import { twoIncarnations } from './observe-cases.js';

/** Right after remove resolved, the worker is gone from get and from list: no polling. */
async function expectGoneNow(ctx: ContractContext, record: WorkerRecordV1, what: string) {
  const got = await ctx.provider.get(ctx.ref(record));
  assert.equal(
    got,
    undefined,
    `${what}: remove resolved but get still returns the worker: ${describeValue(got)}`,
  );
  const listed = await ctx.provider.list({ scope: ctx.scope });
  assert.ok(
    !listed.some((r) => r.uid === record.uid),
    `${what}: remove resolved but list still shows the worker`,
  );
}

export const removeCases: ContractCase[] = [
  {
    id: 'remove.gone',
    group: 'Remove',
    promise:
      'remove resolves once the worker is gone, not when the request is accepted: get and list right after it show nothing',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      await waitRunning(ctx, created);
      await ctx.provider.remove(ctx.ref(created), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
      await expectGoneNow(ctx, created, 'a running worker');
    },
  },
  {
    id: 'remove.finished',
    group: 'Remove',
    promise: 'remove removes a finished worker too, and resolves once it is gone',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.completes(0));
      await waitFinished(ctx, created, 'it exits 0');
      await ctx.provider.remove(ctx.ref(created), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
      await expectGoneNow(ctx, created, 'a finished worker');
    },
  },
  {
    id: 'remove.idempotent',
    group: 'Remove',
    promise:
      'remove is idempotent: twice at once, again after the worker is gone, with its old uid, and of an unknown worker id',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const ref = ctx.ref(created);
      const grace = { gracePeriodMs: ctx.timeouts.gracePeriodMs };
      // A second removal while (or after) the first runs is success.
      await Promise.all([ctx.provider.remove(ref, grace), ctx.provider.remove(ref, grace)]);
      await ctx.provider.remove(ref, grace);
      await waitGone(ctx, created);
      await ctx.provider.remove(ref, grace);
      await ctx.provider.remove(ctx.ref(created, { uid: created.uid }), grace);
      await ctx.provider.remove({ workerId: ctx.newWorkerId(), scope: ctx.scope }, grace);
      assert.equal(await ctx.provider.get(ref), undefined, 'the worker stays gone');
    },
  },
  {
    id: 'remove.staleUid',
    group: 'Remove',
    promise: 'remove with the uid of an earlier incarnation leaves the newer one alone',
    async run(ctx) {
      const { first, second } = await twoIncarnations(ctx);
      await ctx.provider.remove(ctx.ref(first, { uid: first.uid }), { gracePeriodMs: 0 });
      const still = await ctx.provider.get(ctx.ref(second));
      assert.ok(still, 'remove with the stale uid of the first incarnation removed the second');
      assert.equal(still.uid, second.uid, 'the second incarnation is still there');
      assert.equal(still.removing, false, 'remove with a stale uid started removing the second');
    },
  },
  {
    id: 'remove.polite',
    group: 'Remove',
    promise:
      'remove sends the polite signal first: a worker that stops on SIGTERM is gone long before a long grace period ends',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      await waitRunningAndReady(ctx, created);
      const long = ctx.timeouts.longGracePeriodMs;
      const started = Date.now();
      await ctx.provider.remove(ctx.ref(created), { gracePeriodMs: long });
      const took = Date.now() - started;
      assert.ok(
        took < long / 2,
        `remove with a grace period of ${long} ms took ${took} ms for a worker that stops on SIGTERM: it must send SIGTERM first, not wait out the grace period`,
      );
      await expectGoneNow(ctx, created, 'a worker removed with a long grace period');
    },
  },
  {
    id: 'remove.grace',
    group: 'Remove',
    fixture: 'ignoresSigterm',
    promise:
      'remove of a worker that ignores SIGTERM waits out the grace period, then kills it and resolves once it is gone; meanwhile its record says removing, and a second remove succeeds',
    async run(ctx) {
      const created = await ctx.create(ctx.fixture('ignoresSigterm'));
      await waitRunningAndReady(ctx, created); // ready: it ignores SIGTERM from now on
      const grace = ctx.timeouts.gracePeriodMs;
      const started = Date.now();
      let settled = false;
      const removal = ctx.provider
        .remove(ctx.ref(created), { gracePeriodMs: grace })
        .finally(() => {
          settled = true;
        });
      let sawRemoving = false;
      while (!settled) {
        const observed = await ctx.provider.get(ctx.ref(created)).catch(() => undefined);
        if (observed?.removing && !settled) sawRemoving = true;
        if (sawRemoving) break;
        await new Promise((resolve) => setTimeout(resolve, ctx.timeouts.pollIntervalMs));
      }
      if (sawRemoving) {
        // A removal under way: a second remove joins it or returns at once, and never fails.
        await ctx.provider.remove(ctx.ref(created), { gracePeriodMs: grace });
      }
      await withTimeLimit(
        removal,
        grace + ctx.timeouts.removeMs,
        `remove with a grace period of ${grace} ms to resolve after it (does it use the grace period it is given?)`,
      );
      const took = Date.now() - started;
      assert.ok(
        took >= grace * 0.9,
        `remove of a worker that ignores SIGTERM resolved after ${took} ms, before its grace period of ${grace} ms ended: it must let the worker run through the grace period`,
      );
      assert.ok(
        sawRemoving,
        'while remove waited out the grace period, get never reported removing: true',
      );
      await expectGoneNow(ctx, created, 'a worker killed after its grace period');
    },
  },
  {
    id: 'remove.signal',
    group: 'Remove',
    fixture: 'ignoresSigterm',
    promise:
      "an abort of remove's signal stops the waiting with CancelledError, not the removal: the worker is still removed",
    async run(ctx) {
      const created = await ctx.create(ctx.fixture('ignoresSigterm'));
      await waitRunningAndReady(ctx, created); // ready: it ignores SIGTERM from now on
      const grace = ctx.timeouts.gracePeriodMs;
      const controller = new AbortController();
      const started = Date.now();
      const removal = ctx.provider.remove(ctx.ref(created), {
        gracePeriodMs: grace,
        signal: controller.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, grace / 4));
      controller.abort(new Error('the caller stopped waiting'));
      await expectRejection(
        removal,
        (error) => CancelledError.isInstance(error),
        'remove must reject with CancelledError when its signal aborts during the grace period',
      );
      const took = Date.now() - started;
      assert.ok(
        took < grace * 0.75,
        `remove rejected ${took} ms after it started, though its signal aborted at ${grace / 4} ms: the abort must stop the waiting at once`,
      );
      await ctx.pollUntil(
        `worker ${created.workerId} to be gone although the caller stopped waiting`,
        () => ctx.provider.get(ctx.ref(created)),
        (r) => r === undefined,
        grace + ctx.timeouts.removeMs,
      );
    },
  },
];

export const stopCases: ContractCase[] = [
  {
    id: 'stop.keeps',
    group: 'Stop',
    capability: 'stop',
    promise:
      'stop ends the worker but never deletes it: its record, exit code, reason and logs stay, listed, until remove',
    async run(ctx) {
      const { provider } = ctx;
      const created = await ctx.create(ctx.fixtures.longRunning);
      await waitRunningAndReady(ctx, created);
      await provider.stop!(ctx.ref(created), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
      const stopped = await waitFinished(ctx, created, 'it was stopped');
      assert.equal(stopped.uid, created.uid, 'the same worker');
      assert.equal(typeof stopped.exitCode, 'number', 'a stopped worker keeps an exit code');
      assert.ok(
        typeof stopped.reason === 'string' && stopped.reason !== '',
        `a stopped worker says why it ended (reason): ${describeValue(stopped)}`,
      );
      assert.equal(stopped.removing, false, 'stop must not remove');
      await staysUntilRemoved(ctx, created, 'after stop');
      if (ctx.capabilities.logs && provider.logs) {
        const lines = await provider.logs(ctx.ref(created));
        assert.ok(Array.isArray(lines), 'the logs of a stopped worker stay readable');
        const fixture = ctx.fixtures.withLogs;
        if (fixture && !('unsupported' in fixture)) {
          const talker = await ctx.create(fixture.spec);
          await ctx.pollUntil(
            `the log lines of worker ${talker.workerId}`,
            () => provider.logs!(ctx.ref(talker)),
            (got) => got.length >= fixture.lines.length,
            ctx.timeouts.completeMs,
          );
          await provider.stop!(ctx.ref(talker), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
          await waitFinished(ctx, talker, 'it was stopped');
          const kept = await provider.logs(ctx.ref(talker));
          assert.deepEqual(
            kept.slice(0, fixture.lines.length),
            [...fixture.lines],
            'the logs of a stopped worker are kept until remove',
          );
        }
      }
      await provider.remove(ctx.ref(created), { gracePeriodMs: 0 });
      await waitGone(ctx, created);
    },
  },
  {
    id: 'stop.unknown',
    group: 'Stop',
    capability: 'stop',
    promise:
      "stop of an unknown worker, or of another scope's, rejects with WorkerNotFoundError (not retryable) and touches nothing",
    async run(ctx) {
      const grace = { gracePeriodMs: 0 };
      const unknown = await expectRejection(
        ctx.provider.stop!({ workerId: ctx.newWorkerId(), scope: ctx.scope }, grace),
        (error) => WorkerNotFoundError.isInstance(error),
        'stop of an unknown worker id must reject with WorkerNotFoundError',
      );
      expectNotRetryable(unknown, 'WorkerNotFoundError');
      const foreign = ctx.newScope();
      const theirs = await ctx.create(ctx.fixtures.longRunning, { scope: foreign });
      await expectRejection(
        ctx.provider.stop!({ workerId: theirs.workerId, scope: ctx.scope }, grace),
        (error) => WorkerNotFoundError.isInstance(error),
        "stop of another scope's worker must reject with WorkerNotFoundError",
      );
      await expectUntouched(
        ctx,
        theirs,
        foreign,
        "another scope's worker after a stop through this scope",
      );
    },
  },
  {
    id: 'stop.staleUid',
    group: 'Stop',
    capability: 'stop',
    promise: 'stop with the uid of an earlier incarnation leaves the newer one running',
    async run(ctx) {
      const { first, second } = await twoIncarnations(ctx);
      await ctx.provider.stop!(ctx.ref(first, { uid: first.uid }), { gracePeriodMs: 0 }).catch(
        () => undefined,
      );
      await ctx.holds(
        `the newer incarnation of ${second.workerId} to keep running after a stop with the stale uid`,
        () => ctx.provider.get(ctx.ref(second)),
        (r) => r?.uid === second.uid && !isFinished(r) && r.removing === false,
        Math.min(ctx.timeouts.stableMs, 500),
      );
    },
  },
  {
    id: 'stop.polite',
    group: 'Stop',
    capability: 'stop',
    promise:
      'stop sends the polite signal first: a worker that stops on SIGTERM ends long before a long grace period ends',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      await waitRunningAndReady(ctx, created);
      const long = ctx.timeouts.longGracePeriodMs;
      const started = Date.now();
      await ctx.provider.stop!(ctx.ref(created), { gracePeriodMs: long });
      await waitFinished(ctx, created, 'it was stopped', long);
      const took = Date.now() - started;
      assert.ok(
        took < long / 2,
        `stop with a grace period of ${long} ms ended a worker that stops on SIGTERM only after ${took} ms: it must send SIGTERM first`,
      );
    },
  },
  {
    id: 'stop.grace',
    group: 'Stop',
    capability: 'stop',
    fixture: 'ignoresSigterm',
    promise:
      'stop of a worker that ignores SIGTERM lets it run through the grace period, then kills it: it ends with exit code 137',
    async run(ctx) {
      const created = await ctx.create(ctx.fixture('ignoresSigterm'));
      await waitRunningAndReady(ctx, created); // ready: it ignores SIGTERM from now on
      const grace = ctx.timeouts.gracePeriodMs;
      const started = Date.now();
      const stopping = ctx.provider.stop!(ctx.ref(created), { gracePeriodMs: grace });
      const ended = await waitFinished(
        ctx,
        created,
        'it was killed',
        grace + ctx.timeouts.completeMs,
      );
      const took = Date.now() - started;
      await stopping;
      assert.ok(
        took >= grace * 0.9,
        `a worker that ignores SIGTERM ended ${took} ms after stop, before its grace period of ${grace} ms ended`,
      );
      assert.equal(
        ended.exitCode,
        137,
        `a worker killed after its grace period exits 137: ${describeValue(ended)}`,
      );
      assert.equal(ended.phase, 'failed', 'a killed worker has failed');
    },
  },
  {
    id: 'stop.finished',
    group: 'Stop',
    capability: 'stop',
    promise: 'stop of a worker that already finished keeps its exit code and its record',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.completes(7));
      await waitFinished(ctx, created, 'it exits 7');
      await ctx.provider.stop!(ctx.ref(created), { gracePeriodMs: 0 });
      const after = await ctx.provider.get(ctx.ref(created));
      if (!after) {
        throw new AssertionError({ message: 'stop of a finished worker removed it' });
      }
      assert.deepEqual(
        [after.phase, after.exitCode],
        ['failed', 7],
        'stop of a finished worker changed its end',
      );
    },
  },
];
