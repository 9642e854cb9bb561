/**
 * One table of misuses, run against every provider of the project: the memory provider (the
 * testkit's), the process provider (the example), Docker (the real engine) and Kubernetes (the
 * real API server, under the shipped Role). The same misuse must give the same outcome on each:
 * the same error class and `retryable` flag, or success. A provider built on the kit gets this
 * for free; the test shows it, and shows where a provider written by hand (memory) agrees.
 *
 * Docker and Kubernetes are required: without them the test fails, it never skips.
 */
import { createProcessProvider, ProcessHost } from '@hodei/example-custom-provider';
import {
  CancelledError,
  ClosedError,
  InvalidOptionsError,
  InvalidSpecError,
  LifecycleError,
  type Ownership,
  ProviderError,
  type ProviderV1,
  WorkerNotFoundError,
  type WorkerSpec,
} from '@hodei/lifecycle-core';
import { createDockerProvider } from '@hodei/lifecycle-provider-docker';
import { createMemoryProvider } from '@hodei/lifecycle-testkit';
import { afterAll, describe, expect, test } from 'vitest';
import {
  createWorkerNamespace,
  deleteNamespace,
  providerFor,
  type WorkerNamespace,
} from '../../../packages/provider-kubernetes/test/support.ts';

const scope = `parity-${process.pid}`;
const unknown = { workerId: 'never-created', scope };
const ownership = (workerId = 'w-parity'): Ownership => ({
  scope,
  workerId,
  providerId: 'parity',
  owner: 'parity-test',
  expiresAt: undefined,
  ttlAfterFinishedSeconds: undefined,
});
/** The spec of the provider under test, one it can run (set by each test). */
let validSpec: WorkerSpec = { image: 'busybox:1.36' };

/** What a call came to: an error class and its retryable flag, or 'ok'. */
type Outcome = 'ok' | `${string} (retryable: ${boolean})`;

const classes = [
  InvalidSpecError,
  InvalidOptionsError,
  CancelledError,
  ClosedError,
  WorkerNotFoundError,
  ProviderError,
] as const;

async function outcomeOf(call: () => unknown): Promise<Outcome> {
  try {
    const result = call();
    // A watch: its misuse may surface on the first step of the iteration.
    if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
      const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      const step = iterator.next();
      const settled = await Promise.race([
        step.then(() => 'next'),
        new Promise((resolve) => setTimeout(resolve, 200, 'pending')),
      ]);
      void iterator.return?.();
      if (settled === 'pending') return 'ok';
    }
    await result;
    return 'ok';
  } catch (error) {
    const match = classes.find((c) => c.isInstance(error));
    const name =
      match?.name ?? (LifecycleError.isInstance(error) ? error.name : 'not a LifecycleError');
    const retryable = LifecycleError.isInstance(error) ? error.retryable : false;
    return `${name} (retryable: ${retryable})`;
  }
}

const refused = (error: { name: string }): Outcome => `${error.name} (retryable: false)`;

/** The misuses, and what every provider must answer. */
const misuses: ReadonlyArray<{
  readonly name: string;
  readonly expected: Outcome;
  readonly call: (p: ProviderV1) => unknown;
}> = [
  {
    name: 'get with a worker id that is no DNS label',
    expected: refused(InvalidOptionsError),
    call: (p) => p.get({ workerId: 'Not_A_Worker', scope }),
  },
  {
    name: 'get without a scope',
    expected: refused(InvalidOptionsError),
    call: (p) => p.get({ workerId: 'w-1', scope: '' }),
  },
  {
    name: 'get with an empty uid',
    expected: refused(InvalidOptionsError),
    call: (p) => p.get({ workerId: 'w-1', scope, uid: '' }),
  },
  {
    name: 'get of a worker that does not exist',
    expected: 'ok',
    call: (p) => p.get(unknown),
  },
  {
    name: 'list without a scope',
    expected: refused(InvalidOptionsError),
    call: (p) => p.list({} as never),
  },
  {
    name: 'list with a scope that is no label value',
    expected: refused(InvalidOptionsError),
    call: (p) => p.list({ scope: 'not a scope!' }),
  },
  {
    name: 'list with a label contradicting the scope',
    expected: refused(InvalidOptionsError),
    call: (p) => p.list({ scope, labels: { 'hodei.io/managed-by': 'someone-else' } }),
  },
  {
    name: 'remove with a negative grace period',
    expected: refused(InvalidOptionsError),
    call: (p) => p.remove(unknown, { gracePeriodMs: -1 }),
  },
  {
    name: 'remove with an aborted signal',
    expected: refused(CancelledError),
    call: (p) => p.remove(unknown, { signal: AbortSignal.abort() }),
  },
  {
    name: 'remove of a worker that does not exist',
    expected: 'ok',
    call: (p) => p.remove(unknown, { gracePeriodMs: 0 }),
  },
  {
    name: 'stop of a worker that does not exist',
    expected: refused(WorkerNotFoundError),
    call: (p) => p.stop?.(unknown, { gracePeriodMs: 0 }),
  },
  {
    name: 'logs of a worker that does not exist',
    expected: refused(WorkerNotFoundError),
    call: (p) => p.logs?.(unknown),
  },
  {
    name: 'logs with a negative tail',
    expected: refused(InvalidOptionsError),
    call: (p) => p.logs?.(unknown, { tail: -1 }),
  },
  {
    name: 'create with an invalid spec',
    expected: refused(InvalidSpecError),
    call: (p) => p.create({ spec: { image: '', labels: { team: 'a b' } }, ownership: ownership() }),
  },
  {
    name: 'create with an already aborted signal',
    expected: refused(CancelledError),
    call: (p) =>
      p.create({ spec: validSpec, ownership: ownership() }, { signal: AbortSignal.abort() }),
  },
  {
    name: 'create with a worker id that is no DNS label',
    expected: refused(InvalidOptionsError),
    call: (p) => p.create({ spec: validSpec, ownership: ownership('Bad_Id') }),
  },
  {
    name: 'watch without a signal',
    expected: refused(InvalidOptionsError),
    call: (p) => p.watch?.({ scope }, {} as never),
  },
  {
    name: 'watch without a scope',
    expected: refused(InvalidOptionsError),
    call: (p) => p.watch?.({ scope: '' }, { signal: new AbortController().signal }),
  },
];

/** After close: every call is a ClosedError that is not retryable. */
const afterClose: ReadonlyArray<{
  readonly name: string;
  readonly call: (p: ProviderV1) => unknown;
}> = [
  { name: 'get', call: (p) => p.get(unknown) },
  { name: 'list', call: (p) => p.list({ scope }) },
  { name: 'create', call: (p) => p.create({ spec: validSpec, ownership: ownership() }) },
  { name: 'remove', call: (p) => p.remove(unknown) },
  { name: 'stop', call: (p) => p.stop?.(unknown) },
  { name: 'logs', call: (p) => p.logs?.(unknown) },
  { name: 'health', call: (p) => p.health?.() },
  { name: 'watch', call: (p) => p.watch?.({ scope }, { signal: new AbortController().signal }) },
];

let namespace: Promise<WorkerNamespace> | undefined;
afterAll(async () => {
  if (namespace) await deleteNamespace((await namespace).namespace);
});

const containerSpec: WorkerSpec = { image: 'busybox:1.36', command: ['sleep', '60'] };
const providers: ReadonlyArray<{
  readonly name: string;
  /** A spec this provider can run (the process provider runs no images). */
  readonly spec: WorkerSpec;
  readonly make: () => Promise<ProviderV1>;
}> = [
  {
    name: 'memory',
    spec: containerSpec,
    make: async () => createMemoryProvider({ providerId: 'parity-memory' }),
  },
  {
    name: 'process',
    spec: { image: 'local/process', command: ['sleep', '60'] },
    make: async () =>
      createProcessProvider({ host: new ProcessHost(), providerId: 'parity-process' }),
  },
  {
    name: 'docker',
    spec: containerSpec,
    make: async () => createDockerProvider({ providerId: 'parity-docker' }),
  },
  {
    name: 'kubernetes',
    spec: containerSpec,
    make: async () => {
      namespace ??= createWorkerNamespace('parity');
      return providerFor(await namespace, { providerId: 'parity-kubernetes' }).provider;
    },
  },
];

/** Every provider's outcome of every misuse, for the comparison at the end. */
const seen = new Map<string, Map<string, Outcome>>();

describe.each(providers)('$name provider', ({ name, spec, make }) => {
  test.each(misuses)('$name', async (misuse) => {
    validSpec = spec;
    const provider = await make();
    try {
      const outcome = await outcomeOf(() => misuse.call(provider));
      const row = seen.get(misuse.name) ?? new Map<string, Outcome>();
      row.set(name, outcome);
      seen.set(misuse.name, row);
      expect(outcome).toBe(misuse.expected);
    } finally {
      await provider.close?.();
    }
  });

  test('after close, every call is a ClosedError that is not retryable', async () => {
    validSpec = spec;
    const provider = await make();
    await provider.close?.();
    for (const { name: call, call: run } of afterClose) {
      expect(await outcomeOf(() => run(provider)), call).toBe(refused(ClosedError));
    }
  });
});

test('every provider answered every misuse the same way', () => {
  for (const [misuse, row] of seen) {
    expect([...row.keys()].sort(), misuse).toEqual(providers.map((p) => p.name).sort());
    expect(
      new Set(row.values()).size,
      `${misuse}: ${JSON.stringify(Object.fromEntries(row))}`,
    ).toBe(1);
  }
});
