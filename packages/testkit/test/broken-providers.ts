/**
 * Providers that each break one promise of the contract: decorators over a working memory
 * provider, written as a provider author would break them by mistake. The suite must fail each
 * of them on the test of that promise, saying why.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  CancelledError,
  InvalidSpecError,
  OwnershipKeys,
  type ProviderCapabilitiesV1,
  ProviderError,
  type ProviderV1,
  WorkerNotFoundError,
  type WorkerObservationV1,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core';
import {
  builtInInvalidSpecs,
  fixtureInvalidSpecTestId,
  invalidSpecTestId,
  type ProviderUnderTest,
} from '../src/contract/index.js';
import {
  createMemoryProvider,
  defaultMemoryCapabilities,
  type MemoryInfrastructure,
  memoryProviderUnderTest,
} from '../src/memory/index.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type Decorate = (
  inner: ProviderV1,
  infrastructure: MemoryInfrastructure,
) => Partial<Mutable<ProviderV1>>;

export interface BrokenProvider {
  /** What it breaks. */
  readonly name: string;
  readonly decorate: Decorate;
  /** The tests (by id) that must fail, and why (a pattern of the failure message). */
  readonly fails: readonly (readonly [testId: string, why: RegExp])[];
  /** What the suite is told the provider declares; default: nothing (read from the provider). */
  readonly declared?: ProviderCapabilitiesV1;
}

/** Rewrites every record the provider returns (create, get, list, watch). */
const mapRecord = (
  inner: ProviderV1,
  change: (record: WorkerRecordV1) => WorkerRecordV1,
  where: { create?: boolean; get?: boolean; list?: boolean; watch?: boolean } = {},
): Partial<Mutable<ProviderV1>> => {
  const all = Object.keys(where).length === 0;
  const on = (key: keyof typeof where) => all || where[key] === true;
  const decorated: Partial<Mutable<ProviderV1>> = {};
  if (on('create'))
    decorated.create = async (request, options) => change(await inner.create(request, options));
  if (on('get'))
    decorated.get = async (ref) => {
      const record = await inner.get(ref);
      return record && change(record);
    };
  if (on('list')) decorated.list = async (selector) => (await inner.list(selector)).map(change);
  if (on('watch'))
    decorated.watch = (selector, options) =>
      mapObservations(inner, selector, options, (o) =>
        o.type === 'upsert' ? [{ ...o, worker: change(o.worker) }] : [o],
      );
  return decorated;
};

/** The inner watch, each observation replaced by zero or more. */
function mapObservations(
  inner: ProviderV1,
  selector: Parameters<NonNullable<ProviderV1['watch']>>[0],
  options: Parameters<NonNullable<ProviderV1['watch']>>[1],
  change: (o: WorkerObservationV1) => WorkerObservationV1[],
): AsyncIterable<WorkerObservationV1> {
  const stream = inner.watch!(selector, options);
  return {
    async *[Symbol.asyncIterator]() {
      for await (const o of stream) yield* change(o);
    },
  };
}

const without = (map: Readonly<Record<string, string>>, drop: (key: string) => boolean) =>
  Object.fromEntries(Object.entries(map).filter(([key]) => !drop(key)));

const scopeOf = (record: WorkerRecordV1) => record.labels[OwnershipKeys.managedBy];
const finished = (r: WorkerRecordV1 | undefined) =>
  r !== undefined && (r.phase === 'succeeded' || r.phase === 'failed');

const invalidIds = [
  ...Object.keys(builtInInvalidSpecs).map(invalidSpecTestId),
  fixtureInvalidSpecTestId('negative startup delay'),
  fixtureInvalidSpecTestId('unknown memory field'),
];

export const brokenProviders: readonly BrokenProvider[] = [
  // ---- the provider object
  {
    name: 'capabilities lie (stop declared false, stop() present)',
    decorate: () => ({ capabilities: { ...defaultMemoryCapabilities, stop: false } }),
    fails: [['provider.shape', /breaks contract v1: .*capabilities\.stop/s]],
  },
  {
    name: 'capabilities differ from what the suite was told',
    decorate: () => ({ capabilities: { ...defaultMemoryCapabilities, nativeTtl: true } }),
    declared: defaultMemoryCapabilities,
    fails: [['provider.shape', /differs from the capabilities given to the suite/]],
  },
  {
    name: 'the providerId is not a valid label value',
    decorate: () => ({ providerId: 'Memory Provider!' }),
    fails: [['provider.shape', /breaks contract v1: .*providerId/s]],
  },
  // ---- create
  {
    name: 'create drops an ownership label',
    decorate: (inner) =>
      mapRecord(inner, (r) => ({
        ...r,
        labels: without(r.labels, (k) => k === OwnershipKeys.owner),
      })),
    fails: [['create.stamp', /ownership label hodei\.io\/owner/]],
  },
  {
    name: 'create drops the expiry annotation',
    decorate: (inner) =>
      mapRecord(inner, (r) => ({
        ...r,
        annotations: without(r.annotations, (k) => k === OwnershipKeys.expiresAt),
      })),
    fails: [['create.stamp', /does not round-trip .*created record/]],
  },
  {
    name: 'get loses the TTL annotation',
    decorate: (inner) =>
      mapRecord(
        inner,
        (r) => ({
          ...r,
          annotations: without(r.annotations, (k) => k === OwnershipKeys.ttlAfterFinished),
        }),
        { get: true },
      ),
    fails: [['create.stamp', /record from get/]],
  },
  {
    name: 'create drops user labels and annotations',
    decorate: (inner) =>
      mapRecord(inner, (r) => ({
        ...r,
        labels: without(r.labels, (k) => !k.startsWith('hodei.io/')),
        annotations: without(r.annotations, (k) => !k.startsWith('hodei.io/')),
      })),
    fails: [['create.userLabels', /user label team \(create\)/]],
  },
  {
    name: 'list drops user annotations',
    decorate: (inner) =>
      mapRecord(
        inner,
        (r) => ({ ...r, annotations: without(r.annotations, (k) => !k.startsWith('hodei.io/')) }),
        { list: true },
      ),
    fails: [['create.userLabels', /user annotation example\.com\/note \(list\)/]],
  },
  {
    name: 'list returns dates as strings',
    decorate: (inner) =>
      mapRecord(inner, (r) => ({ ...r, createdAt: r.createdAt.toISOString() as unknown as Date }), {
        list: true,
      }),
    fails: [['create.records', /malformed record from list: createdAt must be a valid Date/]],
  },
  {
    name: 'a finished worker is still reported ready',
    decorate: (inner) => mapRecord(inner, (r) => (finished(r) ? { ...r, ready: true } : r)),
    fails: [['create.records', /ready is true while the phase is (succeeded|failed)/]],
  },
  {
    name: 'an exit code of 3 is reported as 0, the phase staying failed',
    decorate: (inner) =>
      mapRecord(inner, (r) =>
        r.phase === 'failed' && r.exitCode === 3 ? { ...r, exitCode: 0 } : r,
      ),
    fails: [['create.records', /phase failed with exit code 0/]],
  },
  {
    name: 'a duplicate worker id replaces the first',
    decorate: (inner) => ({
      create: async (request, options) => {
        const ref = { workerId: request.ownership.workerId, scope: request.ownership.scope };
        if (await inner.get(ref)) await inner.remove(ref, { gracePeriodMs: 0 });
        return inner.create(request, options);
      },
    }),
    fails: [['create.duplicate', /must be refused/]],
  },
  {
    name: 'a duplicate worker id is refused as retryable',
    decorate: (inner) => ({
      create: async (request, options) => {
        try {
          return await inner.create(request, options);
        } catch (error) {
          throw Object.assign(error as object, { retryable: true });
        }
      },
    }),
    fails: [['create.duplicate', /not a retryable failure/]],
  },
  {
    name: 'create ignores the abort signal',
    decorate: (inner) => ({ create: (request) => inner.create(request) }),
    fails: [
      ['create.abortedBefore', /must reject with CancelledError; it resolved/],
      ['create.abortedDuring', /must reject with CancelledError/],
    ],
  },
  {
    name: 'a cancelled create leaves its worker behind',
    decorate: (inner) => ({
      create: async (request, options) => {
        if (options?.signal?.aborted) throw new CancelledError('create');
        const record = await inner.create(request);
        if (options?.signal?.aborted) throw new CancelledError('create');
        return record;
      },
    }),
    fails: [['create.abortedDuring', /left a worker behind/]],
  },
  {
    name: 'a cancelled create removes its worker after rejecting',
    decorate: (inner) => ({
      create: async (request, options) => {
        if (options?.signal?.aborted) throw new CancelledError('create');
        const record = await inner.create(request);
        if (options?.signal?.aborted) {
          const ref = { workerId: record.workerId, scope: request.ownership.scope };
          setTimeout(() => void inner.remove(ref, { gracePeriodMs: 0 }).catch(() => {}), 5);
          throw new CancelledError('create');
        }
        return record;
      },
    }),
    fails: [['create.abortedDuring', /left a worker behind/]],
  },
  {
    name: 'createdAt is the time of the read',
    decorate: (inner) =>
      mapRecord(inner, (r) => ({ ...r, createdAt: new Date(Date.now() + 5_000) })),
    fails: [['create.records', /startedAt is before createdAt/]],
  },
  {
    name: 'a worker without a deadline cannot be created',
    decorate: (inner) => ({
      create: (request, options) => {
        if (request.ownership.expiresAt === undefined) {
          throw new TypeError("Cannot read properties of undefined (reading 'toISOString')");
        }
        return inner.create(request, options);
      },
    }),
    fails: [['create.stamp', /toISOString/]],
  },
  {
    name: 'a TTL of 0 is not stamped',
    decorate: (inner) => ({
      create: (request, options) =>
        inner.create(
          request.ownership.ttlAfterFinishedSeconds === 0
            ? {
                ...request,
                ownership: { ...request.ownership, ttlAfterFinishedSeconds: undefined },
              }
            : request,
          options,
        ),
    }),
    fails: [['create.stamp', /does not round-trip .*TTL 0/]],
  },
  {
    name: "other providers' extensions are refused",
    decorate: (inner) => ({
      create: (request, options) => {
        const keys = Object.keys(request.spec?.extensions ?? {}).filter((k) => k !== 'memory');
        if (keys.length > 0) {
          throw new InvalidSpecError(
            keys.map((k) => ({ path: `extensions.${k}`, message: 'unknown provider' })),
          );
        }
        return inner.create(request, options);
      },
    }),
    fails: [['create.otherExtensions', /extensions\.other-provider: unknown provider/]],
  },
  {
    name: 'the id of a finished worker can be taken again',
    decorate: (inner) => ({
      create: async (request, options) => {
        const ref = { workerId: request.ownership.workerId, scope: request.ownership.scope };
        if (finished(await inner.get(ref))) await inner.remove(ref, { gracePeriodMs: 0 });
        return inner.create(request, options);
      },
    }),
    fails: [['create.duplicate', /worker id of a finished worker must be refused/]],
  },
  {
    name: 'a duplicate worker id is refused with an InvalidSpecError',
    decorate: (inner) => ({
      create: async (request, options) => {
        try {
          return await inner.create(request, options);
        } catch (error) {
          if (!ProviderError.isInstance(error)) throw error;
          throw new InvalidSpecError([{ path: 'workerId', message: 'in use' }]);
        }
      },
    }),
    fails: [['create.duplicate', /must be refused with a ProviderError; got InvalidSpecError/]],
  },
  // ---- validation
  {
    name: 'create accepts invalid specs',
    decorate: (inner) => ({
      create: async (request, options) => {
        try {
          return await inner.create(request, options);
        } catch (error) {
          if (!InvalidSpecError.isInstance(error)) throw error;
          return inner.create({ ...request, spec: { image: 'busybox:1.36' } }, options);
        }
      },
    }),
    fails: [
      ...invalidIds.map((id) => [id, /must reject with InvalidSpecError; it resolved/] as const),
      ['spec.everyProblem', /must reject with InvalidSpecError; it resolved/],
    ],
  },
  {
    name: 'create calls the infrastructure before validating',
    decorate: (inner) => ({
      create: async (request, options) => {
        await inner.list({ scope: request.ownership.scope });
        return inner.create(request, options);
      },
    }),
    fails: [
      ...invalidIds.map((id) => [id, /made 1 infrastructure call/] as const),
      ['create.abortedBefore', /made 1 infrastructure call/],
    ],
  },
  {
    name: 'validation stops at the first problem',
    decorate: (inner) => ({
      create: async (request, options) => {
        try {
          return await inner.create(request, options);
        } catch (error) {
          if (!InvalidSpecError.isInstance(error)) throw error;
          throw new InvalidSpecError(error.issues.slice(0, 1));
        }
      },
    }),
    fails: [
      ['spec.everyProblem', /must list every problem/],
      ['spec.everyProblemWithProvider', /both problems in one InvalidSpecError/],
    ],
  },
  {
    name: "the provider's own problems hide the shared ones",
    decorate: (inner) => ({
      create: async (request, options) => {
        try {
          return await inner.create(request, options);
        } catch (error) {
          if (!InvalidSpecError.isInstance(error)) throw error;
          const own = error.issues.filter((i) => i.path.startsWith('extensions.'));
          throw new InvalidSpecError(own.length > 0 ? own : error.issues);
        }
      },
    }),
    fails: [['spec.everyProblemWithProvider', /both problems in one InvalidSpecError/]],
  },
  {
    name: 'an invalid spec is refused without saying where the problem is',
    decorate: (inner) => ({
      create: async (request, options) => {
        try {
          return await inner.create(request, options);
        } catch (error) {
          if (!InvalidSpecError.isInstance(error)) throw error;
          throw new InvalidSpecError([{ path: '', message: 'invalid spec' }]);
        }
      },
    }),
    fails: [
      [invalidSpecTestId('empty image'), /must name image in its issues/],
      [invalidSpecTestId('env name starting with a digit'), /must name env\.1X/],
    ],
  },
  {
    name: 'an invalid spec is refused as retryable',
    decorate: (inner) => ({
      create: async (request, options) => {
        try {
          return await inner.create(request, options);
        } catch (error) {
          if (!InvalidSpecError.isInstance(error)) throw error;
          throw new InvalidSpecError(error.issues, { retryable: true });
        }
      },
    }),
    fails: [[invalidSpecTestId('unknown spec field'), /must not be retryable/]],
  },
  // ---- get and list
  {
    name: 'get ignores the uid precondition',
    decorate: (inner) => ({
      get: (ref) => inner.get({ workerId: ref.workerId, scope: ref.scope }),
    }),
    fails: [['get.staleUid', /returned another incarnation/]],
  },
  {
    name: 'get does not see a worker in its first moments (eventually consistent)',
    decorate: (inner) => ({
      get: async (ref) => {
        const record = await inner.get(ref);
        return record && Date.now() - record.createdAt.getTime() < 50 ? undefined : record;
      },
    }),
    fails: [['get.created', /get returned undefined for the worker just created/]],
  },
  {
    name: 'get of an unknown id returns some worker',
    decorate: (inner) => ({
      get: async (ref) => (await inner.get(ref)) ?? (await inner.list({ scope: ref.scope }))[0],
    }),
    fails: [['get.unknown', /get for worker .* returned another worker/]],
  },
  {
    name: 'get of an unknown worker throws',
    decorate: (inner) => ({
      get: async (ref) => {
        const record = await inner.get(ref);
        if (!record) throw new WorkerNotFoundError(ref.workerId);
        return record;
      },
    }),
    fails: [
      ['get.unknown', /WorkerNotFound|not found/],
      ['get.staleUid', /not found/],
    ],
  },
  {
    name: "get returns another scope's worker",
    decorate: (inner, infra) => ({
      get: async (ref) =>
        (await inner.get(ref)) ?? infra.workers().find((w) => w.workerId === ref.workerId),
    }),
    fails: [['scope.foreign', /get returned a worker of another scope/]],
  },
  {
    name: 'list leaks a foreign scope',
    decorate: (inner, infra) => ({
      list: async (selector) => {
        const own = await inner.list(selector);
        return [...own, ...infra.workers().filter((w) => scopeOf(w) !== selector.scope)];
      },
    }),
    fails: [
      ['list.exact', /list returned a worker of another scope/],
      ['scope.foreign', /list returned a worker of another scope/],
    ],
  },
  {
    name: 'list by labels ignores the scope',
    decorate: (inner, infra) => ({
      list: async (selector) => {
        if (!selector.labels) return inner.list(selector);
        await inner.list({ scope: selector.scope });
        return infra
          .workers()
          .filter((w) =>
            Object.entries(selector.labels ?? {}).every(([k, v]) => w.labels[k] === v),
          );
      },
    }),
    fails: [['list.labels', /list returned a worker of another scope/]],
  },
  {
    name: 'list ignores the labels',
    decorate: (inner) => ({ list: (selector) => inner.list({ scope: selector.scope }) }),
    fails: [['list.labels', /without the selector's label/]],
  },
  {
    name: 'list matches workers carrying any one of the labels',
    decorate: (inner) => ({
      list: async (selector) => {
        const all = await inner.list({ scope: selector?.scope });
        const wanted = Object.entries(selector.labels ?? {});
        return wanted.length === 0
          ? all
          : all.filter((r) => wanted.some(([k, v]) => r.labels[k] === v));
      },
    }),
    fails: [['list.labels', /without the selector's label/]],
  },
  {
    name: 'list returns a worker twice',
    decorate: (inner) => ({
      list: async (selector) => {
        const records = await inner.list(selector);
        return records.length > 1 ? [...records, records[0]!] : records;
      },
    }),
    fails: [['list.exact', /same worker more than once/]],
  },
  {
    name: 'list makes one call per worker',
    decorate: (inner) => ({
      list: async (selector) => {
        const records = await inner.list(selector);
        return Promise.all(
          records.map(async (r) => (await inner.get({ ...selector, workerId: r.workerId })) ?? r),
        );
      },
    }),
    fails: [['list.oneCall', /list of 1 worker made 2 calls/]],
  },
  {
    name: 'list makes one more call per finished worker',
    decorate: (inner) => ({
      list: async (selector) => {
        const records = await inner.list(selector);
        return Promise.all(
          records.map(async (r) =>
            finished(r) ? ((await inner.get({ ...selector, workerId: r.workerId })) ?? r) : r,
          ),
        );
      },
    }),
    fails: [['list.oneCall', /list of 5 workers \(2 finished\) made 3 calls/]],
  },
  {
    name: 'list loses the expiry annotation',
    decorate: (inner) =>
      mapRecord(
        inner,
        (r) => ({
          ...r,
          annotations: without(r.annotations, (k) => k === OwnershipKeys.expiresAt),
        }),
        { list: true },
      ),
    fails: [['list.stamp', /does not round-trip .*record from list/]],
  },
  {
    name: 'list hides finished workers',
    decorate: (inner) => ({
      list: async (selector) => (await inner.list(selector)).filter((r) => !finished(r)),
    }),
    fails: [['exit.succeeded', /stays listed until it is removed/]],
  },
  {
    name: 'list reports finished workers as still running',
    decorate: (inner) =>
      mapRecord(
        inner,
        (r) =>
          finished(r)
            ? {
                ...r,
                phase: 'running',
                exitCode: undefined,
                reason: undefined,
                finishedAt: undefined,
              }
            : r,
        { list: true },
      ),
    fails: [['exit.failed', /list reports the same end as get/]],
  },
  // ---- readiness and exit
  {
    name: 'workers never become ready',
    decorate: (inner) => mapRecord(inner, (r) => ({ ...r, ready: false })),
    fails: [['ready.running', /timed out .* running and ready/]],
  },
  {
    name: 'ready means running (the health check is ignored)',
    decorate: (inner) => mapRecord(inner, (r) => ({ ...r, ready: r.phase === 'running' })),
    fails: [
      ['ready.never', /to stay running and not ready did not hold/],
      ['ready.slow', /which starts slowly, to be reported not ready did not hold/],
    ],
  },
  {
    name: 'a pending worker is reported ready',
    decorate: (inner) =>
      mapRecord(inner, (r) => (r.phase === 'pending' ? { ...r, ready: true } : r)),
    fails: [
      ['ready.running', /malformed record from create: ready is true while the phase is pending/],
    ],
  },
  {
    name: 'a failed worker loses its exit code',
    decorate: (inner) =>
      mapRecord(inner, (r) => (r.phase === 'failed' ? { ...r, exitCode: undefined } : r)),
    fails: [['exit.failed', /the exit code is kept/]],
  },
  {
    name: 'a failed worker is reported succeeded',
    decorate: (inner) =>
      mapRecord(inner, (r) => (r.phase === 'failed' ? { ...r, phase: 'succeeded' } : r)),
    fails: [['exit.failed', /phase succeeded with exit code 7/]],
  },
  {
    name: 'a finished worker has no reason',
    decorate: (inner) => mapRecord(inner, (r) => ({ ...r, reason: undefined })),
    fails: [['exit.succeeded', /says why it ended \(reason\)/]],
  },
  {
    name: 'a finished worker disappears before remove',
    decorate: (inner) => ({
      get: async (ref) => {
        const record = await inner.get(ref);
        return finished(record) ? undefined : record;
      },
    }),
    fails: [
      ['exit.succeeded', /disappeared while waiting for it to finish/],
      ['exit.failed', /disappeared while waiting for it to finish/],
    ],
  },
  {
    name: 'finished workers are deleted shortly after they finish',
    decorate: (inner) => {
      const gone = (r: WorkerRecordV1 | undefined) =>
        finished(r) && Date.now() - (r?.finishedAt?.getTime() ?? 0) > 30;
      return {
        get: async (ref) => {
          const record = await inner.get(ref);
          return gone(record) ? undefined : record;
        },
        list: async (selector) => (await inner.list(selector)).filter((r) => !gone(r)),
      };
    },
    fails: [['exit.succeeded', /stays, finished and not being removed, until remove did not hold/]],
  },
  // ---- scopes
  {
    name: 'scopes are matched by prefix',
    decorate: (inner, infra) => ({
      list: async (selector) => {
        await inner.list(selector);
        return infra.workers().filter((w) => scopeOf(w)?.startsWith(selector.scope));
      },
    }),
    fails: [['scope.prefix', /list returned a worker of another scope/]],
  },
  {
    name: 'worker ids are unique across scopes (one name space)',
    decorate: (inner, infra) => ({
      create: async (request, options) => {
        const taken = infra.workers().find((w) => w.workerId === request.ownership.workerId);
        if (taken) {
          throw new ProviderError('memory', `name ${request.ownership.workerId} in use`, {
            status: 409,
            retryable: false,
          });
        }
        return inner.create(request, options);
      },
    }),
    fails: [['scope.sameIds', /name w-.* in use/]],
  },
  {
    name: 'logs find a worker in any scope',
    decorate: (inner, infra) => ({
      logs: async (ref, options) => {
        const anywhere = infra.workers().find((w) => w.workerId === ref.workerId);
        return inner.logs!({ ...ref, scope: anywhere ? scopeOf(anywhere)! : ref.scope }, options);
      },
    }),
    fails: [
      ['scope.foreign', /logs through scope .* read a worker of another scope/],
      ['logs.unknown', /another scope's worker must reject with WorkerNotFoundError/],
    ],
  },
  {
    name: 'stop finds a worker in any scope',
    decorate: (inner, infra) => ({
      stop: async (ref, options) => {
        const anywhere = infra.workers().find((w) => w.workerId === ref.workerId);
        return inner.stop!({ ...ref, scope: anywhere ? scopeOf(anywhere)! : ref.scope }, options);
      },
    }),
    fails: [
      ['scope.foreign', /the worker was stopped/],
      ['stop.unknown', /another scope's worker must reject with WorkerNotFoundError/],
    ],
  },
  {
    name: 'remove finds a worker in any scope',
    decorate: (inner, infra) => ({
      remove: async (ref, options) => {
        const anywhere = infra.workers().find((w) => w.workerId === ref.workerId);
        return inner.remove({ ...ref, scope: anywhere ? scopeOf(anywhere)! : ref.scope }, options);
      },
    }),
    fails: [['scope.foreign', /the worker was removed|is being removed/]],
  },
  // ---- remove
  {
    name: 'remove is not idempotent',
    decorate: (inner) => ({
      remove: async (ref, options) => {
        if ((await inner.get(ref)) === undefined) throw new WorkerNotFoundError(ref.workerId);
        return inner.remove(ref, options);
      },
    }),
    fails: [['remove.idempotent', /not found/]],
  },
  {
    name: 'remove refuses a removal already under way',
    decorate: (inner) => ({
      remove: async (ref, options) => {
        if ((await inner.get(ref))?.removing) {
          throw new ProviderError('memory', 'removal already in progress', { status: 409 });
        }
        return inner.remove(ref, options);
      },
    }),
    fails: [['remove.grace', /removal already in progress/]],
  },
  {
    name: 'remove ignores the uid precondition',
    decorate: (inner) => ({
      remove: (ref, options) => inner.remove({ workerId: ref.workerId, scope: ref.scope }, options),
    }),
    fails: [['remove.staleUid', /stale uid/]],
  },
  {
    name: 'remove does nothing',
    decorate: () => ({ remove: async () => {} }),
    fails: [['remove.gone', /remove resolved but get still returns the worker/]],
  },
  {
    name: 'remove resolves before the worker is gone',
    decorate: (inner) => ({
      remove: async (ref, options) => {
        setTimeout(() => void inner.remove(ref, options).catch(() => undefined), 5);
      },
    }),
    fails: [
      ['remove.gone', /remove resolved but get still returns the worker/],
      ['remove.finished', /remove resolved but get still returns the worker/],
    ],
  },
  {
    name: 'remove skips finished workers',
    decorate: (inner) => ({
      remove: async (ref, options) => {
        if (finished(await inner.get(ref))) return;
        return inner.remove(ref, options);
      },
    }),
    fails: [['remove.finished', /remove resolved but get still returns the worker/]],
  },
  {
    name: 'remove kills at once, ignoring the grace period',
    decorate: (inner) => ({
      remove: (ref, options) => inner.remove(ref, { ...options, gracePeriodMs: 0 }),
    }),
    fails: [['remove.grace', /before its grace period of .* ended/]],
  },
  {
    name: 'remove uses its default grace period, not the one asked',
    decorate: (inner) => ({
      remove: (ref, options) => inner.remove(ref, { ...options, gracePeriodMs: 30_000 }),
    }),
    fails: [['remove.grace', /does it use the grace period it is given/]],
  },
  {
    name: 'remove never sends SIGTERM: it waits out the grace period, then kills',
    decorate: (inner) => ({
      remove: async (ref, options) => {
        await sleep(options?.gracePeriodMs ?? 0);
        return inner.remove(ref, { ...options, gracePeriodMs: 0 });
      },
    }),
    fails: [['remove.polite', /must send SIGTERM first/]],
  },
  {
    name: 'removing is never reported',
    decorate: (inner) => mapRecord(inner, (r) => ({ ...r, removing: false })),
    fails: [['remove.grace', /never reported removing: true/]],
  },
  {
    name: 'remove ignores its signal',
    decorate: (inner) => ({
      remove: (ref, options) => inner.remove(ref, { gracePeriodMs: options?.gracePeriodMs }),
    }),
    fails: [['remove.signal', /must reject with CancelledError .*; it resolved/]],
  },
  {
    name: 'an abort of remove stops the removal',
    decorate: (inner) => ({
      remove: async (ref, options) => {
        const grace = options?.gracePeriodMs ?? 0;
        try {
          await sleep(grace / 2, undefined, { signal: options?.signal });
        } catch {
          throw new CancelledError('removal');
        }
        return inner.remove(ref, { ...options, gracePeriodMs: grace / 2 });
      },
    }),
    fails: [['remove.signal', /to be gone although the caller stopped waiting/]],
  },
  // ---- stop
  {
    name: 'stop removes the record',
    decorate: (inner) => ({ stop: (ref, options) => inner.remove(ref, options) }),
    fails: [['stop.keeps', /disappeared while waiting for it to finish/]],
  },
  {
    name: 'stop removes the worker shortly after',
    decorate: (inner) => ({
      stop: async (ref, options) => {
        await inner.stop!(ref, options);
        setTimeout(() => void inner.remove(ref, { gracePeriodMs: 0 }).catch(() => undefined), 30);
      },
    }),
    fails: [['stop.keeps', /after stop: .* did not hold/]],
  },
  {
    name: 'stop does nothing',
    decorate: () => ({ stop: async () => {} }),
    fails: [
      ['stop.keeps', /timed out .* to finish \(it was stopped\)/],
      ['stop.polite', /timed out .* to finish \(it was stopped\)/],
    ],
  },
  {
    name: 'stop of an unknown worker resolves',
    decorate: (inner) => ({
      stop: async (ref, options) => {
        if (await inner.get(ref)) return inner.stop!(ref, options);
      },
    }),
    fails: [['stop.unknown', /must reject with WorkerNotFoundError; it resolved/]],
  },
  {
    name: 'stop ignores the uid precondition',
    decorate: (inner) => ({
      stop: (ref, options) => inner.stop!({ workerId: ref.workerId, scope: ref.scope }, options),
    }),
    fails: [['stop.staleUid', /keep running after a stop with the stale uid did not hold/]],
  },
  {
    name: 'stop kills at once, ignoring the grace period',
    decorate: (inner) => ({
      stop: (ref, options) => inner.stop!(ref, { ...options, gracePeriodMs: 0 }),
    }),
    fails: [['stop.grace', /before its grace period of .* ended/]],
  },
  {
    name: 'stop never sends SIGTERM: it waits out the grace period, then kills',
    decorate: (inner) => ({
      stop: async (ref, options) => {
        await sleep(options?.gracePeriodMs ?? 0);
        return inner.stop!(ref, { ...options, gracePeriodMs: 0 });
      },
    }),
    fails: [['stop.polite', /must send SIGTERM first/]],
  },
  {
    name: 'a killed worker is reported with exit code 143',
    decorate: (inner) =>
      mapRecord(inner, (r) => (r.reason === 'Killed' ? { ...r, exitCode: 143 } : r)),
    fails: [['stop.grace', /exits 137/]],
  },
  {
    name: 'stop overwrites the exit code of a finished worker',
    decorate: (inner) => {
      const stopped = new Set<string>();
      const change = (r: WorkerRecordV1) =>
        stopped.has(r.uid) && finished(r) ? { ...r, phase: 'failed' as const, exitCode: 143 } : r;
      return {
        ...mapRecord(inner, change),
        stop: async (ref, options) => {
          const record = await inner.get(ref);
          if (record) stopped.add(record.uid);
          return inner.stop!(ref, options);
        },
      };
    },
    fails: [['stop.finished', /stop of a finished worker changed its end/]],
  },
  // ---- watch
  {
    name: 'watch misses the removal',
    decorate: (inner) => ({
      watch: (selector, options) =>
        mapObservations(inner, selector, options, (o) => (o.type === 'removed' ? [] : [o])),
    }),
    fails: [['watch.changes', /timed out .* waiting for a removed observation/]],
  },
  {
    name: 'watch misses the removal of finished workers',
    decorate: (inner) => {
      const finishedUids = new Set<string>();
      return {
        watch: (selector, options) =>
          mapObservations(inner, selector, options, (o) => {
            if (o.type === 'upsert' && finished(o.worker)) finishedUids.add(o.worker.uid);
            return o.type === 'removed' && finishedUids.has(o.uid) ? [] : [o];
          }),
      };
    },
    fails: [['watch.changes', /timed out .* waiting for a removed observation/]],
  },
  {
    name: 'watch never delivers the finished state',
    decorate: (inner) => ({
      watch: (selector, options) =>
        mapObservations(inner, selector, options, (o) =>
          o.type === 'upsert' && finished(o.worker) ? [] : [o],
        ),
    }),
    fails: [['watch.changes', /timed out .* failed with exit code 3/]],
  },
  {
    name: 'watch resurrects a removed worker',
    decorate: (inner) => {
      const last = new Map<string, WorkerRecordV1>();
      return {
        watch: (selector, options) =>
          mapObservations(inner, selector, options, (o) => {
            if (o.type === 'upsert') {
              last.set(o.worker.uid, o.worker);
              return [o];
            }
            const stale = last.get(o.uid);
            return stale ? [o, { type: 'upsert', worker: stale }] : [o];
          }),
      };
    },
    fails: [['watch.changes', /must be its removal/]],
  },
  {
    name: 'watch skips the current state',
    decorate: (inner) => ({
      watch: (selector, options) => {
        const snapshot = inner.list(selector);
        const stream = inner.watch!(selector, options);
        return {
          async *[Symbol.asyncIterator]() {
            const existing = new Map((await snapshot).map((r) => [r.uid, r]));
            for await (const o of stream) {
              if (o.type === 'upsert') {
                const before = existing.get(o.worker.uid);
                if (before?.phase === o.worker.phase && before.ready === o.worker.ready) continue;
              }
              yield o;
            }
          },
        };
      },
    }),
    fails: [['watch.initial', /timed out .* upserts of the two workers that existed/]],
  },
  {
    name: 'watch records lack the expiry annotation',
    decorate: (inner) =>
      mapRecord(
        inner,
        (r) => ({
          ...r,
          annotations: without(r.annotations, (k) => k === OwnershipKeys.expiresAt),
        }),
        { watch: true },
      ),
    fails: [['watch.initial', /does not round-trip .*first watch observation/]],
  },
  {
    name: 'watch says removed as soon as the removal begins',
    decorate: (inner) => ({
      watch: (selector, options) =>
        mapObservations(inner, selector, options, (o) =>
          o.type === 'upsert' && o.worker.removing
            ? [{ type: 'removed', workerId: o.worker.workerId, uid: o.worker.uid }]
            : [o],
        ),
    }),
    fails: [['watch.removal', /saying removing/]],
  },
  {
    name: 'watch misses the removing state',
    decorate: (inner) => ({
      watch: (selector, options) =>
        mapObservations(inner, selector, options, (o) =>
          o.type === 'upsert' && o.worker.removing ? [] : [o],
        ),
    }),
    fails: [['watch.removal', /timed out .* saying removing/]],
  },
  {
    name: 'watch ignores the labels',
    decorate: (inner) => ({
      watch: (selector, options) => inner.watch!({ scope: selector.scope }, options),
    }),
    fails: [['watch.labels', /without the selector's label/]],
  },
  {
    name: 'watch never ends',
    decorate: (inner) => ({
      watch: (selector) => inner.watch!(selector, { signal: new AbortController().signal }),
    }),
    fails: [['watch.ends', /did not end within/]],
  },
  {
    name: 'watch misses a signal aborted before it opened',
    decorate: (inner) => ({
      watch: (selector, options) => {
        const controller = new AbortController();
        options.signal.addEventListener('abort', () => controller.abort());
        return inner.watch!(selector, { signal: controller.signal });
      },
    }),
    fails: [['watch.ends', /already aborted signal did not end/]],
  },
  {
    name: 'watch throws when its signal aborts',
    decorate: (inner) => ({
      watch: (selector, options) => ({
        async *[Symbol.asyncIterator]() {
          yield* inner.watch!(selector, options);
          throw new CancelledError('watch');
        },
      }),
    }),
    fails: [['watch.ends', /must end quietly when its signal aborts/]],
  },
  {
    name: 'watch fails at once',
    decorate: () => ({
      watch: () => ({
        // biome-ignore lint/correctness/useYield: a stream that fails before its first item.
        async *[Symbol.asyncIterator]() {
          throw new Error('connection refused');
        },
      }),
    }),
    fails: [['watch.changes', /the watch stream failed .*Error: connection refused/]],
  },
  {
    name: 'watch ends quietly when its connection drops',
    decorate: (inner) => ({
      watch: (selector, options) => ({
        async *[Symbol.asyncIterator]() {
          try {
            yield* inner.watch!(selector, options);
          } catch (error) {
            if (!ProviderError.isInstance(error)) throw error;
          }
        },
      }),
    }),
    fails: [['watch.dropped', /ended quietly when its connection dropped/]],
  },
  {
    name: 'a dropped watch throws an error that is not retryable',
    decorate: (inner) => ({
      watch: (selector, options) => ({
        async *[Symbol.asyncIterator]() {
          try {
            yield* inner.watch!(selector, options);
          } catch (error) {
            throw new ProviderError('memory', String(error), { retryable: false });
          }
        },
      }),
    }),
    fails: [['watch.dropped', /must throw a retryable ProviderError; it threw/]],
  },
  {
    name: 'a dropped watch goes silent: it neither throws nor delivers again',
    decorate: (inner) => ({
      watch: (selector, options) => ({
        async *[Symbol.asyncIterator]() {
          try {
            yield* inner.watch!(selector, options);
          } catch {
            // Swallows the failure and waits for the signal: a stream that says nothing more.
            await new Promise((resolve) =>
              options.signal.addEventListener('abort', resolve, { once: true }),
            );
          }
        },
      }),
    }),
    fails: [['watch.dropped', /went silent after its connection dropped/]],
  },
  // ---- logs
  {
    name: 'logs ignore tail',
    decorate: (inner) => ({ logs: (ref) => inner.logs!(ref) }),
    fails: [['logs.tail', /tail: 1/]],
  },
  {
    name: 'logs treat tail 0 as no tail',
    decorate: (inner) => ({
      logs: async (ref, options) => {
        const lines = await inner.logs!(ref);
        return options?.tail ? lines.slice(-options.tail) : lines;
      },
    }),
    fails: [['logs.tail', /tail: 0 returns no line/]],
  },
  {
    name: 'logs come newest first',
    decorate: (inner) => ({
      logs: async (ref, options) => (await inner.logs!(ref, options)).reverse(),
    }),
    fails: [['logs.lines', /exactly the lines printed, oldest first/]],
  },
  {
    name: 'logs end with an empty line',
    decorate: (inner) => ({
      logs: async (ref, options) => [...(await inner.logs!(ref, options)), ''],
    }),
    fails: [['logs.lines', /exactly the lines printed, oldest first/]],
  },
  {
    name: 'logs of an unknown worker are empty',
    decorate: (inner) => ({
      logs: async (ref, options) => inner.logs!(ref, options).catch(() => []),
    }),
    fails: [['logs.unknown', /must reject with WorkerNotFoundError; it resolved/]],
  },
  // ---- errors
  {
    name: 'remove with a ref without scope removes the worker in any scope',
    decorate: (inner, infra) => ({
      remove: async (ref, options) => {
        if (ref?.scope) return inner.remove(ref, options);
        const found = infra.workers().find((w) => w.workerId === ref?.workerId);
        if (found) await inner.remove({ ...ref, scope: scopeOf(found)! }, options);
      },
    }),
    fails: [['errors.malformedRef', /remove with a ref without a scope must be refused/]],
  },
  {
    name: 'get of a malformed ref returns undefined',
    decorate: (inner) => ({
      get: async (ref) => (ref?.scope && ref.workerId ? inner.get(ref) : undefined),
    }),
    fails: [['errors.malformedRef', /get with a ref without a scope must be refused/]],
  },
  {
    name: 'a malformed ref is refused with a ProviderError',
    decorate: (inner) => ({
      get: async (ref) => {
        if (!ref?.scope) throw new ProviderError('memory', 'bad ref', { retryable: false });
        return inner.get(ref);
      },
    }),
    fails: [
      [
        'errors.malformedRef',
        /must be refused with InvalidOptionsError; it rejected with ProviderError/,
      ],
    ],
  },
  {
    name: 'list without a scope lists every scope',
    decorate: (inner, infra) => ({
      list: async (selector) => (selector?.scope ? inner.list(selector) : infra.workers()),
    }),
    fails: [['errors.malformedSelector', /list with a selector without a scope must be refused/]],
  },
  {
    name: 'a negative grace period counts as zero',
    decorate: (inner) => ({
      remove: (ref, options) =>
        inner.remove(ref, {
          ...options,
          gracePeriodMs: Math.max(0, options?.gracePeriodMs ?? 0) || 0,
        }),
    }),
    fails: [['errors.badOptions', /remove with a negative grace period must be refused/]],
  },
  {
    name: 'a malformed tail returns every line',
    decorate: (inner) => ({
      logs: (ref, options) =>
        inner.logs!(
          ref,
          Number.isInteger(options?.tail) && (options?.tail ?? 0) >= 0 ? options : {},
        ),
    }),
    fails: [['errors.badOptions', /logs with a negative tail must be refused/]],
  },
  {
    name: 'transient failures are reported as not retryable',
    decorate: (inner) => ({
      list: async (selector) => {
        try {
          return await inner.list(selector);
        } catch (error) {
          throw new ProviderError('memory', String(error), { retryable: false });
        }
      },
    }),
    fails: [
      [
        'errors.transient',
        /list during a transient infrastructure fault must reject with a retryable ProviderError/,
      ],
    ],
  },
  {
    name: 'infrastructure failures escape as plain errors',
    decorate: (inner) => ({
      get: async (ref) => {
        try {
          return await inner.get(ref);
        } catch (error) {
          throw new Error(`GET failed: ${String(error)}`);
        }
      },
    }),
    fails: [['errors.transient', /get during a transient .* got Error: GET failed/]],
  },
  // ---- health and close
  {
    name: 'health reports unhealthy',
    decorate: () => ({ health: async () => ({ healthy: false, message: 'down' }) }),
    fails: [['health.healthy', /health: .*down/]],
  },
  {
    name: 'health says why in a number',
    decorate: (inner) => ({
      health: async () => ({ ...(await inner.health!()), message: 200 as unknown as string }),
    }),
    fails: [['health.healthy', /message, when given, is a string/]],
  },
  {
    name: 'health answers without asking the infrastructure',
    decorate: () => ({ health: async () => ({ healthy: true }) }),
    fails: [
      ['health.healthy', /without asking the infrastructure/],
      ['health.unhealthy', /health while the infrastructure fails/],
    ],
  },
  {
    name: 'health throws when the infrastructure fails',
    decorate: (inner) => ({
      health: async () => {
        const health = await inner.health!();
        if (!health.healthy)
          throw new ProviderError('memory', health.message ?? 'down', { retryable: true });
        return health;
      },
    }),
    fails: [['health.unhealthy', /it threw ProviderError/]],
  },
  {
    name: 'close does nothing',
    decorate: () => ({ close: async () => {} }),
    fails: [['close.calls', /after close must reject with ClosedError; it resolved/]],
  },
  {
    name: 'calls after close throw a plain Error',
    decorate: (inner) => {
      let closed = false;
      const guard =
        <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
        async (...args: A) => {
          if (closed) throw new Error('closed');
          return fn(...args);
        };
      return {
        create: guard(inner.create),
        get: guard(inner.get),
        list: guard(inner.list),
        close: async () => {
          closed = true;
        },
      };
    },
    fails: [
      [
        'close.calls',
        /create after close must reject with ClosedError; it rejected with Error: closed/,
      ],
    ],
  },
  {
    name: 'close does not end the open watches',
    decorate: (inner, infra) => {
      const other = createMemoryProvider({ infrastructure: infra, providerId: inner.providerId });
      return { watch: (selector, options) => other.watch!(selector, options) };
    },
    fails: [['close.watches', /did not end within .* of close\(\)/]],
  },
  {
    name: 'close removes the workers',
    decorate: (inner, infra) => ({
      close: async () => {
        await Promise.all(
          infra
            .workers()
            .map((w) =>
              inner.remove({ workerId: w.workerId, scope: scopeOf(w)! }, { gracePeriodMs: 0 }),
            ),
        );
        await inner.close!();
      },
    }),
    fails: [['close.leavesWorkers', /stay as they were did not hold/]],
  },
  // ---- other instances, native enforcement
  {
    name: 'an instance only knows the workers it created',
    decorate: (inner) => {
      const mine = new Set<string>();
      return {
        create: async (request, options) => {
          const record = await inner.create(request, options);
          mine.add(record.uid);
          return record;
        },
        list: async (selector) => (await inner.list(selector)).filter((r) => mine.has(r.uid)),
      };
    },
    fails: [['instance.adopt', /must exist/]],
  },
  {
    name: 'nativeDeadline declared, not enforced',
    decorate: () => ({ capabilities: { ...defaultMemoryCapabilities, nativeDeadline: true } }),
    fails: [['native.deadline', /timed out .* to finish \(its deadline/]],
  },
  {
    name: 'nativeTtl declared, not enforced',
    decorate: () => ({ capabilities: { ...defaultMemoryCapabilities, nativeTtl: true } }),
    fails: [['native.ttl', /to be removed by the infrastructure after its TTL/]],
  },
  // ---- owner leases and listScopes
  {
    name: 'leases are listed with twice their duration',
    decorate: (inner) => ({
      leases: {
        ...inner.leases!,
        list: async (selector) =>
          (await inner.leases!.list(selector)).map((l) => ({ ...l, durationMs: l.durationMs * 2 })),
      },
    }),
    fails: [['leases.hold', /durationMs is 4000/]],
  },
  {
    name: 'a renewal is ignored (only the first hold counts)',
    decorate: (inner) => {
      const held = new Set<string>();
      return {
        leases: {
          ...inner.leases!,
          hold: async (lease, options) => {
            const key = `${lease.scope}/${lease.owner}`;
            if (held.has(key)) return;
            held.add(key);
            await inner.leases!.hold(lease, options);
          },
        },
      };
    },
    fails: [['leases.renew', /was not alive/]],
  },
  {
    name: 'a lease is listed alive forever',
    decorate: (inner) => ({
      leases: {
        ...inner.leases!,
        list: async (selector) =>
          (await inner.leases!.list(selector)).map((l) => ({ ...l, alive: true })),
      },
    }),
    fails: [['leases.expire', /to be not alive within/]],
  },
  {
    name: "release ends every owner's lease of the scope",
    decorate: (inner) => ({
      leases: {
        ...inner.leases!,
        release: async (lease) => {
          for (const l of await inner.leases!.list({ scope: lease.scope })) {
            await inner.leases!.release({ scope: l.scope, owner: l.owner });
          }
        },
      },
    }),
    fails: [['leases.release', /ended .* as well/]],
  },
  {
    name: 'the leases of one scope list every scope',
    decorate: (inner) => ({
      leases: { ...inner.leases!, list: () => inner.leases!.list({}) },
    }),
    fails: [['leases.scopes', /of scope \S+, not the selected/]],
  },
  {
    name: 'malformed lease calls are accepted',
    decorate: (inner) => ({
      leases: {
        ...inner.leases!,
        hold: async (lease, options) => {
          await inner.leases!.hold(lease, options).catch(() => undefined);
        },
      },
    }),
    fails: [['leases.inputs', /hold with an empty owner was not refused/]],
  },
  {
    name: 'listScopes names only the scopes with leases',
    decorate: (inner) => ({
      listScopes: async () => [...new Set((await inner.leases!.list({})).map((l) => l.scope))],
    }),
    fails: [['listScopes.workers', /misses scope/]],
  },
];

/** A fresh memory provider (own infrastructure), optionally broken by a decorator, in every instance. */
export function createProviderUnderTest(decorate?: Decorate): ProviderUnderTest {
  const base = memoryProviderUnderTest({ providerId: 'memory-broken' });
  const { infrastructure } = base;
  const broken = (inner: ProviderV1): ProviderV1 =>
    decorate ? { ...inner, ...decorate(inner, infrastructure) } : inner;
  return {
    ...base,
    provider: broken(base.provider),
    anotherInstance: () =>
      broken(createMemoryProvider({ infrastructure, providerId: 'memory-broken' })),
  };
}

/** Providers that break what the manager relies on: the lifecycle conformance suite fails them. */
export const brokenForLifecycle: readonly BrokenProvider[] = [
  {
    name: 'a completed worker loses its exit code',
    decorate: (inner) => mapRecord(inner, (r) => (finished(r) ? { ...r, exitCode: undefined } : r)),
    fails: [['lifecycle.completion', /the exit code of a worker that completed/]],
  },
  {
    name: 'remove does nothing',
    decorate: () => ({ remove: async () => {} }),
    fails: [
      ['lifecycle.maxLifetime', /WorkerEphemeralCleanedUp/],
      ['lifecycle.completion', /WorkerEphemeralCleanedUp/],
    ],
  },
  {
    name: 'ready means running (the health check is ignored)',
    decorate: (inner) => mapRecord(inner, (r) => ({ ...r, ready: r.phase === 'running' })),
    fails: [['lifecycle.startupTimeout', /WorkerEphemeralTerminating/]],
  },
  {
    name: 'removed workers linger as tombstones',
    decorate: (inner) => {
      const seen = new Map<string, WorkerRecordV1>();
      const remember = (r: WorkerRecordV1) => {
        seen.set(`${scopeOf(r)}/${r.workerId}`, r);
        return r;
      };
      return {
        get: async (ref) =>
          (await inner.get(ref).then((r) => r && remember(r))) ??
          seen.get(`${ref.scope}/${ref.workerId}`),
        list: async (selector) => {
          const live = (await inner.list(selector)).map(remember);
          const gone = [...seen.values()].filter(
            (r) => scopeOf(r) === selector.scope && !live.some((l) => l.uid === r.uid),
          );
          return [...live, ...gone];
        },
        watch: (selector, options) =>
          mapObservations(inner, selector, options, (o) =>
            o.type === 'removed' ? [] : [{ ...o, worker: remember(o.worker) }],
          ),
      };
    },
    fails: [['lifecycle.lostWorker', /OrphanWorkerDetected/]],
  },
  {
    name: 'list loses the expiry annotation',
    decorate: (inner) =>
      mapRecord(
        inner,
        (r) => ({
          ...r,
          annotations: without(r.annotations, (k) => k === OwnershipKeys.expiresAt),
        }),
        { list: true, watch: true },
      ),
    fails: [['lifecycle.adoption', /OrphanWorkerDetected/]],
  },
  {
    name: 'the TTL read back is 0, not the one stamped',
    decorate: (inner) =>
      mapRecord(inner, (r) =>
        r.annotations[OwnershipKeys.ttlAfterFinished] === undefined
          ? r
          : { ...r, annotations: { ...r.annotations, [OwnershipKeys.ttlAfterFinished]: '0' } },
      ),
    fails: [['lifecycle.adoption', /before its stamped TTL/]],
  },
  {
    name: 'remove finds a worker in any scope',
    decorate: (inner, infra) => ({
      remove: async (ref, options) => {
        const anywhere = infra.workers().find((w) => w.workerId === ref.workerId);
        return inner.remove({ ...ref, scope: anywhere ? scopeOf(anywhere)! : ref.scope }, options);
      },
    }),
    // It removes the foreign worker of the same id instead of the manager's own.
    fails: [['lifecycle.foreignScope', /waited .* for WorkerEphemeralCleanedUp/]],
  },
];
