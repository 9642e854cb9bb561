/**
 * Providers that each break one promise of the contract: decorators over a working memory
 * provider. The suite must fail each of them on the test of that promise.
 */
import {
  CancelledError,
  InvalidSpecError,
  OwnershipKeys,
  type ProviderCapabilitiesV1,
  type ProviderV1,
  WorkerNotFoundError,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core';
import { invalidSpecTestName, providerContractTest as t } from '../src/contract/index.js';
import {
  createMemoryInfrastructure,
  createMemoryProvider,
  defaultMemoryCapabilities,
  type MemoryInfrastructure,
} from '../src/memory/index.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Decorate = (
  inner: ProviderV1,
  infrastructure: MemoryInfrastructure,
) => Partial<Mutable<ProviderV1>>;

export interface BrokenProvider {
  /** What it breaks. */
  readonly name: string;
  readonly decorate: Decorate;
  /** The tests that must fail, and why (a pattern of the failure message). */
  readonly fails: readonly (readonly [testName: string, why: RegExp])[];
  /** What the suite is told the provider declares; default: the memory defaults. */
  readonly declared?: ProviderCapabilitiesV1;
}

/** Rewrites every record the provider returns. */
const mapRecord = (
  inner: ProviderV1,
  change: (record: WorkerRecordV1) => WorkerRecordV1,
): Partial<Mutable<ProviderV1>> => ({
  create: async (request, options) => change(await inner.create(request, options)),
  get: async (ref) => {
    const record = await inner.get(ref);
    return record && change(record);
  },
  list: async (selector) => (await inner.list(selector)).map(change),
});

const without = (map: Readonly<Record<string, string>>, drop: (key: string) => boolean) =>
  Object.fromEntries(Object.entries(map).filter(([key]) => !drop(key)));

const scopeOf = (record: WorkerRecordV1) => record.labels[OwnershipKeys.managedBy];

const invalidNames = [
  'empty image',
  'bad image reference',
  'reserved hodei.io/ label',
  'invalid label value',
  'memory below the minimum',
  'unknown spec field',
  'fixture negative startup delay',
].map(invalidSpecTestName);

export const brokenProviders: readonly BrokenProvider[] = [
  {
    name: 'list leaks a foreign scope',
    decorate: (inner, infra) => ({
      list: async (selector) => {
        const own = await inner.list(selector);
        return [...own, ...infra.workers().filter((w) => scopeOf(w) !== selector.scope)];
      },
    }),
    fails: [
      [t.listExact, /list of a scope with one worker/],
      [t.foreignScope, /list showed a worker of another scope/],
    ],
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
    fails: [[t.listExact, /must be one call|list of 5 workers made 6 calls/]],
  },
  {
    name: 'remove is not idempotent',
    decorate: (inner) => ({
      remove: async (ref, options) => {
        if ((await inner.get(ref)) === undefined) throw new WorkerNotFoundError(ref.workerId);
        return inner.remove(ref, options);
      },
    }),
    fails: [[t.removeIdempotent, /not found/]],
  },
  {
    name: 'remove ignores the uid precondition',
    decorate: (inner) => ({
      remove: (ref, options) => inner.remove({ workerId: ref.workerId, scope: ref.scope }, options),
    }),
    fails: [[t.removeStaleUid, /stale uid/]],
  },
  {
    name: 'remove does nothing',
    decorate: () => ({ remove: async () => {} }),
    fails: [[t.removeRemoves, /timed out .* waiting for worker .* to be gone from get/]],
  },
  {
    name: 'remove ignores the scope',
    decorate: (inner, infra) => ({
      remove: async (ref, options) => {
        const anywhere = infra.workers().find((w) => w.workerId === ref.workerId);
        const scope = anywhere ? (scopeOf(anywhere) ?? ref.scope) : ref.scope;
        return inner.remove({ ...ref, scope }, options);
      },
    }),
    fails: [[t.foreignScope, /the foreign worker was removed through another scope/]],
  },
  {
    name: 'create ignores the abort signal',
    decorate: (inner) => ({ create: (request) => inner.create(request) }),
    fails: [
      [t.abortedBefore, /must reject with CancelledError; it resolved/],
      [t.abortedDuring, /must reject with CancelledError/],
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
    fails: [[t.abortedDuring, /timed out .* waiting for the scope to be empty/]],
  },
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
    fails: invalidNames.map(
      (name) => [name, /must reject with InvalidSpecError; it resolved/] as const,
    ),
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
      ...invalidNames.map((name) => [name, /made 1 infrastructure call/] as const),
      [t.abortedBefore, /made 1 infrastructure call/],
    ],
  },
  {
    name: 'create drops an ownership label',
    decorate: (inner) =>
      mapRecord(inner, (r) => ({
        ...r,
        labels: without(r.labels, (k) => k === OwnershipKeys.owner),
      })),
    fails: [[t.createStamps, /ownership label hodei\.io\/owner/]],
  },
  {
    name: 'create drops the expiry annotation',
    decorate: (inner) =>
      mapRecord(inner, (r) => ({
        ...r,
        annotations: without(r.annotations, (k) => k === OwnershipKeys.expiresAt),
      })),
    fails: [[t.createStamps, /does not round-trip/]],
  },
  {
    name: 'create drops user labels and annotations',
    decorate: (inner) =>
      mapRecord(inner, (r) => ({
        ...r,
        labels: without(r.labels, (k) => !k.startsWith('hodei.io/')),
        annotations: without(r.annotations, (k) => !k.startsWith('hodei.io/')),
      })),
    fails: [[t.createKeepsUserLabels, /user label team/]],
  },
  {
    name: "get returns another scope's worker",
    decorate: (_inner, infra) => ({
      get: async (ref) => infra.workers().find((w) => w.workerId === ref.workerId),
    }),
    fails: [
      [t.getOtherScope, /get under another scope returned/],
      [t.foreignScope, /get returned a worker of another scope/],
    ],
  },
  {
    name: 'get of an unknown id returns some worker',
    decorate: (inner) => ({
      get: async (ref) => (await inner.get(ref)) ?? (await inner.list({ scope: ref.scope }))[0],
    }),
    fails: [[t.getUnknown, /get of an unknown id returned/]],
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
    fails: [[t.duplicate, /must be refused/]],
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
    fails: [[t.duplicate, /not a retryable failure/]],
  },
  {
    name: 'stop removes the record',
    decorate: (inner) => ({ stop: (ref, options) => inner.remove(ref, options) }),
    fails: [[t.stop, /disappeared while waiting for it to finish/]],
  },
  {
    name: 'workers never become ready',
    decorate: (inner) => mapRecord(inner, (r) => ({ ...r, ready: false })),
    fails: [[t.ready, /timed out .* running and ready/]],
  },
  {
    name: 'a failed worker loses its exit code',
    decorate: (inner) =>
      mapRecord(inner, (r) => (r.phase === 'failed' ? { ...r, exitCode: undefined } : r)),
    fails: [[t.failed, /the exit code is kept/]],
  },
  {
    name: 'a failed worker is reported succeeded',
    decorate: (inner) =>
      mapRecord(inner, (r) => (r.phase === 'failed' ? { ...r, phase: 'succeeded' } : r)),
    fails: [[t.failed, /phase after exit 7/]],
  },
  {
    name: 'a finished worker disappears before remove',
    decorate: (inner) => ({
      get: async (ref) => {
        const record = await inner.get(ref);
        return record?.phase === 'succeeded' || record?.phase === 'failed' ? undefined : record;
      },
    }),
    fails: [
      [t.succeeded, /disappeared while waiting for it to finish/],
      [t.failed, /disappeared while waiting for it to finish/],
    ],
  },
  {
    name: 'watch misses the removal',
    decorate: (inner) => ({
      watch: (selector, options) => ({
        async *[Symbol.asyncIterator]() {
          for await (const o of inner.watch!(selector, options)) if (o.type !== 'removed') yield o;
        },
      }),
    }),
    fails: [[t.watch, /timed out .* waiting for a removed observation/]],
  },
  {
    name: 'watch never ends',
    decorate: (inner) => ({
      watch: (selector) => inner.watch!(selector, { signal: new AbortController().signal }),
    }),
    fails: [[t.watch, /did not end within/]],
  },
  {
    name: 'watch fails',
    decorate: () => ({
      watch: () => ({
        // biome-ignore lint/correctness/useYield: a stream that fails before its first item.
        async *[Symbol.asyncIterator]() {
          throw new Error('connection refused');
        },
      }),
    }),
    fails: [[t.watch, /the watch stream failed: Error: connection refused/]],
  },
  {
    name: 'logs ignore tail',
    decorate: (inner) => ({ logs: (ref) => inner.logs!(ref) }),
    fails: [[t.logs, /tail: 1/]],
  },
  {
    name: 'health reports unhealthy',
    decorate: () => ({ health: async () => ({ healthy: false, message: 'down' }) }),
    fails: [[t.health, /health: .*down/]],
  },
  {
    name: 'capabilities lie (stop declared false, stop() present)',
    decorate: () => ({ capabilities: { ...defaultMemoryCapabilities, stop: false } }),
    declared: { ...defaultMemoryCapabilities, stop: false },
    fails: [[t.capabilities, /breaks contract v1: .*capabilities\.stop/s]],
  },
  {
    name: 'capabilities differ from what the suite was told',
    decorate: () => ({ capabilities: { ...defaultMemoryCapabilities, nativeTtl: true } }),
    fails: [[t.capabilities, /differs from the capabilities given to the suite/]],
  },
];

/** A fresh memory provider (own infrastructure), optionally broken by a decorator. */
export function createProviderUnderTest(decorate?: Decorate) {
  const infrastructure = createMemoryInfrastructure();
  const inner = createMemoryProvider({ infrastructure, providerId: 'memory-broken' });
  const provider: ProviderV1 = decorate ? { ...inner, ...decorate(inner, infrastructure) } : inner;
  return {
    provider,
    countCalls: () => infrastructure.calls.total,
    cleanup: () => inner.close(),
  };
}
