/** Errors: malformed input refused before any call, and an honest `retryable`. */
import assert, { AssertionError } from 'node:assert/strict';
import { LifecycleError, ProviderError, type WorkerRefV1 } from '@hodei/lifecycle-core';
import { describeValue } from '../../poll/poll-until.js';
import type { ContractCase } from '../contract-case.js';
import type { ContractContext } from '../contract-context.js';
import type { ContractOperation } from '../contract-options.js';
import {
  describeError,
  expectInvalidOptions,
  expectNoCalls,
  expectUntouched,
  refWithout,
  waitRunning,
} from './helpers.js';

/** `call` must reject with a retryable ProviderError: the fault was injected just before it. */
async function expectTransient(
  ctx: ContractContext,
  operation: ContractOperation,
  call: () => Promise<unknown>,
) {
  await ctx.faults!.failNext!(operation);
  let outcome: unknown;
  try {
    outcome = await call();
  } catch (error) {
    outcome = error;
  }
  if (!ProviderError.isInstance(outcome) || outcome.retryable !== true) {
    throw new AssertionError({
      message: `${operation} during a transient infrastructure fault must reject with a retryable ProviderError; got ${
        LifecycleError.isInstance(outcome) || outcome instanceof Error
          ? `${describeError(outcome)} (retryable: ${describeValue((outcome as { retryable?: unknown }).retryable)})`
          : `a result ${describeValue(outcome)}`
      }`,
    });
  }
}

export const errorCases: ContractCase[] = [
  {
    id: 'errors.malformedRef',
    group: 'Errors',
    promise:
      'a malformed ref (no scope, no worker id, an empty uid) is refused with InvalidOptionsError by get, remove, stop and logs, before any call, touching nothing',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const ref = ctx.ref(created);
      const malformed: [string, WorkerRefV1][] = [
        ['a ref without a scope', refWithout(ref, 'scope')],
        ['a ref with an empty scope', { ...ref, scope: '' }],
        ['a ref without a worker id', refWithout(ref, 'workerId')],
        ['a ref with an empty uid', { ...ref, uid: '' }],
        ['no ref at all', undefined as unknown as WorkerRefV1],
      ];
      const { provider } = ctx;
      for (const [what, bad] of malformed) {
        const calls = await ctx.callsMadeBy(async () => {
          await expectInvalidOptions(() => provider.get(bad), `get with ${what}`);
          await expectInvalidOptions(
            () => provider.remove(bad, { gracePeriodMs: 0 }),
            `remove with ${what}`,
          );
          if (ctx.capabilities.stop && provider.stop) {
            await expectInvalidOptions(
              () => provider.stop!(bad, { gracePeriodMs: 0 }),
              `stop with ${what}`,
            );
          }
          if (ctx.capabilities.logs && provider.logs) {
            await expectInvalidOptions(() => provider.logs!(bad), `logs with ${what}`);
          }
        });
        expectNoCalls(calls, `calls with ${what}`);
      }
      await expectUntouched(ctx, created, ctx.scope, 'the worker, after calls with malformed refs');
    },
  },
  {
    id: 'errors.malformedSelector',
    group: 'Errors',
    promise:
      'a selector without a scope is refused with InvalidOptionsError by list and watch, before any call: a provider never lists across scopes',
    async run(ctx) {
      await ctx.create(ctx.fixtures.longRunning);
      const { provider } = ctx;
      const malformed: [string, unknown][] = [
        ['a selector without a scope', {}],
        ['a selector with an empty scope', { scope: '' }],
        ['a selector with labels only', { labels: { team: 'contract' } }],
        ['no selector at all', undefined],
      ];
      for (const [what, bad] of malformed) {
        const calls = await ctx.callsMadeBy(async () => {
          await expectInvalidOptions(() => provider.list(bad as never), `list with ${what}`);
          if (ctx.capabilities.watch && provider.watch) {
            const controller = new AbortController();
            try {
              await expectInvalidOptions(async () => {
                // Refused when watch() is called, or at the first read of the stream.
                const stream = provider.watch!(bad as never, { signal: controller.signal });
                for await (const observation of stream) {
                  throw new AssertionError({
                    message: `watch with ${what} delivered ${describeValue(observation)}`,
                  });
                }
              }, `watch with ${what}`);
            } finally {
              controller.abort();
            }
          }
        });
        expectNoCalls(calls, `calls with ${what}`);
      }
    },
  },
  {
    id: 'errors.badOptions',
    group: 'Errors',
    promise:
      'a malformed grace period or tail (negative, not a number, not whole) is refused with InvalidOptionsError, before any call, touching nothing',
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      await waitRunning(ctx, created);
      const ref = ctx.ref(created);
      const { provider } = ctx;
      const calls = await ctx.callsMadeBy(async () => {
        for (const [what, grace] of [
          ['a negative grace period', -1],
          ['a grace period that is not a number', Number.NaN],
          ['a grace period given as text', '5s'],
        ] as const) {
          await expectInvalidOptions(
            () => provider.remove(ref, { gracePeriodMs: grace as number }),
            `remove with ${what}`,
          );
          if (ctx.capabilities.stop && provider.stop) {
            await expectInvalidOptions(
              () => provider.stop!(ref, { gracePeriodMs: grace as number }),
              `stop with ${what}`,
            );
          }
        }
        if (ctx.capabilities.logs && provider.logs) {
          for (const [what, tail] of [
            ['a negative tail', -1],
            ['a tail that is not whole', 1.5],
            ['a tail that is not a number', Number.NaN],
          ] as const) {
            await expectInvalidOptions(() => provider.logs!(ref, { tail }), `logs with ${what}`);
          }
        }
      });
      expectNoCalls(calls, 'calls with malformed options');
      await expectUntouched(
        ctx,
        created,
        ctx.scope,
        'the worker, after calls with malformed options',
      );
    },
  },
  {
    id: 'errors.transient',
    group: 'Errors',
    needs: ['faults.failNext'],
    promise:
      'a transient infrastructure failure surfaces as a retryable ProviderError, and the same call made again succeeds',
    async run(ctx) {
      const { provider } = ctx;
      const created = await ctx.create(ctx.fixtures.longRunning);
      const ref = ctx.ref(created);
      await expectTransient(ctx, 'list', () => provider.list({ scope: ctx.scope }));
      assert.equal((await provider.list({ scope: ctx.scope })).length, 1, 'list again succeeds');
      await expectTransient(ctx, 'get', () => provider.get(ref));
      assert.equal((await provider.get(ref))?.uid, created.uid, 'get again succeeds');
      const workerId = ctx.newWorkerId();
      await expectTransient(ctx, 'create', () =>
        ctx.create(ctx.fixtures.longRunning, { workerId }),
      );
      const again = await ctx.create(ctx.fixtures.longRunning, { workerId });
      assert.equal(again.workerId, workerId, 'create again with the same worker id succeeds');
      await expectTransient(ctx, 'remove', () => provider.remove(ref, { gracePeriodMs: 0 }));
      assert.equal((await provider.get(ref))?.removing, false, 'a failed remove changed nothing');
      await provider.remove(ref, { gracePeriodMs: 0 });
      await ctx.pollUntil(
        `worker ${created.workerId} to be gone after remove was made again`,
        () => provider.get(ref),
        (r) => r === undefined,
        ctx.timeouts.removeMs,
      );
    },
  },
];
