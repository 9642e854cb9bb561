/** Scopes: every operation acts on the workers of its scope and on nothing else. */
import assert, { AssertionError } from 'node:assert/strict';
import type { WorkerRecordV1 } from '@hodei/lifecycle-core';
import { describeValue } from '../../poll/poll-until.js';
import type { ContractCase } from '../contract-case.js';
import type { ContractContext } from '../contract-context.js';
import { expectUntouched, idsOf } from './helpers.js';

/** Tries every operation on `theirs` through `scope`; none may reach it. */
async function reachThrough(ctx: ContractContext, theirs: WorkerRecordV1, scope: string) {
  const { provider } = ctx;
  const ours = { workerId: theirs.workerId, scope };
  const listed = await provider.list({ scope });
  assert.ok(
    !listed.some((r) => r.uid === theirs.uid),
    `list of scope ${scope} showed a worker of another scope`,
  );
  assert.equal(
    await provider.get(ours),
    undefined,
    `get through scope ${scope} returned a worker of another scope`,
  );
  assert.equal(
    await provider.get({ ...ours, uid: theirs.uid }),
    undefined,
    `get through scope ${scope} with the uid returned a worker of another scope`,
  );
  if (ctx.capabilities.logs && provider.logs) {
    const lines = await provider.logs(ours).then(
      (read) => read,
      () => undefined,
    );
    if (lines !== undefined) {
      throw new AssertionError({
        message: `logs through scope ${scope} read a worker of another scope: ${describeValue(lines)}`,
      });
    }
  }
  await provider.remove(ours, { gracePeriodMs: 0 });
  await provider.remove({ ...ours, uid: theirs.uid }, { gracePeriodMs: 0 });
  if (ctx.capabilities.stop && provider.stop) {
    // Refusing (not found) is right; touching it is not.
    await provider.stop(ours, { gracePeriodMs: 0 }).catch(() => undefined);
    await provider.stop({ ...ours, uid: theirs.uid }, { gracePeriodMs: 0 }).catch(() => undefined);
  }
}

export const scopeCases: ContractCase[] = [
  {
    id: 'scope.foreign',
    group: 'Scopes',
    promise:
      'a worker of another scope is never listed, got, read, stopped or removed through this scope, even by its uid',
    async run(ctx) {
      const foreign = ctx.newScope();
      const theirs = await ctx.create(ctx.fixtures.longRunning, { scope: foreign });
      await ctx.create(ctx.fixtures.longRunning);
      await reachThrough(ctx, theirs, ctx.scope);
      await expectUntouched(
        ctx,
        theirs,
        foreign,
        'the foreign worker, after calls through another scope',
      );
    },
  },
  {
    id: 'scope.sameIds',
    group: 'Scopes',
    promise:
      'a worker id is unique within its scope only: two scopes can each have a worker with the same id, and each is got, listed and removed through its own scope alone',
    async run(ctx) {
      const workerId = ctx.newWorkerId();
      const other = ctx.newScope();
      const theirs = await ctx.create(ctx.fixtures.longRunning, { scope: other, workerId });
      const ours = await ctx.create(ctx.fixtures.longRunning, { workerId });
      assert.notEqual(ours.uid, theirs.uid, 'two workers, two uids');
      assert.equal((await ctx.provider.get(ctx.ref(ours)))?.uid, ours.uid, 'get through our scope');
      assert.equal(
        (await ctx.provider.get(ctx.ref(theirs, { scope: other })))?.uid,
        theirs.uid,
        'get through the other scope',
      );
      await ctx.provider.remove(ctx.ref(ours), { gracePeriodMs: 0 });
      await ctx.pollUntil(
        `worker ${workerId} of scope ${ctx.scope} to be gone`,
        () => ctx.provider.get(ctx.ref(ours)),
        (r) => r === undefined,
        ctx.timeouts.removeMs,
      );
      await expectUntouched(ctx, theirs, other, `the worker of scope ${other} with the same id`);
    },
  },
  {
    id: 'scope.prefix',
    group: 'Scopes',
    promise:
      'scopes that share a prefix are distinct: the workers of scope s-x are never listed, got, read, stopped, removed or watched through scope s, nor those of s through s-x',
    async run(ctx) {
      const longer = ctx.newScope(ctx.scope);
      const tap =
        ctx.capabilities.watch && ctx.provider.watch ? ctx.watch({ scope: ctx.scope }) : undefined;
      const theirs = await ctx.create(ctx.fixtures.longRunning, { scope: longer });
      const ours = await ctx.create(ctx.fixtures.longRunning);
      await reachThrough(ctx, theirs, ctx.scope);
      assert.deepEqual(
        idsOf(await ctx.provider.list({ scope: longer })),
        [theirs.workerId],
        `list of scope ${longer} shows exactly its own worker`,
      );
      assert.equal(
        await ctx.provider.get({ workerId: ours.workerId, scope: longer }),
        undefined,
        `get through scope ${longer} returned a worker of scope ${ctx.scope}`,
      );
      await expectUntouched(ctx, theirs, longer, `the worker of scope ${longer}`);
      if (tap) {
        await tap.until(
          `an upsert of worker ${ours.workerId}`,
          (seen) => seen.some((o) => o.type === 'upsert' && o.worker.uid === ours.uid),
          ctx.timeouts.readyMs,
        );
        const strays = tap.seen.filter((o) =>
          o.type === 'upsert' ? o.worker.uid === theirs.uid : o.uid === theirs.uid,
        );
        assert.deepEqual(
          strays,
          [],
          `watch of scope ${ctx.scope} delivered a worker of scope ${longer}`,
        );
      }
    },
  },
];
