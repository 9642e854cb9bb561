import { randomBytes } from 'node:crypto';
import type {
  CreateWorkerRequestV1,
  Ownership,
  ProviderV1,
  WorkerRecordV1,
  WorkerRefV1,
  WorkerSpec,
} from '@hodei/lifecycle-core';
import { pollUntil } from '../poll/poll-until.js';
import type {
  ProviderContractFixtures,
  ProviderUnderTest,
  ResolvedTimeouts,
} from './contract-options.js';

/** The owner stamped on every worker the suite creates. */
export const CONTRACT_SUITE_OWNER = 'contract-suite';

export interface CreateTarget {
  readonly workerId?: string;
  readonly scope?: string;
}

export interface ContractContext {
  readonly provider: ProviderV1;
  readonly countCalls: (() => number) | undefined;
  readonly fixtures: ProviderContractFixtures;
  readonly timeouts: ResolvedTimeouts;
  /** This test's own scope. */
  readonly scope: string;
  /** Another fresh scope (a "foreign" manager's), cleaned up like the first. */
  newScope(): string;
  /** A fresh worker id, unique across runs. */
  newWorkerId(): string;
  /** The ownership the suite stamps: whole-second expiry one hour ahead, TTL 300 s. */
  ownership(target?: CreateTarget): Ownership;
  request(spec: WorkerSpec, target?: CreateTarget): CreateWorkerRequestV1;
  create(spec: WorkerSpec, target?: CreateTarget): Promise<WorkerRecordV1>;
  ref(
    record: { readonly workerId: string },
    options?: { uid?: string; scope?: string },
  ): WorkerRefV1;
  /**
   * Polls `read` in real time until `done` holds; fails saying what it waited for and the
   * last value observed. An error thrown by `read` fails at once.
   */
  pollUntil<T>(
    what: string,
    read: () => Promise<T>,
    done: (value: T) => boolean,
    timeoutMs: number,
  ): Promise<T>;
  /** Calls made by `action` (undefined when the provider does not count calls). */
  callsMadeBy(action: () => Promise<unknown>): Promise<number | undefined>;
}

const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

export function createContractContext(
  underTest: ProviderUnderTest,
  fixtures: ProviderContractFixtures,
  timeouts: ResolvedTimeouts,
  scopePrefix: string,
): ContractContext & { readonly scopes: readonly string[] } {
  const { provider, countCalls } = underTest;
  const run = randomHex(4);
  const scopes: string[] = [];
  let workers = 0;
  const newScope = () => {
    const scope = `${scopePrefix}-${run}-${scopes.length + 1}`;
    scopes.push(scope);
    return scope;
  };
  const scope = newScope();

  const ownership = (target: CreateTarget = {}): Ownership => ({
    scope: target.scope ?? scope,
    workerId: target.workerId ?? newWorkerId(),
    providerId: provider.providerId,
    owner: CONTRACT_SUITE_OWNER,
    // Whole seconds: RFC 3339 round-trips exactly on every platform.
    expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000),
    ttlAfterFinishedSeconds: 300,
  });
  function newWorkerId(): string {
    workers += 1;
    return `w-${randomHex(4)}-${workers}`;
  }
  const request = (spec: WorkerSpec, target?: CreateTarget): CreateWorkerRequestV1 => ({
    spec,
    ownership: ownership(target),
  });

  return {
    provider,
    countCalls,
    fixtures,
    timeouts,
    scope,
    scopes,
    newScope,
    newWorkerId,
    ownership,
    request,
    create: (spec, target) => provider.create(request(spec, target)),
    ref: (record, options = {}) => ({
      workerId: record.workerId,
      scope: options.scope ?? scope,
      ...(options.uid === undefined ? {} : { uid: options.uid }),
    }),
    pollUntil(what, read, done, timeoutMs) {
      return pollUntil(what, read, done, { timeoutMs, intervalMs: timeouts.pollIntervalMs });
    },
    async callsMadeBy(action) {
      const before = countCalls?.();
      await action();
      const after = countCalls?.();
      return before === undefined || after === undefined ? undefined : after - before;
    },
  };
}

/**
 * Removes every worker left in the test's scopes (list each scope, remove each worker).
 * Best effort: the first failure is reported after everything was tried.
 */
export async function removeEverything(
  provider: ProviderV1,
  scopes: readonly string[],
): Promise<void> {
  const failures: unknown[] = [];
  for (const scope of scopes) {
    try {
      const left = await provider.list({ scope });
      const results = await Promise.allSettled(
        left.map((worker) =>
          provider.remove(
            { workerId: worker.workerId, scope, uid: worker.uid },
            { gracePeriodMs: 0 },
          ),
        ),
      );
      for (const result of results) if (result.status === 'rejected') failures.push(result.reason);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(
      failures,
      `cleanup failed: ${failures.length} error(s) removing test workers`,
    );
  }
}
