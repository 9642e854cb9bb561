/** The provider object, and create: the stamp, user labels, records, duplicates, cancellation. */
import assert, { AssertionError } from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { CancelledError, OwnershipKeys, ProviderError } from '@hodei/lifecycle-core';
import { assertProviderV1 } from '@hodei/lifecycle-core/provider';
import { describeValue } from '../../poll/poll-until.js';
import type { ContractCase } from '../contract-case.js';
import {
  describeError,
  expectNoCalls,
  expectRejection,
  expectScopeEmpty,
  expectStamp,
  idsOf,
  isFinished,
  waitFinished,
} from './helpers.js';

export const providerCases: ContractCase[] = [
  {
    id: 'provider.shape',
    group: 'The provider object',
    promise:
      "the provider is contract v1: specificationVersion 'v1', a type, a providerId that is a valid label value, create, get, list and remove, and each optional method present exactly when its capability is true",
    async run(ctx) {
      try {
        assertProviderV1(ctx.raw);
      } catch (error) {
        throw new AssertionError({
          message: `the provider breaks contract v1: ${describeError(error)}`,
        });
      }
      if (ctx.declared !== undefined) {
        // The flags newer than the contract's first release may be absent: absent is false.
        const withOptionalFlags = (capabilities: object) => ({
          leases: false,
          listScopes: false,
          ...capabilities,
        });
        assert.deepEqual(
          withOptionalFlags(ctx.raw.capabilities),
          withOptionalFlags(ctx.declared),
          'provider.capabilities differs from the capabilities given to the suite',
        );
      }
    },
  },
];

export const createCases: ContractCase[] = [
  {
    id: 'create.stamp',
    group: 'Create',
    promise:
      'create returns the worker stamped with the ownership labels and annotations, and readOwnership reads the same stamp back from create and get',
    async run(ctx) {
      const request = ctx.request(ctx.fixtures.longRunning);
      const created = await ctx.provider.create(request);
      const { ownership } = request;
      const expectedLabels = {
        [OwnershipKeys.managedBy]: ownership.scope,
        [OwnershipKeys.workerId]: ownership.workerId,
        [OwnershipKeys.providerId]: ctx.raw.providerId,
        [OwnershipKeys.owner]: ownership.owner,
      };
      for (const [key, value] of Object.entries(expectedLabels)) {
        assert.equal(created.labels[key], value, `ownership label ${key} on the created record`);
      }
      assert.equal(created.removing, false, 'a new worker is not being removed');
      expectStamp(created, ownership, 'created record');
      expectStamp(await ctx.provider.get(ctx.ref(created)), ownership, 'record from get');
      // Without a deadline or TTL (a manager with the lifecycle off stamps neither), and a TTL of 0.
      for (const partial of [
        { ...ctx.ownership(), expiresAt: undefined, ttlAfterFinishedSeconds: undefined },
        { ...ctx.ownership(), ttlAfterFinishedSeconds: 0 },
      ]) {
        const record = await ctx.provider.create({
          spec: ctx.fixtures.longRunning,
          ownership: partial,
        });
        expectStamp(
          record,
          partial,
          `created record with expiresAt ${describeValue(partial.expiresAt)} and TTL ${describeValue(partial.ttlAfterFinishedSeconds)}`,
        );
        expectStamp(
          await ctx.provider.get(ctx.ref(record)),
          partial,
          `record from get with expiresAt ${describeValue(partial.expiresAt)} and TTL ${describeValue(partial.ttlAfterFinishedSeconds)}`,
        );
      }
    },
  },
  {
    id: 'create.otherExtensions',
    group: 'Create',
    promise:
      "create reads only its own key of spec.extensions: a spec carrying other providers' settings too is accepted",
    async run(ctx) {
      const base = ctx.fixtures.longRunning;
      const created = await ctx.create({
        ...base,
        extensions: {
          ...base.extensions,
          'other-provider': { anything: ['goes', 1, true] },
          nomad: { datacenter: 'dc1' },
        },
      });
      assert.ok(
        await ctx.provider.get(ctx.ref(created)),
        "the worker with other providers' extensions exists",
      );
    },
  },
  {
    id: 'create.userLabels',
    group: 'Create',
    promise: "create keeps the user's labels and annotations as written, in create, get and list",
    async run(ctx) {
      const base = ctx.fixtures.longRunning;
      const labels = { team: 'contract', 'example.com/purpose': 'suite' };
      const annotations = { 'example.com/note': 'kept as written, spaces and all' };
      const created = await ctx.create({
        ...base,
        labels: { ...base.labels, ...labels },
        annotations: { ...base.annotations, ...annotations },
      });
      const got = await ctx.provider.get(ctx.ref(created));
      assert.ok(got, 'get of the created worker');
      const listed = (await ctx.provider.list({ scope: ctx.scope })).find(
        (r) => r.uid === created.uid,
      );
      assert.ok(listed, 'list shows the created worker');
      for (const [where, record] of [
        ['create', created],
        ['get', got],
        ['list', listed],
      ] as const) {
        for (const [key, value] of Object.entries(labels)) {
          assert.equal(record.labels[key], value, `user label ${key} (${where})`);
        }
        for (const [key, value] of Object.entries(annotations)) {
          // Docker keeps annotations as labels.
          assert.equal(
            record.annotations[key] ?? record.labels[key],
            value,
            `user annotation ${key} (${where})`,
          );
        }
      }
    },
  },
  {
    id: 'create.records',
    group: 'Create',
    promise:
      'every record is well formed: the fields of WorkerRecordV1 with their types, ready only while running, exit code 0 exactly when succeeded, startedAt once running and finishedAt once finished (checked on every record the suite reads)',
    async run(ctx) {
      // Every record read through ctx.provider is checked; this test reads each kind once.
      const running = await ctx.create(ctx.fixtures.longRunning);
      const succeeds = await ctx.create(ctx.fixtures.completes(0));
      const fails = await ctx.create(ctx.fixtures.completes(3));
      const done = [
        await waitFinished(ctx, succeeds, 'it exits 0'),
        await waitFinished(ctx, fails, 'it exits 3'),
      ];
      assert.deepEqual(
        done.map((r) => [r.phase, r.exitCode]),
        [
          ['succeeded', 0],
          ['failed', 3],
        ],
        'the phase and exit code of workers that exit 0 and 3',
      );
      const listed = await ctx.provider.list({ scope: ctx.scope });
      assert.deepEqual(idsOf(listed), idsOf([running, succeeds, fails]), 'list shows all three');
      assert.ok(
        (await ctx.provider.get(ctx.ref(running))) !== undefined,
        'the running worker is there',
      );
    },
  },
  {
    id: 'create.duplicate',
    group: 'Create',
    promise:
      'a second create with a worker id in use in the scope, by a running or a finished worker, is refused with a ProviderError that is not retryable, and the first worker is left alone',
    async run(ctx) {
      const running = await ctx.create(ctx.fixtures.longRunning);
      const done = await ctx.create(ctx.fixtures.completes(0));
      await waitFinished(ctx, done, 'it exits 0');
      for (const [first, what] of [
        [running, 'running'],
        [done, 'finished'],
      ] as const) {
        const { workerId } = first;
        let outcome: unknown;
        try {
          outcome = await ctx.create(ctx.fixtures.longRunning, { workerId });
        } catch (error) {
          outcome = error;
        }
        if (!ProviderError.isInstance(outcome)) {
          throw new AssertionError({
            message: `a second create with the worker id of a ${what} worker must be refused with a ProviderError; got ${
              outcome instanceof Error ? describeError(outcome) : describeValue(outcome)
            }`,
          });
        }
        assert.equal(outcome.retryable, false, 'a duplicate worker id is not a retryable failure');
        const got = await ctx.provider.get(ctx.ref(first));
        assert.equal(got?.uid, first.uid, `the first, ${what}, worker must be left alone`);
        assert.equal(got?.removing, false, `the first, ${what}, worker must not be removed`);
        if (what === 'finished')
          assert.equal(got?.phase, 'succeeded', 'the finished worker keeps its end');
        else assert.ok(!isFinished(got), 'the first worker must not be stopped');
      }
      const listed = await ctx.provider.list({ scope: ctx.scope });
      assert.deepEqual(
        listed.map((r) => r.uid).sort(),
        [running.uid, done.uid].sort(),
        'exactly the first workers remain',
      );
    },
  },
  {
    id: 'create.abortedBefore',
    group: 'Create',
    promise:
      'create with an already aborted signal rejects with CancelledError, makes no call and creates nothing',
    async run(ctx) {
      const controller = new AbortController();
      controller.abort(new Error('cancelled by the test'));
      const request = ctx.request(ctx.fixtures.longRunning);
      const calls = await ctx.callsMadeBy(() =>
        expectRejection(
          ctx.provider.create(request, { signal: controller.signal }),
          (error) => CancelledError.isInstance(error),
          'create with an already aborted signal must reject with CancelledError',
        ),
      );
      expectNoCalls(calls, 'create with an aborted signal');
      await expectScopeEmpty(ctx, 'create with an aborted signal');
    },
  },
  {
    id: 'create.abortedDuring',
    group: 'Create',
    promise:
      'an abort while create runs rejects with CancelledError, and by the time it rejects nothing is left, not even a worker being removed',
    async run(ctx) {
      const controller = new AbortController();
      const request = ctx.request(ctx.fixtures.longRunning);
      const pending = ctx.provider.create(request, { signal: controller.signal });
      if (ctx.timeouts.abortAfterMs > 0) await delay(ctx.timeouts.abortAfterMs);
      controller.abort(new Error('cancelled by the test'));
      let outcome: unknown;
      try {
        outcome = await pending;
      } catch (error) {
        outcome = error;
      }
      if (!CancelledError.isInstance(outcome)) {
        throw new AssertionError({
          message: `create must reject with CancelledError when its signal aborts while it runs; got ${
            outcome instanceof Error ? describeError(outcome) : `a record ${describeValue(outcome)}`
          }`,
        });
      }
      // No polling: what the cancelled create made must be gone when it rejects.
      const left = await ctx.provider.list({ scope: ctx.scope });
      assert.deepEqual(
        left,
        [],
        'the cancelled create left a worker behind (or still being removed) when it rejected',
      );
    },
  },
];
