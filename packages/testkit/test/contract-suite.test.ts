import { InvalidOptionsError, type ProviderCapabilitiesV1 } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import {
  fixtureInvalidSpecTestId,
  type ProviderContractSuiteOptions,
  type ProviderUnderTest,
  providerContractTest,
  providerContractTests,
  runProviderContractSuite,
} from '../src/contract/index.js';
import {
  createMemoryInfrastructure,
  createMemoryProvider,
  defaultMemoryCapabilities,
  memoryContractFixtures,
  memoryProviderUnderTest,
} from '../src/memory/index.js';
import { brokenProviders, createProviderUnderTest, type Decorate } from './broken-providers.js';

const image = 'busybox:1.36';
const fixtures: ProviderContractSuiteOptions['fixtures'] = {
  ...memoryContractFixtures,
  // Not ready for 600 ms: enough for the suite's half-second check, and quick.
  startsSlowly: { image, extensions: { memory: { startupDelayMs: 200, readyAfterMs: 400 } } },
};

/** Short bounds: a broken provider fails fast, a working one answers in microseconds. */
const timeouts = {
  readyMs: 300,
  completeMs: 300,
  removeMs: 300,
  gracePeriodMs: 100,
  longGracePeriodMs: 400,
  stableMs: 60,
  pollIntervalMs: 2,
};

type Run = (context?: unknown) => Promise<void>;
type Registered = Map<string, Run>;

/** Runs the suite with a `test` that only collects, so single tests can be run by id. */
function collect(
  overrides: Partial<ProviderContractSuiteOptions> = {},
  decorate?: Decorate,
): Registered {
  const byName = new Map<string, Run>();
  const { tests } = runProviderContractSuite({
    test: (name, fn) => void byName.set(name, fn),
    createProvider: async () => createProviderUnderTest(decorate),
    fixtures,
    timeouts,
    report: false,
    ...overrides,
  });
  return new Map(tests.map(({ id, name }) => [id, byName.get(name)!]));
}

function registeredTest(tests: Registered, id: string): Run {
  const fn = tests.get(id);
  if (!fn) throw new Error(`the suite registered no test with id "${id}"`);
  return fn;
}

describe('the contract suite fails a provider that breaks a promise', () => {
  for (const broken of brokenProviders) {
    describe(broken.name, () => {
      for (const [id, why] of broken.fails) {
        test(`fails ${id}`, async () => {
          const tests = collect(
            broken.declared ? { capabilities: broken.declared } : {},
            broken.decorate,
          );
          await expect(registeredTest(tests, id)()).rejects.toThrow(why);
        });
      }
    });
  }
});

describe('control: the same tests pass on the unbroken memory provider', () => {
  const targeted = [...new Set(brokenProviders.flatMap((b) => b.fails.map(([id]) => id)))];
  test('every test of the suite is targeted by at least one broken provider', () => {
    const untargeted = [...collect().keys()].filter((id) => !targeted.includes(id));
    expect(untargeted).toEqual([]);
  });
  test('every broken provider targets a test the suite registers', () => {
    const registered = [...collect().keys()];
    expect(targeted.filter((id) => !registered.includes(id))).toEqual([]);
  });
  for (const id of targeted) {
    test(id, async () => {
      await expect(registeredTest(collect(), id)()).resolves.toBeUndefined();
    });
  }
});

/** A memory provider the suite does not recognise as one: it brings nothing of its own. */
function foreignProvider(): ProviderUnderTest {
  const memory = createMemoryProvider({ infrastructure: createMemoryInfrastructure() });
  const { infrastructure: _hidden, ...rest } = memory;
  return { provider: { ...rest, type: 'fake' }, cleanup: () => memory.close() };
}

describe('runProviderContractSuite', () => {
  test('registers every test for a provider that can do everything, fixture specs included, each under "<id>: <promise>"', () => {
    const names: string[] = [];
    const { tests, skipped } = runProviderContractSuite({
      test: (name) => void names.push(name),
      createProvider: async () => memoryProviderUnderTest(),
      fixtures,
      report: false,
    });
    expect(skipped).toEqual([]);
    expect(names).toEqual(tests.map((t) => t.name));
    const ids = tests.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        ...providerContractTests.map((t) => t.id),
        fixtureInvalidSpecTestId('negative startup delay'),
        fixtureInvalidSpecTestId('unknown memory field'),
      ]),
    );
    expect(ids.length).toBe(providerContractTests.length + 2);
    for (const t of providerContractTests) {
      expect(t.name).toBe(`${t.id}: ${t.promise}`);
      expect(providerContractTest[t.id]).toBe(t.name);
    }
  });

  test('capabilities given as false are not registered, and say why', () => {
    const capabilities: ProviderCapabilitiesV1 = {
      ...defaultMemoryCapabilities,
      stop: false,
      watch: false,
    };
    const reports: string[] = [];
    const { tests, skipped } = runProviderContractSuite({
      test: () => {},
      createProvider: async () => memoryProviderUnderTest({ capabilities }),
      capabilities,
      fixtures,
      report: (message) => reports.push(message),
    });
    const ids = tests.map((t) => t.id);
    for (const id of ['stop.keeps', 'stop.grace', 'watch.changes', 'close.watches', 'native.ttl']) {
      expect(ids).not.toContain(id);
      expect(skipped.find((s) => s.id === id)?.reason).toMatch(/declare \w+: false/);
    }
    expect(ids).toContain('remove.staleUid');
    expect(reports.join('\n')).toContain(
      'stop.keeps: the capabilities given to the suite declare stop: false',
    );
  });

  test('without the capabilities option, tests of what the provider lacks skip themselves through the runner, saying why', async () => {
    const capabilities = { ...defaultMemoryCapabilities, watch: false, logs: false };
    const reports: string[] = [];
    const tests = collect({
      createProvider: async () => memoryProviderUnderTest({ capabilities }),
      report: (message) => reports.push(message),
    });
    const skips: string[] = [];
    const runnerContext = { skip: (reason: string) => void skips.push(reason) };
    await registeredTest(tests, 'watch.changes')(runnerContext);
    await registeredTest(tests, 'logs.tail')(runnerContext);
    // Without a runner context (jest) the test passes and the report is what tells.
    await registeredTest(tests, 'watch.ends')();
    expect(skips).toEqual([
      'the provider declares watch: false',
      'the provider declares logs: false',
    ]);
    expect(reports).toEqual([
      'provider contract suite: skipped watch.changes: the provider declares watch: false',
      'provider contract suite: skipped logs.tail: the provider declares logs: false',
      'provider contract suite: skipped watch.ends: the provider declares watch: false',
    ]);
  });

  test('fixtures a provider cannot express leave their tests out, saying why', () => {
    const reports: string[] = [];
    const { tests, skipped } = runProviderContractSuite({
      test: () => {},
      createProvider: async () => memoryProviderUnderTest(),
      fixtures: {
        longRunning: fixtures.longRunning,
        completes: fixtures.completes,
        withLogs: memoryContractFixtures.withLogs,
        ignoresSigterm: { unsupported: 'kwok runs no processes' },
      },
      report: (message) => reports.push(message),
    });
    const reasons = Object.fromEntries(skipped.map((s) => [s.id, s.reason]));
    expect(reasons).toEqual({
      'spec.everyProblemWithProvider':
        'fixtures.invalidSpecs is empty: the provider has no refusals of its own to check',
      'remove.grace': 'the provider cannot express fixtures.ignoresSigterm: kwok runs no processes',
      'remove.signal':
        'the provider cannot express fixtures.ignoresSigterm: kwok runs no processes',
      'stop.grace': 'the provider cannot express fixtures.ignoresSigterm: kwok runs no processes',
      'watch.removal':
        'the provider cannot express fixtures.ignoresSigterm: kwok runs no processes',
    });
    const ids = tests.map((t) => t.id);
    expect(ids).not.toContain('remove.grace');
    // Left out (not marked unsupported), they may still come from the provider: registered.
    expect(ids).toEqual(expect.arrayContaining(['ready.slow', 'ready.never']));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/5 test\(s\) not registered/);
  });

  test('a fixture left out skips its test at run time, unless the provider is a memory provider, which brings its own', async () => {
    const given = { longRunning: fixtures.longRunning, completes: fixtures.completes };
    const skips: string[] = [];
    const runnerContext = { skip: (reason: string) => void skips.push(reason) };
    const foreign = collect({ createProvider: async () => foreignProvider(), fixtures: given });
    await registeredTest(foreign, 'ready.never')(runnerContext);
    await registeredTest(foreign, 'stop.grace')(runnerContext);
    expect(skips).toEqual([
      'fixtures.neverReady is not given',
      'fixtures.ignoresSigterm is not given',
    ]);
    // A memory provider, or a wrapper keeping its infrastructure, fills in the fixtures, the
    // call counter, the faults and another instance.
    const wrapped = collect({
      createProvider: async () => {
        const memory = createMemoryProvider();
        return { provider: { ...memory, get: (ref) => memory.get(ref) } };
      },
      fixtures: given,
    });
    for (const id of [
      'ready.never',
      'stop.grace',
      'list.oneCall',
      'errors.transient',
      'instance.adopt',
    ]) {
      await registeredTest(wrapped, id)(runnerContext);
    }
    expect(skips).toHaveLength(2);
  });
  test('without countCalls, faults or anotherInstance, the tests that need them skip, and the report says which call checks are off', async () => {
    const reports: string[] = [];
    const tests = collect({
      createProvider: async () => foreignProvider(),
      report: (message) => reports.push(message),
    });
    const skips: string[] = [];
    const runnerContext = { skip: (reason: string) => void skips.push(reason) };
    for (const id of ['list.oneCall', 'errors.transient', 'watch.dropped', 'instance.adopt']) {
      await registeredTest(tests, id)(runnerContext);
    }
    await registeredTest(tests, 'spec.invalid.empty-image')(runnerContext);
    await registeredTest(tests, 'create.abortedBefore')(runnerContext);
    expect(skips).toEqual([
      'createProvider returned no countCalls',
      'createProvider returned no faults.failNext',
      'createProvider returned no faults.dropWatches',
      'createProvider returned no anotherInstance',
    ]);
    const noCounter = reports.filter((r) => r.includes('returned no countCalls, so these checks'));
    expect(noCounter).toHaveLength(1);
  });

  test('only registers the tests selected by id or prefix, also from HODEI_CONTRACT_ONLY', () => {
    const ids = (only?: string[]) =>
      runProviderContractSuite({
        test: () => {},
        createProvider: async () => memoryProviderUnderTest(),
        fixtures,
        report: false,
        ...(only ? { only } : {}),
      }).tests.map((t) => t.id);
    expect(ids(['remove.gone'])).toEqual(['remove.gone']);
    expect(ids(['watch.'])).toEqual([
      'watch.initial',
      'watch.changes',
      'watch.removal',
      'watch.labels',
      'watch.ends',
      'watch.dropped',
    ]);
    expect(ids(['watch.*', 'logs'])).toEqual(expect.arrayContaining(['watch.ends', 'logs.tail']));
    expect(ids(['spec.invalid'])).toHaveLength(15);
    const saved = process.env.HODEI_CONTRACT_ONLY;
    process.env.HODEI_CONTRACT_ONLY = 'close., get.unknown';
    try {
      expect(ids()).toEqual(['get.unknown', 'close.calls', 'close.watches', 'close.leavesWorkers']);
      expect(ids(['remove.gone'])).toEqual(['remove.gone']); // the option wins
    } finally {
      if (saved === undefined) delete process.env.HODEI_CONTRACT_ONLY;
      else process.env.HODEI_CONTRACT_ONLY = saved;
    }
  });

  test('passes a provider without optional parts: what it lacks skips, the rest passes', async () => {
    const capabilities: ProviderCapabilitiesV1 = {
      ...defaultMemoryCapabilities,
      stop: false,
      watch: false,
      logs: false,
      health: false,
      leases: false,
      listScopes: false,
    };
    const tests = collect({
      createProvider: async () => memoryProviderUnderTest({ capabilities }),
    });
    const skips: string[] = [];
    for (const fn of tests.values())
      await fn({ skip: (reason: string) => void skips.push(reason) });
    expect(tests.size).toBeGreaterThan(40);
    expect(new Set(skips)).toEqual(
      new Set([
        'the provider declares stop: false',
        'the provider declares watch: false',
        'the provider declares logs: false',
        'the provider declares health: false',
        'the provider declares nativeDeadline: false',
        'the provider declares nativeTtl: false',
        'the provider declares leases: false',
        'the provider declares listScopes: false',
      ]),
    );
  });
  test('groups the tests under describe, and hands the runner a timeout beyond its own', () => {
    const groups: string[] = [];
    const timeoutsSeen = new Set<number | undefined>();
    runProviderContractSuite({
      describe: (name, fn) => {
        groups.push(name);
        fn();
      },
      test: (_name, _fn, timeoutMs) => void timeoutsSeen.add(timeoutMs),
      createProvider: async () => createProviderUnderTest(),
      fixtures,
      timeouts: { removeMs: 1_000 },
      testTimeoutMs: 1234,
      report: false,
    });
    expect(groups).toEqual(['provider contract v1']);
    expect([...timeoutsSeen]).toEqual([1234 + 1_000 + 10_000]);
  });

  test('fails a test that hangs at its own timeout, so a runner without one (node:test) cannot hang', async () => {
    const tests = collect({
      testTimeoutMs: 50,
      createProvider: async () =>
        createProviderUnderTest(() => ({ get: () => new Promise(() => {}) })),
    });
    await expect(registeredTest(tests, 'get.unknown')()).rejects.toThrow(
      /timed out after 50 ms: test get\.unknown/,
    );
  });

  test('leaves no timer behind once a test has ended (node:test would wait for it)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const tests = collect({ timeouts: { ...timeouts, removeMs: 600_000, readyMs: 600_000 } });
    const before = timers();
    for (const id of ['watch.ends', 'watch.changes', 'remove.grace', 'close.watches']) {
      await registeredTest(tests, id)();
    }
    expect(timers()).toBeLessThanOrEqual(before);
  });

  test('expectedFailures turns a known failure around, and fails once the check passes', async () => {
    const reports: string[] = [];
    const expectedFailures = { 'logs.tail': 'tail is ignored', 'get.unknown': 'stale entry' };
    const tests = collect(
      { expectedFailures, report: (message) => reports.push(message) },
      (inner) => ({ logs: (ref) => inner.logs!(ref) }),
    );
    await expect(registeredTest(tests, 'logs.tail')()).resolves.toBeUndefined();
    await expect(registeredTest(tests, 'get.unknown')()).rejects.toThrow(
      /get\.unknown passes now, though expectedFailures says it fails \(stale entry\): remove it/,
    );
    expect(reports[0]).toBe(
      'provider contract suite: 2 test(s) expected to fail:\n  - logs.tail: tail is ignored\n  - get.unknown: stale entry',
    );
  });

  test('a provider declaring logs without a withLogs fixture fails the logs tests, saying why', async () => {
    const tests = collect({
      createProvider: async () => foreignProvider(),
      fixtures: { longRunning: fixtures.longRunning, completes: fixtures.completes },
    });
    await expect(registeredTest(tests, 'logs.tail')()).rejects.toThrow(
      /fixtures\.withLogs is required/,
    );
  });
  test('cleanup removes every worker a test created, in every scope it used', async () => {
    // One shared cluster, a fresh provider per test: what is left shows on the cluster.
    const infrastructure = createMemoryInfrastructure();
    const tests = collect({
      createProvider: async () => {
        const provider = createMemoryProvider({ infrastructure });
        return { provider, cleanup: () => provider.close() };
      },
    });
    await registeredTest(tests, 'scope.foreign')();
    await registeredTest(tests, 'list.labels')();
    await registeredTest(tests, 'scope.prefix')();
    expect(infrastructure.calls.create).toBe(2 + 5 + 2);
    expect(infrastructure.workers()).toEqual([]);
  });

  test('a test that closes the provider is cleaned up through another instance', async () => {
    const base = memoryProviderUnderTest();
    const tests = collect({ createProvider: async () => base });
    await registeredTest(tests, 'close.leavesWorkers')();
    expect(base.infrastructure.workers()).toEqual([]);
  });

  test('a failure of the test wins over a failure of its cleanup', async () => {
    const tests = collect({
      createProvider: async () => ({
        ...createProviderUnderTest((inner) => ({ get: async () => undefined, list: inner.list })),
        cleanup: async () => {
          throw new Error('cleanup broke');
        },
      }),
    });
    await expect(registeredTest(tests, 'get.created')()).rejects.toThrow(/get returned undefined/);
    await expect(registeredTest(tests, 'health.healthy')()).rejects.toThrow('cleanup broke');
  });

  test.each([
    ['no test function', { test: undefined }, /test: must be a function/],
    ['no factory', { createProvider: 'nope' }, /createProvider: must be a function/],
    [
      'capabilities missing a flag',
      { capabilities: { stop: true } },
      /capabilities\.watch: must be true or false/,
    ],
    ['no fixtures', { fixtures: undefined }, /fixtures: must hold longRunning/],
    [
      'no completes fixture',
      { fixtures: { longRunning: { image } } },
      /fixtures\.completes: must be a function/,
    ],
    [
      'a fixture that is neither a spec nor unsupported',
      { fixtures: { ...fixtures, neverReady: 'yes' } },
      /fixtures\.neverReady: must be a worker spec or \{ unsupported/,
    ],
    ['a negative timeout', { timeouts: { readyMs: -1 } }, /timeouts\.readyMs/],
    ['a selection that is no list', { only: 'watch.' }, /only: must be an array/],
    [
      'an expected failure that is no test',
      { expectedFailures: { 'remove.fast': 'x' } },
      /expectedFailures\.remove\.fast: is no test id/,
    ],
    [
      'an expected failure without a diagnosis',
      { expectedFailures: { 'remove.gone': '' } },
      /expectedFailures\.remove\.gone: must say why/,
    ],
    ['a report that is no function', { report: 'console' }, /report: must be a function or false/],
    ['a scope prefix that is no label value', { scopePrefix: 'Not valid!' }, /scopePrefix/],
  ])('refuses its options with InvalidOptionsError: %s', (_case, override, message) => {
    const run = () =>
      runProviderContractSuite({
        test: () => {},
        createProvider: async () => createProviderUnderTest(),
        fixtures,
        report: false,
        ...(override as object),
      } as ProviderContractSuiteOptions);
    expect(run).toThrow(message);
    try {
      run();
    } catch (error) {
      expect(InvalidOptionsError.isInstance(error)).toBe(true);
    }
  });
});
