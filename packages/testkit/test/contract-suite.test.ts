import { InvalidOptionsError, type ProviderCapabilitiesV1 } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import {
  invalidSpecTestName,
  type ProviderContractSuiteOptions,
  providerContractTest,
  providerContractTestNames,
  runProviderContractSuite,
} from '../src/contract/index.js';
import {
  createMemoryInfrastructure,
  createMemoryProvider,
  defaultMemoryCapabilities,
} from '../src/memory/index.js';
import { brokenProviders, createProviderUnderTest } from './broken-providers.js';

const image = 'busybox:1.36';
const fixtures: ProviderContractSuiteOptions['fixtures'] = {
  longRunning: { image, extensions: { memory: { startupDelayMs: 1, readyAfterMs: 1 } } },
  completes: (exitCode) => ({ image, extensions: { memory: { runForMs: 2, exitCode } } }),
  withLogs: {
    spec: { image, extensions: { memory: { logLines: ['alpha', 'beta', 'gamma'] } } },
    lines: ['alpha', 'beta', 'gamma'],
  },
  invalidSpecs: {
    'negative startup delay': { image, extensions: { memory: { startupDelayMs: -1 } } },
  },
};

/** Short bounds: a broken provider fails fast, a working one answers in microseconds. */
const timeouts = {
  readyMs: 200,
  completeMs: 200,
  removeMs: 200,
  gracePeriodMs: 5,
  pollIntervalMs: 2,
};

type Registered = Map<string, () => Promise<void>>;

/** Runs the suite with a `test` that only collects, so single tests can be run by name. */
function collect(
  overrides: Partial<ProviderContractSuiteOptions> = {},
  decorate?: Parameters<typeof createProviderUnderTest>[0],
): Registered {
  const registered: Registered = new Map();
  runProviderContractSuite({
    test: (name, fn) => {
      registered.set(name, fn);
    },
    createProvider: async () => createProviderUnderTest(decorate),
    capabilities: defaultMemoryCapabilities,
    fixtures,
    timeouts,
    ...overrides,
  });
  return registered;
}

function registeredTest(tests: Registered, name: string): () => Promise<void> {
  const fn = tests.get(name);
  if (!fn) throw new Error(`the suite registered no test named "${name}"`);
  return fn;
}

describe('the contract suite fails a provider that breaks a promise', () => {
  for (const broken of brokenProviders) {
    describe(broken.name, () => {
      for (const [testName, why] of broken.fails) {
        test(`fails "${testName}"`, async () => {
          const tests = collect(
            broken.declared ? { capabilities: broken.declared } : {},
            broken.decorate,
          );
          await expect(registeredTest(tests, testName)()).rejects.toThrow(why);
        });
      }
    });
  }
});

describe('control: the same tests pass on the unbroken memory provider', () => {
  const targeted = [...new Set(brokenProviders.flatMap((b) => b.fails.map(([name]) => name)))];
  test('every promise of the contract is targeted by at least one broken provider', () => {
    const untargeted = providerContractTestNames.filter(
      (name) =>
        !targeted.includes(name) &&
        name !== providerContractTest.close &&
        name !== providerContractTest.getCreated &&
        name !== providerContractTest.succeeded &&
        name !== invalidSpecTestName('fixture negative startup delay'),
    );
    expect(untargeted).toEqual([]);
  });
  for (const name of targeted) {
    test(name, async () => {
      await expect(registeredTest(collect(), name)()).resolves.toBeUndefined();
    });
  }
});

describe('runProviderContractSuite', () => {
  test('registers every test for a provider declaring everything, fixture specs included', () => {
    const names = [...collect().keys()];
    expect(names).toEqual([
      ...providerContractTestNames.slice(
        0,
        providerContractTestNames.indexOf(providerContractTest.watch),
      ),
      invalidSpecTestName('fixture negative startup delay'),
      ...providerContractTestNames.slice(
        providerContractTestNames.indexOf(providerContractTest.watch),
      ),
    ]);
    expect(new Set(names).size).toBe(names.length);
  });

  test('does not register the tests of capabilities declared false', () => {
    const capabilities: ProviderCapabilitiesV1 = {
      ...defaultMemoryCapabilities,
      stop: false,
      watch: false,
      logs: false,
      health: false,
    };
    const names = [...collect({ capabilities }).keys()];
    for (const skipped of ['stop', 'watch', 'logs', 'health'] as const) {
      expect(names).not.toContain(providerContractTest[skipped]);
    }
    expect(names).toContain(providerContractTest.capabilities);
    expect(names).toContain(providerContractTest.removeStaleUid);
  });

  test('passes a provider without optional parts when it declares none', async () => {
    const capabilities: ProviderCapabilitiesV1 = {
      ...defaultMemoryCapabilities,
      stop: false,
      watch: false,
      logs: false,
      health: false,
    };
    const registered: Registered = new Map();
    runProviderContractSuite({
      test: (name, fn) => void registered.set(name, fn),
      createProvider: async () => {
        return { provider: createMemoryProvider({ capabilities }) };
      },
      capabilities,
      fixtures: { longRunning: fixtures.longRunning, completes: fixtures.completes },
      timeouts,
    });
    expect(registered.size).toBeGreaterThan(20);
    for (const fn of registered.values()) await fn();
  });

  test('groups the tests under describe, and hands the timeout to test', () => {
    const groups: string[] = [];
    const timeoutsSeen = new Set<number | undefined>();
    runProviderContractSuite({
      describe: (name, fn) => {
        groups.push(name);
        fn();
      },
      test: (_name, _fn, timeoutMs) => void timeoutsSeen.add(timeoutMs),
      createProvider: async () => createProviderUnderTest(),
      capabilities: defaultMemoryCapabilities,
      fixtures,
      testTimeoutMs: 1234,
    });
    expect(groups).toEqual(['provider contract v1']);
    expect([...timeoutsSeen]).toEqual([1234]);
  });

  test('without testTimeoutMs the timeout covers every polling bound', () => {
    const seen = new Set<number | undefined>();
    runProviderContractSuite({
      test: (_name, _fn, timeoutMs) => void seen.add(timeoutMs),
      createProvider: async () => createProviderUnderTest(),
      capabilities: defaultMemoryCapabilities,
      fixtures,
    });
    expect([...seen]).toEqual([30_000 + 30_000 + 2 * 30_000 + 10_000]);
  });

  test('a provider declaring logs without a withLogs fixture fails the logs test, saying why', async () => {
    const tests = collect({
      fixtures: { longRunning: fixtures.longRunning, completes: fixtures.completes },
    });
    await expect(registeredTest(tests, providerContractTest.logs)()).rejects.toThrow(
      /fixtures\.withLogs is required/,
    );
  });

  test('cleanup removes every worker a test created, in every scope it used', async () => {
    // One shared cluster, a fresh provider per test: what is left shows on the cluster.
    const infrastructure = createMemoryInfrastructure();
    const registered: Registered = new Map();
    runProviderContractSuite({
      test: (name, fn) => void registered.set(name, fn),
      createProvider: async () => {
        const provider = createMemoryProvider({ infrastructure });
        return { provider, cleanup: () => provider.close() };
      },
      capabilities: defaultMemoryCapabilities,
      fixtures,
      timeouts,
    });
    await registeredTest(registered, providerContractTest.foreignScope)();
    await registeredTest(registered, providerContractTest.listExact)();
    expect(infrastructure.calls.create).toBe(2 + 6);
    expect(infrastructure.workers()).toEqual([]);
  });

  test('a failure of the test wins over a failure of its cleanup', async () => {
    const tests = collect({
      createProvider: async () => ({
        ...createProviderUnderTest((inner) => ({
          get: async () => undefined,
          list: inner.list,
        })),
        cleanup: async () => {
          throw new Error('cleanup broke');
        },
      }),
    });
    await expect(registeredTest(tests, providerContractTest.getCreated)()).rejects.toThrow(
      /get returned undefined/,
    );
    await expect(registeredTest(tests, providerContractTest.health)()).rejects.toThrow(
      'cleanup broke',
    );
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
    ['a negative timeout', { timeouts: { readyMs: -1 } }, /timeouts\.readyMs/],
    ['a scope prefix that is no label value', { scopePrefix: 'Not valid!' }, /scopePrefix/],
  ])('refuses its options with InvalidOptionsError: %s', (_case, override, message) => {
    const run = () =>
      runProviderContractSuite({
        test: () => {},
        createProvider: async () => createProviderUnderTest(),
        capabilities: defaultMemoryCapabilities,
        fixtures,
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
