/** get and list, readiness and exit: what the provider observes and reports. */
import assert from 'node:assert/strict';
import type { WorkerRecordV1 } from '@hodei/lifecycle-core';
import { describeValue } from '../../poll/poll-until.js';
import type { ContractCase } from '../contract-case.js';
import type { ContractContext } from '../contract-context.js';
import {
  expectStamp,
  idsOf,
  isFinished,
  staysUntilRemoved,
  waitFinished,
  waitGone,
  waitRunning,
  waitRunningAndReady,
} from './helpers.js';

/** Creates a worker, removes it, and creates another under the same id: two incarnations. */
export async function twoIncarnations(ctx: ContractContext) {
  const workerId = ctx.newWorkerId();
  const first = await ctx.create(ctx.fixtures.longRunning, { workerId });
  await ctx.provider.remove(ctx.ref(first), { gracePeriodMs: 0 });
  await waitGone(ctx, first);
  const second = await ctx.create(ctx.fixtures.longRunning, { workerId });
  assert.notEqual(second.uid, first.uid, 'a new incarnation has a new uid');
  return { first, second };
}

export const getListCases: ContractCase[] = [
  {
    id: 'get.created',
    group: 'Get and list',
    promise: 'get returns the worker just created, with the same uid, also when asked by that uid',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const got = await ctx.provider.get(ctx.ref(created));
      assert.ok(got, `get returned undefined for the worker just created (${created.workerId})`);
      assert.equal(got.uid, created.uid, 'uid');
      const byUid = await ctx.provider.get(ctx.ref(created, { uid: created.uid }));
      assert.equal(byUid?.uid, created.uid, 'get with the uid precondition finds the same worker');
    },
  },
  {
    id: 'get.unknown',
    group: 'Get and list',
    promise: 'get of an unknown worker id returns undefined',
    async run(ctx) {
      await ctx.create(ctx.fixtures.longRunning);
      const got = await ctx.provider.get({ workerId: ctx.newWorkerId(), scope: ctx.scope });
      assert.equal(got, undefined, `get of an unknown id returned ${describeValue(got)}`);
    },
  },
  {
    id: 'get.staleUid',
    group: 'Get and list',
    promise:
      'get with the uid of an earlier incarnation of a worker id returns undefined, not the newer worker',
    async run(ctx) {
      const { first, second } = await twoIncarnations(ctx);
      const stale = await ctx.provider.get(ctx.ref(first, { uid: first.uid }));
      assert.equal(stale, undefined, `get with a stale uid returned ${describeValue(stale)}`);
      const current = await ctx.provider.get(ctx.ref(second));
      assert.equal(current?.uid, second.uid, 'get without a uid finds the newer incarnation');
    },
  },
  {
    id: 'list.exact',
    group: 'Get and list',
    promise:
      'list returns exactly the workers of the scope, each once, with the uids create returned',
    async run(ctx) {
      // Noise in another scope, which must never show up.
      await ctx.create(ctx.fixtures.longRunning, { scope: ctx.newScope() });
      const first = await ctx.create(ctx.fixtures.longRunning);
      let listed = await ctx.provider.list({ scope: ctx.scope });
      assert.deepEqual(idsOf(listed), [first.workerId], 'list of a scope with one worker');
      const more = await Promise.all([1, 2, 3, 4].map(() => ctx.create(ctx.fixtures.longRunning)));
      listed = await ctx.provider.list({ scope: ctx.scope });
      const all = [first, ...more];
      assert.deepEqual(idsOf(listed), idsOf(all), 'list of a scope with five workers');
      assert.deepEqual(
        listed.map((r) => r.uid).sort(),
        all.map((r) => r.uid).sort(),
        'list returns the uids create returned',
      );
    },
  },
  {
    id: 'list.labels',
    group: 'Get and list',
    promise:
      "list with labels returns only the scope's workers carrying every one of them, never a worker of another scope carrying the same labels",
    async run(ctx) {
      const base = ctx.fixtures.longRunning;
      const labelled = (labels: Record<string, string>) => ({
        ...base,
        labels: { ...base.labels, ...labels },
      });
      const [b1, b2] = await Promise.all([
        ctx.create(labelled({ 'contract-group': 'b', 'contract-tier': 'one' })),
        ctx.create(labelled({ 'contract-group': 'b' })),
        ctx.create(labelled({ 'contract-group': 'c' })),
        ctx.create(base),
      ]);
      // A foreign worker with the very same labels.
      await ctx.create(labelled({ 'contract-group': 'b', 'contract-tier': 'one' }), {
        scope: ctx.newScope(),
      });
      const byGroup = await ctx.provider.list({
        scope: ctx.scope,
        labels: { 'contract-group': 'b' },
      });
      assert.deepEqual(idsOf(byGroup), idsOf([b1!, b2!]), 'list with one label');
      const byBoth = await ctx.provider.list({
        scope: ctx.scope,
        labels: { 'contract-group': 'b', 'contract-tier': 'one' },
      });
      assert.deepEqual(idsOf(byBoth), [b1!.workerId], 'list with two labels: both must match');
      const none = await ctx.provider.list({
        scope: ctx.scope,
        labels: { 'contract-group': 'nobody' },
      });
      assert.deepEqual(idsOf(none), [], 'list with a label no worker carries');
    },
  },
  {
    id: 'list.stamp',
    group: 'Get and list',
    promise: 'list records carry the ownership stamp: readOwnership reads it back from each',
    async run(ctx) {
      const requests = [
        ctx.request(ctx.fixtures.longRunning),
        ctx.request(ctx.fixtures.completes(0)),
      ];
      const created = await Promise.all(requests.map((r) => ctx.provider.create(r)));
      await waitFinished(ctx, created[1]!, 'it exits 0');
      const listed = await ctx.provider.list({ scope: ctx.scope });
      for (const request of requests) {
        const record = listed.find((r) => r.workerId === request.ownership.workerId);
        expectStamp(
          record,
          request.ownership,
          `record from list of worker ${request.ownership.workerId}`,
        );
      }
    },
  },
  {
    id: 'list.oneCall',
    group: 'Get and list',
    needs: ['countCalls'],
    promise:
      'list is one call to the infrastructure whatever the number of workers: for 1 and for 5, finished ones included',
    async run(ctx) {
      const first = await ctx.create(ctx.fixtures.longRunning);
      const callsForOne = await ctx.callsMadeBy(() => ctx.provider.list({ scope: ctx.scope }));
      assert.equal(callsForOne, 1, `list of 1 worker made ${callsForOne} calls; it must be one`);
      const more = await Promise.all([
        ctx.create(ctx.fixtures.longRunning),
        ctx.create(ctx.fixtures.longRunning),
        ctx.create(ctx.fixtures.completes(0)),
        ctx.create(ctx.fixtures.completes(5)),
      ]);
      await waitFinished(ctx, more[2]!, 'it exits 0');
      await waitFinished(ctx, more[3]!, 'it exits 5');
      let listed: WorkerRecordV1[] = [];
      const callsForFive = await ctx.callsMadeBy(async () => {
        listed = await ctx.provider.list({ scope: ctx.scope });
      });
      assert.deepEqual(idsOf(listed), idsOf([first, ...more]), 'list shows the five workers');
      assert.equal(
        callsForFive,
        1,
        `list of 5 workers (2 finished) made ${callsForFive} calls; it must be one`,
      );
    },
  },
];

export const readinessCases: ContractCase[] = [
  {
    id: 'ready.running',
    group: 'Readiness and exit',
    promise:
      'create starts the worker: a long-running worker becomes running and ready, with startedAt',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const ready = await waitRunningAndReady(ctx, created);
      assert.ok(ready.startedAt instanceof Date, 'a running worker has startedAt');
      assert.equal(ready.uid, created.uid, 'the same worker');
    },
  },
  {
    id: 'ready.slow',
    group: 'Readiness and exit',
    fixture: 'startsSlowly',
    promise:
      'a worker that starts slowly is not ready until it is: not ready for its first half second, pending or running, then running and ready',
    async run(ctx) {
      const started = Date.now();
      const created = await ctx.create(ctx.fixture('startsSlowly'));
      assert.equal(created.ready, false, 'the record create returned says ready already');
      // The fixture is not ready for a second at least: half of it must read not ready.
      await ctx.holds(
        `worker ${created.workerId}, which starts slowly, to be reported not ready`,
        () => ctx.provider.get(ctx.ref(created)),
        (r) => r !== undefined && r.ready === false,
        Math.max(0, 500 - (Date.now() - started)),
      );
      await waitRunningAndReady(ctx, created);
    },
  },
  {
    id: 'ready.never',
    group: 'Readiness and exit',
    fixture: 'neverReady',
    promise: 'a worker that runs but never becomes ready stays running and not ready',
    async run(ctx) {
      const created = await ctx.create(ctx.fixture('neverReady'));
      await waitRunning(ctx, created);
      await ctx.holds(
        `worker ${created.workerId} to stay running and not ready`,
        () => ctx.provider.get(ctx.ref(created)),
        (r) => r?.phase === 'running' && r.ready === false,
        ctx.timeouts.stableMs,
      );
      const listed = (await ctx.provider.list({ scope: ctx.scope })).find(
        (r) => r.uid === created.uid,
      );
      assert.equal(listed?.ready, false, 'list reports a never-ready worker ready');
    },
  },
  {
    id: 'exit.succeeded',
    group: 'Readiness and exit',
    promise:
      'a worker that exits 0 ends succeeded with exit code 0, a reason and finishedAt, not ready, and stays listed until removed',
    async run(ctx) {
      await expectExit(ctx, 0, 'succeeded');
    },
  },
  {
    id: 'exit.failed',
    group: 'Readiness and exit',
    promise:
      'a worker that exits non-zero ends failed with its exit code, a reason and finishedAt, not ready, and stays listed until removed',
    async run(ctx) {
      await expectExit(ctx, 7, 'failed');
    },
  },
];

async function expectExit(ctx: ContractContext, code: number, phase: 'succeeded' | 'failed') {
  const created = await ctx.create(ctx.fixtures.completes(code));
  const done = await waitFinished(ctx, created, `it exits ${code}`);
  assert.equal(done.phase, phase, `phase after exit ${code}: ${describeValue(done)}`);
  assert.equal(done.exitCode, code, 'the exit code is kept');
  assert.equal(done.ready, false, 'a finished worker is not ready');
  assert.ok(
    typeof done.reason === 'string' && done.reason !== '',
    `a finished worker says why it ended (reason): ${describeValue(done)}`,
  );
  const listed = (await ctx.provider.list({ scope: ctx.scope })).find((r) => r.uid === created.uid);
  assert.ok(listed, 'a finished worker stays listed until it is removed');
  assert.deepEqual(
    [listed.phase, listed.exitCode],
    [phase, code],
    'list reports the same end as get',
  );
  assert.ok(isFinished(listed), 'list reports the worker finished');
  await staysUntilRemoved(ctx, created, `after exit ${code}`);
}
