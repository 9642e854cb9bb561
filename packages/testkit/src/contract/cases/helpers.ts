/** Steps several contract tests share: waiting for states, expecting refusals. */
import assert, { AssertionError } from 'node:assert/strict';
import {
  InvalidOptionsError,
  LifecycleError,
  OwnershipKeys,
  readOwnership,
  type WorkerRecordV1,
  type WorkerRefV1,
} from '@hodei/lifecycle-core';
import { describeValue } from '../../poll/poll-until.js';
import type { ContractContext } from '../contract-context.js';

export const isFinished = (record: WorkerRecordV1 | undefined) =>
  record !== undefined && (record.phase === 'succeeded' || record.phase === 'failed');

export const idsOf = (records: readonly WorkerRecordV1[]) => records.map((r) => r.workerId).sort();

export const describeError = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);

export function waitRunningAndReady(ctx: ContractContext, record: WorkerRecordV1) {
  return ctx.pollUntil(
    `worker ${record.workerId} to be running and ready`,
    () => ctx.provider.get(ctx.ref(record)),
    (r) => r?.phase === 'running' && r.ready,
    ctx.timeouts.readyMs,
  ) as Promise<WorkerRecordV1>;
}

export function waitRunning(ctx: ContractContext, record: WorkerRecordV1) {
  return ctx.pollUntil(
    `worker ${record.workerId} to be running`,
    () => ctx.provider.get(ctx.ref(record)),
    (r) => r?.phase === 'running',
    ctx.timeouts.readyMs,
  ) as Promise<WorkerRecordV1>;
}

export async function waitGone(ctx: ContractContext, record: WorkerRecordV1, scope = ctx.scope) {
  await ctx.pollUntil(
    `worker ${record.workerId} to be gone from get`,
    () => ctx.provider.get(ctx.ref(record, { scope })),
    (r) => r === undefined,
    ctx.timeouts.removeMs,
  );
  await ctx.pollUntil(
    `worker ${record.workerId} to be gone from list`,
    () => ctx.provider.list({ scope }),
    (records) => !records.some((r) => r.uid === record.uid),
    ctx.timeouts.removeMs,
  );
}

/** Waits until the worker is finished; its record must stay meanwhile. */
export async function waitFinished(
  ctx: ContractContext,
  record: WorkerRecordV1,
  why: string,
  timeoutMs = ctx.timeouts.completeMs,
): Promise<WorkerRecordV1> {
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
    isFinished,
    timeoutMs,
  )) as WorkerRecordV1;
}

/** The worker stays, finished, in get and in list for `stableMs`: nothing removes it behind our back. */
export async function staysUntilRemoved(
  ctx: ContractContext,
  record: WorkerRecordV1,
  what: string,
) {
  await ctx.holds(
    `${what}: worker ${record.workerId} stays, finished and not being removed, until remove`,
    async () => ({
      got: await ctx.provider.get(ctx.ref(record)),
      listed: (await ctx.provider.list({ scope: ctx.scope })).find((r) => r.uid === record.uid),
    }),
    ({ got, listed }) =>
      isFinished(got) &&
      got?.removing === false &&
      isFinished(listed) &&
      listed?.removing === false,
    ctx.timeouts.stableMs,
  );
}

/** Awaits a promise that must reject with the error `is` accepts; fails saying what came instead. */
export async function expectRejection(
  promise: Promise<unknown>,
  is: (error: unknown) => boolean,
  what: string,
): Promise<unknown> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    if (is(error)) return error;
    throw new AssertionError({ message: `${what}; it rejected with ${describeError(error)}` });
  }
  throw new AssertionError({ message: `${what}; it resolved with ${describeValue(outcome)}` });
}

/** Calls `call` (which may throw at once or reject) and expects InvalidOptionsError. */
export async function expectInvalidOptions(call: () => unknown, what: string): Promise<void> {
  const error = await expectRejection(
    (async () => call())(),
    (e) => InvalidOptionsError.isInstance(e),
    `${what} must be refused with InvalidOptionsError`,
  );
  assert.equal((error as LifecycleError).retryable, false, `${what}: a refusal is not retryable`);
}

/** The same call made twice must be refused with a non-retryable LifecycleError of this class. */
export function expectNotRetryable(error: unknown, what: string): void {
  if (!LifecycleError.isInstance(error)) {
    throw new AssertionError({
      message: `${what} must be a LifecycleError; got ${describeError(error)}`,
    });
  }
  assert.equal(error.retryable, false, `${what} is a refusal: it must not be retryable`);
}

export function expectNoCalls(calls: number | undefined, what: string): void {
  if (calls !== undefined) {
    assert.equal(calls, 0, `${what} made ${calls} infrastructure call(s); it must make none`);
  }
}

export async function expectScopeEmpty(ctx: ContractContext, what: string): Promise<void> {
  const left = await ctx.provider.list({ scope: ctx.scope });
  assert.deepEqual(idsOf(left), [], `${what} left workers behind: ${describeValue(left)}`);
}

/** The stamp read back from `record` equals the ownership the suite asked for. */
export function expectStamp(
  record: WorkerRecordV1 | undefined,
  ownership: ReturnType<ContractContext['ownership']>,
  where: string,
): void {
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

/** The worker is there, alive, in its own scope: not removed, replaced, stopped or being removed. */
export async function expectUntouched(
  ctx: ContractContext,
  record: WorkerRecordV1,
  scope: string,
  what: string,
): Promise<void> {
  const after = await ctx.provider.get(ctx.ref(record, { scope }));
  assert.ok(after, `${what}: the worker was removed`);
  assert.equal(after.uid, record.uid, `${what}: the worker was replaced`);
  assert.equal(after.removing, false, `${what}: the worker is being removed`);
  assert.ok(!isFinished(after), `${what}: the worker was stopped: ${describeValue(after)}`);
}

export const scopeOf = (record: WorkerRecordV1) => record.labels[OwnershipKeys.managedBy];

export const refWithout = (ref: WorkerRefV1, field: 'scope' | 'workerId') => {
  const { [field]: _dropped, ...rest } = ref;
  return rest as unknown as WorkerRefV1;
};
