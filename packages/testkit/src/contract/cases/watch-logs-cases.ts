/** watch and logs. */
import assert, { AssertionError } from 'node:assert/strict';
import {
  ProviderError,
  WorkerNotFoundError,
  type WorkerObservationV1,
} from '@hodei/lifecycle-core';
import { describeValue } from '../../poll/poll-until.js';
import { pause, settlesWithin } from '../../suite/time-limit.js';
import type { ContractCase } from '../contract-case.js';
import type { ContractContext } from '../contract-context.js';
import {
  describeError,
  expectNotRetryable,
  expectRejection,
  expectStamp,
  waitFinished,
  waitRunning,
} from './helpers.js';

const upsertOf = (seen: readonly WorkerObservationV1[], uid: string) =>
  seen.filter((o) => o.type === 'upsert' && o.worker.uid === uid);

const removedOf = (seen: readonly WorkerObservationV1[], uid: string) =>
  seen.some((o) => o.type === 'removed' && o.uid === uid);

/** Index of the last observation about `uid`. */
const lastAbout = (seen: readonly WorkerObservationV1[], uid: string) =>
  seen.findLast((o) => (o.type === 'upsert' ? o.worker.uid === uid : o.uid === uid));

export const watchCases: ContractCase[] = [
  {
    id: 'watch.initial',
    group: 'Watch',
    capability: 'watch',
    promise:
      'watch starts with an upsert for every worker that already exists, finished ones included, each with its ownership stamp',
    async run(ctx) {
      const runningRequest = ctx.request(ctx.fixtures.longRunning);
      const finishedRequest = ctx.request(ctx.fixtures.completes(0));
      const running = await ctx.provider.create(runningRequest);
      const finished = await ctx.provider.create(finishedRequest);
      await waitRunning(ctx, running);
      await waitFinished(ctx, finished, 'it exits 0');
      const tap = ctx.watch({ scope: ctx.scope });
      await tap.until(
        `upserts of the two workers that existed before the watch opened (${running.workerId} running, ${finished.workerId} finished)`,
        (seen) =>
          upsertOf(seen, running.uid).some(
            (o) => o.type === 'upsert' && o.worker.phase === 'running',
          ) &&
          upsertOf(seen, finished.uid).some(
            (o) => o.type === 'upsert' && o.worker.phase === 'succeeded',
          ),
        ctx.timeouts.readyMs,
      );
      for (const [record, request] of [
        [running, runningRequest],
        [finished, finishedRequest],
      ] as const) {
        const first = upsertOf(tap.seen, record.uid)[0];
        expectStamp(
          first?.type === 'upsert' ? first.worker : undefined,
          request.ownership,
          `first watch observation of worker ${record.workerId}`,
        );
      }
    },
  },
  {
    id: 'watch.changes',
    group: 'Watch',
    capability: 'watch',
    promise:
      'watch delivers every change: a worker seen running and ready, another seen finished with its exit code, each then seen removed, the removal being the last word on it',
    async run(ctx) {
      const tap = ctx.watch({ scope: ctx.scope });
      const running = await ctx.create(ctx.fixtures.longRunning);
      const completing = await ctx.create(ctx.fixtures.completes(3));
      await tap.until(
        `an upsert of worker ${running.workerId} running and ready`,
        (seen) =>
          upsertOf(seen, running.uid).some(
            (o) => o.type === 'upsert' && o.worker.phase === 'running' && o.worker.ready,
          ),
        ctx.timeouts.readyMs,
      );
      await tap.until(
        `an upsert of worker ${completing.workerId} failed with exit code 3`,
        (seen) =>
          upsertOf(seen, completing.uid).some(
            (o) => o.type === 'upsert' && o.worker.phase === 'failed' && o.worker.exitCode === 3,
          ),
        ctx.timeouts.completeMs,
      );
      for (const record of [running, completing]) {
        await ctx.provider.remove(ctx.ref(record), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
        await tap.until(
          `a removed observation of worker ${record.workerId}`,
          (seen) =>
            seen.some(
              (o) => o.type === 'removed' && o.uid === record.uid && o.workerId === record.workerId,
            ),
          ctx.timeouts.removeMs,
        );
      }
      for (const record of [running, completing]) {
        const last = lastAbout(tap.seen, record.uid);
        assert.equal(
          last?.type,
          'removed',
          `the last observation of removed worker ${record.workerId} must be its removal; it was ${describeValue(last)}`,
        );
      }
    },
  },
  {
    id: 'watch.removal',
    group: 'Watch',
    capability: 'watch',
    fixture: 'ignoresSigterm',
    promise:
      'watch follows a removal: an upsert saying removing while the worker runs out its grace period, then removed once it is gone, not before',
    async run(ctx) {
      const tap = ctx.watch({ scope: ctx.scope });
      const created = await ctx.create(ctx.fixture('ignoresSigterm'));
      await tap.until(
        `an upsert of worker ${created.workerId} running and ready`,
        (seen) =>
          upsertOf(seen, created.uid).some(
            (o) => o.type === 'upsert' && o.worker.phase === 'running' && o.worker.ready,
          ),
        ctx.timeouts.readyMs,
      );
      const grace = ctx.timeouts.gracePeriodMs;
      const started = Date.now();
      const removal = ctx.provider.remove(ctx.ref(created), { gracePeriodMs: grace });
      removal.catch(() => undefined); // awaited below
      await tap.until(
        `an upsert of worker ${created.workerId} saying removing`,
        (seen) => upsertOf(seen, created.uid).some((o) => o.type === 'upsert' && o.worker.removing),
        grace,
      );
      await tap.until(
        `a removed observation of worker ${created.workerId}`,
        (seen) => removedOf(seen, created.uid),
        grace + ctx.timeouts.removeMs,
      );
      const seenAfter = Date.now() - started;
      const still = await ctx.provider.get(ctx.ref(created));
      assert.equal(
        still,
        undefined,
        `the watch said removed, but get still returns the worker: ${describeValue(still)}`,
      );
      assert.ok(
        seenAfter >= grace * 0.9,
        `the watch said removed ${seenAfter} ms after remove began, before the grace period of ${grace} ms ran out`,
      );
      await removal;
    },
  },
  {
    id: 'watch.labels',
    group: 'Watch',
    capability: 'watch',
    promise:
      "watch with labels delivers only the scope's workers carrying them, never a worker of another scope carrying the same labels",
    async run(ctx) {
      const base = ctx.fixtures.longRunning;
      const labelled = { ...base, labels: { ...base.labels, 'contract-group': 'w' } };
      const tap = ctx.watch({ scope: ctx.scope, labels: { 'contract-group': 'w' } });
      const plain = await ctx.create(base);
      const foreignScope = ctx.newScope();
      const foreign = await ctx.create(labelled, { scope: foreignScope });
      const wanted = await ctx.create(labelled);
      await tap.until(
        `an upsert of the labelled worker ${wanted.workerId}`,
        (seen) =>
          upsertOf(seen, wanted.uid).some(
            (o) => o.type === 'upsert' && o.worker.phase === 'running',
          ),
        ctx.timeouts.readyMs,
      );
      await ctx.provider.remove(ctx.ref(plain), { gracePeriodMs: 0 });
      await ctx.provider.remove(ctx.ref(foreign, { scope: foreignScope }), { gracePeriodMs: 0 });
      await ctx.provider.remove(ctx.ref(wanted), { gracePeriodMs: 0 });
      await tap.until(
        `a removed observation of worker ${wanted.workerId}`,
        (seen) => removedOf(seen, wanted.uid),
        ctx.timeouts.removeMs,
      );
      const strays = tap.seen.filter((o) =>
        o.type === 'upsert'
          ? o.worker.uid !== wanted.uid
          : o.uid === plain.uid || o.uid === foreign.uid,
      );
      assert.deepEqual(
        strays,
        [],
        'the watch delivered observations of workers its selector does not match',
      );
    },
  },
  {
    id: 'watch.ends',
    group: 'Watch',
    capability: 'watch',
    promise:
      'watch ends quietly, without an error, soon after its signal aborts, and at once when it was aborted already',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const tap = ctx.watch({ scope: ctx.scope });
      await tap.until(
        `an upsert of worker ${created.workerId}`,
        (seen) => upsertOf(seen, created.uid).length > 0,
        ctx.timeouts.readyMs,
      );
      tap.stop();
      const ended = await settlesWithin(tap.done, ctx.timeouts.removeMs);
      assert.ok(
        ended,
        `the watch did not end within ${ctx.timeouts.removeMs} ms after its signal aborted`,
      );
      if (tap.error !== undefined) {
        throw new AssertionError({
          message: `the watch must end quietly when its signal aborts; it threw ${describeError(tap.error)}`,
        });
      }
      // A signal that aborted before the watch opened ends it as well.
      const aborted = new AbortController();
      aborted.abort();
      const late = (async () => {
        for await (const _ of ctx.provider.watch!(
          { scope: ctx.scope },
          { signal: aborted.signal },
        )) {
          // what it may deliver before it notices does not matter
        }
      })();
      assert.ok(
        await settlesWithin(late, ctx.timeouts.removeMs),
        `a watch opened with an already aborted signal did not end within ${ctx.timeouts.removeMs} ms`,
      );
      await late.catch((error: unknown) => {
        throw new AssertionError({
          message: `a watch opened with an already aborted signal must end quietly; it threw ${describeError(error)}`,
        });
      });
    },
  },
  {
    id: 'watch.dropped',
    group: 'Watch',
    capability: 'watch',
    needs: ['faults.dropWatches'],
    promise:
      'a watch whose connection drops either throws a retryable ProviderError or resumes and goes on delivering changes; it never ends quietly nor goes silent',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const tap = ctx.watch({ scope: ctx.scope });
      await tap.until(
        `an upsert of worker ${created.workerId}`,
        (seen) => upsertOf(seen, created.uid).length > 0,
        ctx.timeouts.readyMs,
      );
      await ctx.faults!.dropWatches!();
      // A change made after the drop: a watch that resumed must deliver it. (The drop may
      // have cut the provider's idle connections too: a retryable failure is tried again.)
      const after = await createRetrying(ctx);
      const deadline = Date.now() + ctx.timeouts.removeMs;
      while (!tap.ended && upsertOf(tap.seen, after.uid).length === 0) {
        if (Date.now() >= deadline) {
          throw new AssertionError({
            message: `the watch went silent after its connection dropped: in ${ctx.timeouts.removeMs} ms it neither threw nor delivered worker ${after.workerId}, created after the drop`,
          });
        }
        await settlesWithin(tap.done, ctx.timeouts.pollIntervalMs);
      }
      if (!tap.ended) return; // resumed, and delivered what changed meanwhile
      if (tap.error === undefined) {
        throw new AssertionError({
          message:
            'the watch ended quietly when its connection dropped: it must throw a retryable ProviderError (so that the manager re-lists) or resume',
        });
      }
      assert.ok(
        ProviderError.isInstance(tap.error) && tap.error.retryable === true,
        `a dropped watch must throw a retryable ProviderError; it threw ${describeError(tap.error)} (retryable: ${describeValue((tap.error as { retryable?: unknown }).retryable)})`,
      );
    },
  },
];

/** Creates a long-running worker, trying again (three times at most) after retryable failures. */
async function createRetrying(ctx: ContractContext) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ctx.create(ctx.fixtures.longRunning);
    } catch (error) {
      if (attempt >= 3 || !ProviderError.isInstance(error) || !error.retryable) throw error;
      await pause(ctx.timeouts.pollIntervalMs);
    }
  }
}

function logsFixture(ctx: ContractContext) {
  const fixture = ctx.fixtures.withLogs;
  if (!fixture || 'unsupported' in fixture) {
    throw new AssertionError({
      message: 'capabilities.logs is true, so fixtures.withLogs is required',
    });
  }
  assert.ok(fixture.lines.length > 0, 'fixtures.withLogs.lines must not be empty');
  return fixture;
}

async function createWithLogs(ctx: ContractContext) {
  const fixture = logsFixture(ctx);
  const created = await ctx.create(fixture.spec);
  const ref = ctx.ref(created);
  const all = await ctx.pollUntil(
    `the ${fixture.lines.length} log lines of worker ${created.workerId}`,
    () => ctx.provider.logs!(ref),
    (lines) => Array.isArray(lines) && lines.length >= fixture.lines.length,
    ctx.timeouts.completeMs,
  );
  return { fixture, created, ref, all };
}

export const logsCases: ContractCase[] = [
  {
    id: 'logs.lines',
    group: 'Logs',
    capability: 'logs',
    fixture: 'withLogs',
    promise: 'logs returns exactly the lines the worker printed, oldest first',
    async run(ctx) {
      const { fixture, all } = await createWithLogs(ctx);
      assert.deepEqual(
        all,
        [...fixture.lines],
        'logs returns exactly the lines printed, oldest first',
      );
    },
  },
  {
    id: 'logs.tail',
    group: 'Logs',
    capability: 'logs',
    fixture: 'withLogs',
    promise:
      'logs honours tail: the last n lines, none for tail 0, all of them for a tail longer than the logs',
    async run(ctx) {
      const { fixture, ref } = await createWithLogs(ctx);
      const logs = (tail: number) => ctx.provider.logs!(ref, { tail });
      assert.deepEqual(await logs(1), fixture.lines.slice(-1), 'tail: 1');
      if (fixture.lines.length >= 2) {
        assert.deepEqual(await logs(2), fixture.lines.slice(-2), 'tail: 2');
      }
      assert.deepEqual(await logs(0), [], 'tail: 0 returns no line');
      assert.deepEqual(
        await logs(fixture.lines.length + 5),
        [...fixture.lines],
        'a tail longer than the logs returns them all',
      );
    },
  },
  {
    id: 'logs.unknown',
    group: 'Logs',
    capability: 'logs',
    promise:
      "logs of an unknown worker, or of another scope's, rejects with WorkerNotFoundError (not retryable)",
    async run(ctx) {
      const unknown = await expectRejection(
        ctx.provider.logs!({ workerId: ctx.newWorkerId(), scope: ctx.scope }),
        (error) => WorkerNotFoundError.isInstance(error),
        'logs of an unknown worker id must reject with WorkerNotFoundError',
      );
      expectNotRetryable(unknown, 'WorkerNotFoundError');
      const theirs = await ctx.create(ctx.fixtures.longRunning, { scope: ctx.newScope() });
      await expectRejection(
        ctx.provider.logs!({ workerId: theirs.workerId, scope: ctx.scope }),
        (error) => WorkerNotFoundError.isInstance(error),
        "logs of another scope's worker must reject with WorkerNotFoundError",
      );
    },
  },
];
