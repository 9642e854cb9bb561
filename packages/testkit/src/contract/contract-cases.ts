/**
 * The promises of provider contract v1, one test each. Every test runs in its own fresh scope
 * and leaves nothing behind; the suite (provider-contract-suite.ts) registers them.
 */
import assert, { AssertionError } from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelledError,
  InvalidSpecError,
  LifecycleError,
  OwnershipKeys,
  type ProviderCapabilitiesV1,
  readOwnership,
  type WorkerObservationV1,
  type WorkerRecordV1,
  type WorkerSpec,
} from '@hodei/lifecycle-core';
import { assertProviderV1 } from '@hodei/lifecycle-core/provider';
import { describeValue } from '../poll/poll-until.js';
import type { ContractContext } from './contract-context.js';

/** The names of the tests, keyed for reference: `providerContractTest.removeIdempotent`. */
export const providerContractTest = {
  capabilities: 'declares capabilities that match its methods and the suite options',
  createStamps: 'create returns a record stamped with the ownership labels and annotations',
  createKeepsUserLabels: 'create keeps the user labels and annotations',
  getCreated: 'get returns the created worker',
  getUnknown: 'get of an unknown worker id returns undefined',
  getOtherScope: 'get under another scope returns undefined',
  ready: 'a long-running worker becomes running and ready',
  succeeded: 'a worker that exits 0 ends succeeded with exit code 0 and stays listed',
  failed: 'a worker that exits non-zero ends failed and keeps its exit code',
  listExact: 'list returns exactly the workers of the scope, in one call for 1 and for 5 workers',
  foreignScope: 'a foreign scope is never listed, got, stopped or removed',
  duplicate: 'a duplicate worker id is refused and the first worker is left alone',
  removeRemoves: 'remove removes the worker',
  removeIdempotent: 'remove is idempotent: twice, after it is gone, and of an unknown worker',
  removeStaleUid: 'remove with a stale uid leaves a newer incarnation alone',
  stop: 'stop ends the worker but keeps its record, exit status and logs until remove',
  abortedBefore:
    'create with an already aborted signal rejects with CancelledError and creates nothing',
  abortedDuring: 'an abort during create rejects with CancelledError and leaves nothing behind',
  watch: 'watch delivers the created worker, its running and ready state, and its removal',
  logs: 'logs returns the lines of the worker and honours tail',
  health: 'health reports healthy',
  close: 'close, when present, resolves',
} as const;

export type ProviderContractTestKey = keyof typeof providerContractTest;

/** The name of the test refusing one invalid spec (built-in or from `fixtures.invalidSpecs`). */
export const invalidSpecTestName = (name: string) =>
  `an invalid spec is refused before any call: ${name}`;

/** The invalid specs every provider refuses, derived from the long-running fixture. */
export const builtInInvalidSpecs: Readonly<Record<string, (valid: WorkerSpec) => WorkerSpec>> = {
  'empty image': (valid) => ({ ...valid, image: '' }),
  'bad image reference': (valid) => ({ ...valid, image: 'Not A/Valid::Image' }),
  'reserved hodei.io/ label': (valid) => ({
    ...valid,
    labels: { ...valid.labels, [OwnershipKeys.managedBy]: 'someone-else' },
  }),
  'invalid label value': (valid) => ({
    ...valid,
    labels: { ...valid.labels, team: 'not a valid label value!' },
  }),
  'memory below the minimum': (valid) => ({
    ...valid,
    resources: { ...valid.resources, memory: '1Mi' },
  }),
  'unknown spec field': (valid) => ({ ...valid, imagePullPolicy: 'Always' }) as WorkerSpec,
};

export interface ContractCase {
  readonly name: string;
  /** Registered only when the provider declares this capability. */
  readonly capability?: keyof ProviderCapabilitiesV1;
  /** The test closes the provider: its cleanup must not use it any more. */
  readonly closesProvider?: boolean;
  run(ctx: ContractContext, declared: ProviderCapabilitiesV1): Promise<void>;
}

const finished = (record: WorkerRecordV1 | undefined) =>
  record !== undefined && (record.phase === 'succeeded' || record.phase === 'failed');

const idsOf = (records: readonly WorkerRecordV1[]) => records.map((r) => r.workerId).sort();

async function waitRunningAndReady(ctx: ContractContext, record: WorkerRecordV1) {
  return ctx.pollUntil(
    `worker ${record.workerId} to be running and ready`,
    () => ctx.provider.get(ctx.ref(record)),
    (r) => r?.phase === 'running' && r.ready,
    ctx.timeouts.readyMs,
  );
}

async function waitGone(ctx: ContractContext, record: WorkerRecordV1) {
  await ctx.pollUntil(
    `worker ${record.workerId} to be gone from get`,
    () => ctx.provider.get(ctx.ref(record)),
    (r) => r === undefined,
    ctx.timeouts.removeMs,
  );
  await ctx.pollUntil(
    `worker ${record.workerId} to be gone from list`,
    () => ctx.provider.list({ scope: ctx.scope }),
    (records) => !records.some((r) => r.uid === record.uid),
    ctx.timeouts.removeMs,
  );
}

async function waitFinished(ctx: ContractContext, record: WorkerRecordV1, why: string) {
  return (await ctx.pollUntil(
    `worker ${record.workerId} to finish (${why})`,
    async () => {
      const observed = await ctx.provider.get(ctx.ref(record));
      if (observed === undefined) {
        throw new AssertionError({
          message: `worker ${record.workerId} disappeared while waiting for it to finish (${why}); its record must stay until remove`,
        });
      }
      return observed;
    },
    finished,
    ctx.timeouts.completeMs,
  )) as WorkerRecordV1;
}

const describeError = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);

/** Awaits a promise that must reject with the error `is` accepts; fails saying what came instead. */
async function expectRejection(
  promise: Promise<unknown>,
  is: (error: unknown) => boolean,
  what: string,
): Promise<void> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    if (is(error)) return;
    throw new AssertionError({ message: `${what}; it rejected with ${describeError(error)}` });
  }
  throw new AssertionError({ message: `${what}; it resolved with ${describeValue(outcome)}` });
}

async function expectNoCallsAndNothingCreated(
  ctx: ContractContext,
  calls: number | undefined,
  what: string,
): Promise<void> {
  if (calls !== undefined) {
    assert.equal(calls, 0, `${what} made ${calls} infrastructure call(s); it must make none`);
  }
  const left = await ctx.provider.list({ scope: ctx.scope });
  assert.deepEqual(idsOf(left), [], `${what} left workers behind: ${describeValue(left)}`);
}

const cases: ContractCase[] = [
  {
    name: providerContractTest.capabilities,
    async run(ctx, declared) {
      try {
        assertProviderV1(ctx.provider);
      } catch (error) {
        throw new AssertionError({
          message: `the provider breaks contract v1: ${describeError(error)}`,
        });
      }
      assert.deepEqual(
        { ...ctx.provider.capabilities },
        { ...declared },
        'provider.capabilities differs from the capabilities given to the suite',
      );
      for (const flag of ['nativeDeadline', 'nativeTtl'] as const) {
        assert.equal(
          typeof ctx.provider.capabilities[flag],
          'boolean',
          `capabilities.${flag} must be a boolean`,
        );
      }
    },
  },
  {
    name: providerContractTest.createStamps,
    async run(ctx) {
      const request = ctx.request(ctx.fixtures.longRunning);
      const created = await ctx.provider.create(request);
      const { ownership } = request;
      assert.equal(created.workerId, ownership.workerId, 'record.workerId');
      assert.ok(
        typeof created.uid === 'string' && created.uid !== '',
        'record.uid must be a non-empty string',
      );
      assert.ok(created.createdAt instanceof Date, 'record.createdAt must be a Date');
      assert.equal(created.removing, false, 'a new worker is not being removed');
      assert.ok(
        ['pending', 'running', 'succeeded', 'failed', 'unknown'].includes(created.phase),
        `unknown phase ${created.phase}`,
      );
      const expectedLabels = {
        [OwnershipKeys.managedBy]: ownership.scope,
        [OwnershipKeys.workerId]: ownership.workerId,
        [OwnershipKeys.providerId]: ctx.provider.providerId,
        [OwnershipKeys.owner]: ownership.owner,
      };
      for (const [key, value] of Object.entries(expectedLabels)) {
        assert.equal(created.labels[key], value, `ownership label ${key} on the created record`);
      }
      for (const [where, record] of [
        ['created record', created],
        ['record from get', await ctx.provider.get(ctx.ref(created))],
      ] as const) {
        assert.ok(record, `${where} must exist`);
        const read = readOwnership(record);
        assert.ok(
          read,
          `readOwnership found no complete stamp on the ${where}: ${describeValue(record)}`,
        );
        assert.deepEqual(
          { ...read, expiresAt: read.expiresAt?.toISOString() },
          { ...ownership, expiresAt: ownership.expiresAt?.toISOString() },
          `the ownership stamp does not round-trip through readOwnership (${where})`,
        );
      }
    },
  },
  {
    name: providerContractTest.createKeepsUserLabels,
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
      for (const record of [created, got]) {
        for (const [key, value] of Object.entries(labels)) {
          assert.equal(record.labels[key], value, `user label ${key}`);
        }
        for (const [key, value] of Object.entries(annotations)) {
          // Docker keeps annotations as labels.
          assert.equal(
            record.annotations[key] ?? record.labels[key],
            value,
            `user annotation ${key}`,
          );
        }
      }
    },
  },
  {
    name: providerContractTest.getCreated,
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const got = await ctx.provider.get(ctx.ref(created));
      assert.ok(got, `get returned undefined for the worker just created (${created.workerId})`);
      assert.equal(got.workerId, created.workerId, 'workerId');
      assert.equal(got.uid, created.uid, 'uid');
      assert.equal(got.labels[OwnershipKeys.managedBy], ctx.scope, 'scope label');
      const byUid = await ctx.provider.get(ctx.ref(created, { uid: created.uid }));
      assert.equal(byUid?.uid, created.uid, 'get with the uid precondition finds the same worker');
    },
  },
  {
    name: providerContractTest.getUnknown,
    async run(ctx) {
      await ctx.create(ctx.fixtures.longRunning);
      const got = await ctx.provider.get({ workerId: ctx.newWorkerId(), scope: ctx.scope });
      assert.equal(got, undefined, `get of an unknown id returned ${describeValue(got)}`);
    },
  },
  {
    name: providerContractTest.getOtherScope,
    async run(ctx) {
      const elsewhere = ctx.newScope();
      const created = await ctx.create(ctx.fixtures.longRunning, { scope: elsewhere });
      const got = await ctx.provider.get({ workerId: created.workerId, scope: ctx.scope });
      assert.equal(got, undefined, `get under another scope returned ${describeValue(got)}`);
      const byUid = await ctx.provider.get({
        workerId: created.workerId,
        scope: ctx.scope,
        uid: created.uid,
      });
      assert.equal(
        byUid,
        undefined,
        'get under another scope, even with the uid, must return undefined',
      );
    },
  },
  {
    name: providerContractTest.ready,
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      const ready = await waitRunningAndReady(ctx, created);
      assert.ok(ready?.startedAt instanceof Date, 'a running worker has startedAt');
      assert.equal(ready?.uid, created.uid, 'the same worker');
    },
  },
  {
    name: providerContractTest.succeeded,
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.completes(0));
      const done = await waitFinished(ctx, created, 'it exits 0');
      assert.equal(done.phase, 'succeeded', `phase after exit 0: ${describeValue(done)}`);
      assert.equal(done.exitCode, 0, 'exit code');
      assert.equal(done.ready, false, 'a finished worker is not ready');
      assert.ok(done.finishedAt instanceof Date, 'a finished worker has finishedAt');
      const listed = await ctx.provider.list({ scope: ctx.scope });
      assert.ok(
        listed.some((r) => r.uid === created.uid),
        'a finished worker stays listed until it is removed',
      );
    },
  },
  {
    name: providerContractTest.failed,
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.completes(7));
      const done = await waitFinished(ctx, created, 'it exits 7');
      assert.equal(done.phase, 'failed', `phase after exit 7: ${describeValue(done)}`);
      assert.equal(done.exitCode, 7, 'the exit code is kept');
      assert.ok(done.finishedAt instanceof Date, 'a finished worker has finishedAt');
    },
  },
  {
    name: providerContractTest.listExact,
    async run(ctx) {
      const { provider, scope } = ctx;
      // Noise in another scope, which must never show up.
      await ctx.create(ctx.fixtures.longRunning, { scope: ctx.newScope() });
      const first = await ctx.create(ctx.fixtures.longRunning);
      let listed: WorkerRecordV1[] = [];
      const callsForOne = await ctx.callsMadeBy(async () => {
        listed = await provider.list({ scope });
      });
      assert.deepEqual(idsOf(listed), [first.workerId], 'list of a scope with one worker');
      if (callsForOne !== undefined)
        assert.equal(callsForOne, 1, 'list of 1 worker must be one call');

      const base = ctx.fixtures.longRunning;
      const grouped = { ...base, labels: { ...base.labels, 'contract-group': 'b' } };
      const more = await Promise.all([
        ctx.create(base),
        ctx.create(base),
        ctx.create(grouped),
        ctx.create(grouped),
      ]);
      const callsForFive = await ctx.callsMadeBy(async () => {
        listed = await provider.list({ scope });
      });
      assert.deepEqual(
        idsOf(listed),
        idsOf([first, ...more]),
        'list of a scope with five workers returns exactly them',
      );
      if (callsForFive !== undefined) {
        assert.equal(
          callsForFive,
          1,
          `list of 5 workers made ${callsForFive} calls; it must be one`,
        );
      }
      const byLabel = await provider.list({ scope, labels: { 'contract-group': 'b' } });
      assert.deepEqual(idsOf(byLabel), idsOf(more.slice(2)), 'list with a label selector');
    },
  },
  {
    name: providerContractTest.foreignScope,
    async run(ctx, declared) {
      const { provider, scope } = ctx;
      const foreign = ctx.newScope();
      const theirs = await ctx.create(ctx.fixtures.longRunning, { scope: foreign });
      await ctx.create(ctx.fixtures.longRunning);
      const ours = { workerId: theirs.workerId, scope };

      const listed = await provider.list({ scope });
      assert.ok(!listed.some((r) => r.uid === theirs.uid), 'list showed a worker of another scope');
      assert.equal(await provider.get(ours), undefined, 'get returned a worker of another scope');
      assert.equal(
        await provider.get({ ...ours, uid: theirs.uid }),
        undefined,
        'get with a uid returned a worker of another scope',
      );
      await provider.remove(ours, { gracePeriodMs: 0 });
      await provider.remove({ ...ours, uid: theirs.uid }, { gracePeriodMs: 0 });
      if (declared.stop && provider.stop) {
        // Refusing (not found) is fine too; touching it is not.
        await provider.stop(ours, { gracePeriodMs: 0 }).catch(() => undefined);
      }
      const after = await provider.get({ workerId: theirs.workerId, scope: foreign });
      assert.ok(after, 'the foreign worker was removed through another scope');
      assert.equal(after.uid, theirs.uid, 'the foreign worker was replaced');
      assert.equal(
        after.removing,
        false,
        'the foreign worker is being removed through another scope',
      );
      assert.ok(
        !finished(after),
        `the foreign worker was stopped through another scope: ${describeValue(after)}`,
      );
    },
  },
  {
    name: providerContractTest.duplicate,
    async run(ctx) {
      const workerId = ctx.newWorkerId();
      const first = await ctx.create(ctx.fixtures.longRunning, { workerId });
      let outcome: unknown;
      try {
        outcome = await ctx.create(ctx.fixtures.longRunning, { workerId });
      } catch (error) {
        outcome = error;
      }
      if (!LifecycleError.isInstance(outcome)) {
        throw new AssertionError({
          message: `a second create with worker id ${workerId} must be refused with a LifecycleError; got ${
            outcome instanceof Error ? describeError(outcome) : describeValue(outcome)
          }`,
        });
      }
      assert.equal(outcome.retryable, false, 'a duplicate worker id is not a retryable failure');
      const got = await ctx.provider.get(ctx.ref(first));
      assert.equal(got?.uid, first.uid, 'the first worker must be left alone');
      assert.equal(got?.removing, false, 'the first worker must not be removed');
      const listed = await ctx.provider.list({ scope: ctx.scope });
      assert.deepEqual(
        listed.map((r) => r.uid),
        [first.uid],
        'exactly the first worker remains',
      );
    },
  },
  {
    name: providerContractTest.removeRemoves,
    async run(ctx) {
      const created = await ctx.create(ctx.fixtures.longRunning);
      await ctx.provider.remove(ctx.ref(created), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
      await waitGone(ctx, created);
    },
  },
  {
    name: providerContractTest.removeIdempotent,
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
    name: providerContractTest.removeStaleUid,
    async run(ctx) {
      const workerId = ctx.newWorkerId();
      const first = await ctx.create(ctx.fixtures.longRunning, { workerId });
      await ctx.provider.remove(ctx.ref(first), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
      await waitGone(ctx, first);
      const second = await ctx.create(ctx.fixtures.longRunning, { workerId });
      assert.notEqual(second.uid, first.uid, 'a new incarnation has a new uid');
      await ctx.provider.remove(ctx.ref(first, { uid: first.uid }), { gracePeriodMs: 0 });
      const still = await ctx.provider.get(ctx.ref(second));
      assert.ok(still, 'remove with the stale uid of the first incarnation removed the second');
      assert.equal(still.uid, second.uid, 'the second incarnation is still there');
      assert.equal(still.removing, false, 'remove with a stale uid started removing the second');
    },
  },
  {
    name: providerContractTest.stop,
    capability: 'stop',
    async run(ctx, declared) {
      const { provider } = ctx;
      const created = await ctx.create(ctx.fixtures.longRunning);
      await waitRunningAndReady(ctx, created);
      await provider.stop!(ctx.ref(created), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
      const stopped = await waitFinished(ctx, created, 'it was stopped');
      assert.equal(stopped.uid, created.uid, 'the same worker');
      assert.equal(typeof stopped.exitCode, 'number', 'a stopped worker keeps an exit code');
      assert.ok(stopped.finishedAt instanceof Date, 'a stopped worker has finishedAt');
      assert.equal(stopped.removing, false, 'stop must not remove');
      const listed = await provider.list({ scope: ctx.scope });
      assert.ok(
        listed.some((r) => r.uid === created.uid),
        'a stopped worker stays listed until remove',
      );
      if (declared.logs && provider.logs) {
        const lines = await provider.logs(ctx.ref(created));
        assert.ok(Array.isArray(lines), 'the logs of a stopped worker stay readable');
        const fixture = ctx.fixtures.withLogs;
        if (fixture) {
          const talker = await ctx.create(fixture.spec);
          await ctx.pollUntil(
            `the log lines of worker ${talker.workerId}`,
            () => provider.logs!(ctx.ref(talker)),
            (got) => got.length >= fixture.lines.length,
            ctx.timeouts.completeMs,
          );
          await provider.stop!(ctx.ref(talker), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
          await waitFinished(ctx, talker, 'it was stopped');
          assert.deepEqual(
            await provider.logs(ctx.ref(talker)),
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
    name: providerContractTest.abortedBefore,
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
      await expectNoCallsAndNothingCreated(ctx, calls, 'create with an aborted signal');
    },
  },
  {
    name: providerContractTest.abortedDuring,
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
      await ctx.pollUntil(
        'the scope to be empty after the cancelled create',
        () => ctx.provider.list({ scope: ctx.scope }),
        (records) => records.length === 0,
        ctx.timeouts.removeMs,
      );
    },
  },
  {
    name: providerContractTest.watch,
    capability: 'watch',
    async run(ctx) {
      const { provider, scope } = ctx;
      const controller = new AbortController();
      const seen: WorkerObservationV1[] = [];
      let streamError: unknown;
      const stream = provider.watch!({ scope }, { signal: controller.signal });
      const consuming = (async () => {
        try {
          for await (const observation of stream) seen.push(observation);
        } catch (error) {
          streamError = error;
        }
      })();
      const observed = async () => {
        if (streamError !== undefined) {
          throw new AssertionError({
            message: `the watch stream failed: ${describeError(streamError)}`,
          });
        }
        return seen;
      };
      try {
        const created = await ctx.create(ctx.fixtures.longRunning);
        const theirs = await ctx.create(ctx.fixtures.longRunning, { scope: ctx.newScope() });
        await ctx.pollUntil(
          `an upsert of worker ${created.workerId} running and ready`,
          observed,
          (list) =>
            list.some(
              (o) =>
                o.type === 'upsert' &&
                o.worker.uid === created.uid &&
                o.worker.phase === 'running' &&
                o.worker.ready,
            ),
          ctx.timeouts.readyMs,
        );
        await provider.remove(ctx.ref(created), { gracePeriodMs: ctx.timeouts.gracePeriodMs });
        await ctx.pollUntil(
          `a removed observation of worker ${created.workerId}`,
          observed,
          (list) =>
            list.some(
              (o) =>
                o.type === 'removed' && o.uid === created.uid && o.workerId === created.workerId,
            ),
          ctx.timeouts.removeMs,
        );
        const strays = seen.filter((o) =>
          o.type === 'upsert'
            ? o.worker.uid === theirs.uid || o.worker.labels[OwnershipKeys.managedBy] !== scope
            : o.uid === theirs.uid,
        );
        assert.deepEqual(strays, [], 'the watch delivered observations of another scope');
      } finally {
        controller.abort();
      }
      const ended = await Promise.race([
        consuming.then(() => true),
        delay(ctx.timeouts.removeMs).then(() => false),
      ]);
      assert.ok(
        ended,
        `the watch did not end within ${ctx.timeouts.removeMs} ms after its signal aborted`,
      );
      if (streamError !== undefined && !CancelledError.isInstance(streamError)) {
        throw new AssertionError({
          message: `the watch ended with an error: ${describeError(streamError)}`,
        });
      }
    },
  },
  {
    name: providerContractTest.logs,
    capability: 'logs',
    async run(ctx) {
      const fixture = ctx.fixtures.withLogs;
      if (!fixture) {
        throw new AssertionError({
          message: 'capabilities.logs is true, so fixtures.withLogs is required',
        });
      }
      assert.ok(fixture.lines.length > 0, 'fixtures.withLogs.lines must not be empty');
      const created = await ctx.create(fixture.spec);
      const ref = ctx.ref(created);
      const all = await ctx.pollUntil(
        `the ${fixture.lines.length} log lines of worker ${created.workerId}`,
        () => ctx.provider.logs!(ref),
        (lines) => lines.length >= fixture.lines.length,
        ctx.timeouts.completeMs,
      );
      assert.deepEqual(
        all,
        [...fixture.lines],
        'logs returns exactly the lines printed, oldest first',
      );
      assert.deepEqual(
        await ctx.provider.logs!(ref, { tail: 1 }),
        fixture.lines.slice(-1),
        'tail: 1',
      );
      if (fixture.lines.length >= 2) {
        assert.deepEqual(
          await ctx.provider.logs!(ref, { tail: 2 }),
          fixture.lines.slice(-2),
          'tail: 2',
        );
      }
      assert.deepEqual(
        await ctx.provider.logs!(ref, { tail: fixture.lines.length + 5 }),
        [...fixture.lines],
        'a tail longer than the logs returns them all',
      );
    },
  },
  {
    name: providerContractTest.health,
    capability: 'health',
    async run(ctx) {
      const health = await ctx.provider.health!();
      assert.equal(health.healthy, true, `health: ${describeValue(health)}`);
    },
  },
  {
    name: providerContractTest.close,
    closesProvider: true,
    async run(ctx) {
      if (ctx.provider.close === undefined) {
        assert.equal(ctx.provider.close, undefined);
        return;
      }
      assert.equal(typeof ctx.provider.close, 'function', 'close must be a function when present');
      await ctx.provider.close();
    },
  },
];

/** The cases to register for the declared capabilities and fixtures. */
export function contractCases(extraInvalidSpecs: readonly string[]): ContractCase[] {
  const invalid: ContractCase[] = [
    ...Object.keys(builtInInvalidSpecs),
    ...extraInvalidSpecs.map(fixtureName),
  ].map((name) => ({
    name: invalidSpecTestName(name),
    async run(ctx) {
      const spec = invalidSpecFor(ctx, name);
      const request = ctx.request(spec);
      const calls = await ctx.callsMadeBy(() =>
        expectRejection(
          ctx.provider.create(request),
          (error) => InvalidSpecError.isInstance(error),
          `create with an invalid spec (${name}) must reject with InvalidSpecError`,
        ),
      );
      await expectNoCallsAndNothingCreated(ctx, calls, `create with an invalid spec (${name})`);
    },
  }));
  // Keep the invalid-spec tests after cancellation, before the optional capabilities.
  const at = cases.findIndex((c) => c.name === providerContractTest.abortedDuring) + 1;
  return [...cases.slice(0, at), ...invalid, ...cases.slice(at)];
}

const FIXTURE_PREFIX = 'fixture ';
const fixtureName = (key: string) => `${FIXTURE_PREFIX}${key}`;

function invalidSpecFor(ctx: ContractContext, name: string): WorkerSpec {
  if (name.startsWith(FIXTURE_PREFIX)) {
    const spec = ctx.fixtures.invalidSpecs?.[name.slice(FIXTURE_PREFIX.length)];
    assert.ok(spec, `fixtures.invalidSpecs has no entry ${name}`);
    return spec;
  }
  const build = builtInInvalidSpecs[name];
  assert.ok(build, `no built-in invalid spec ${name}`);
  return build(ctx.fixtures.longRunning);
}

/** Every test name the suite can register, built-in invalid specs included. */
export const providerContractTestNames: readonly string[] = Object.freeze(
  contractCases([]).map((c) => c.name),
);
