import { InvalidOptionsError } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import {
  type LifecycleConformanceSuiteOptions,
  lifecycleConformanceTests,
  runLifecycleConformanceSuite,
} from '../src/lifecycle/index.js';
import {
  createMemoryInfrastructure,
  createMemoryProvider,
  memoryContractFixtures,
} from '../src/memory/index.js';
import { brokenForLifecycle, createProviderUnderTest, type Decorate } from './broken-providers.js';

/** Short bounds and durations: a broken provider fails fast. */
const timeouts = {
  readyMs: 500,
  completeMs: 500,
  removeMs: 600,
  gracePeriodMs: 100,
  pollIntervalMs: 5,
};
const durations = {
  maxLifetimeMs: 800,
  ttlMs: 1_000,
  startupTimeoutMs: 300,
  orphanCheckIntervalMs: 200,
};

type Run = (context?: unknown) => Promise<void>;

function collect(
  overrides: Partial<LifecycleConformanceSuiteOptions> = {},
  decorate?: Decorate,
): Map<string, Run> {
  const byName = new Map<string, Run>();
  const { tests } = runLifecycleConformanceSuite({
    test: (name, fn) => void byName.set(name, fn),
    createProvider: async () => createProviderUnderTest(decorate),
    fixtures: memoryContractFixtures,
    timeouts,
    durations,
    report: false,
    ...overrides,
  });
  return new Map(tests.map(({ id, name }) => [id, byName.get(name)!]));
}

const run = (tests: Map<string, Run>, id: string) => {
  const fn = tests.get(id);
  if (!fn) throw new Error(`no lifecycle test ${id}`);
  return fn();
};

describe('the lifecycle conformance suite fails a provider the manager cannot rely on', () => {
  for (const broken of brokenForLifecycle) {
    describe(broken.name, () => {
      for (const [id, why] of broken.fails) {
        test(`fails ${id}`, async () => {
          await expect(run(collect({}, broken.decorate), id)).rejects.toThrow(why);
        });
      }
    });
  }
});

describe('control: the lifecycle suite passes the unbroken memory provider', () => {
  const targeted = [...new Set(brokenForLifecycle.flatMap((b) => b.fails.map(([id]) => id)))];
  test('every test of the lifecycle suite is targeted by a broken provider', () => {
    expect(
      lifecycleConformanceTests.map((t) => t.id).filter((id) => !targeted.includes(id)),
    ).toEqual([]);
  });
  for (const id of targeted) {
    test(id, async () => {
      await expect(run(collect(), id)).resolves.toBeUndefined();
    });
  }
});

describe('runLifecycleConformanceSuite', () => {
  test('registers its six tests as "<id>: <promise>" under describe', () => {
    const groups: string[] = [];
    const names: string[] = [];
    const { tests, skipped } = runLifecycleConformanceSuite({
      describe: (name, fn) => {
        groups.push(name);
        fn();
      },
      test: (name) => void names.push(name),
      createProvider: async () => createProviderUnderTest(),
      fixtures: memoryContractFixtures,
      report: false,
    });
    expect(groups).toEqual(['lifecycle conformance']);
    expect(names).toEqual(lifecycleConformanceTests.map((t) => `${t.id}: ${t.promise}`));
    expect(tests.map((t) => t.id)).toEqual([
      'lifecycle.completion',
      'lifecycle.maxLifetime',
      'lifecycle.startupTimeout',
      'lifecycle.lostWorker',
      'lifecycle.adoption',
      'lifecycle.foreignScope',
    ]);
    expect(skipped).toEqual([]);
  });

  test('without neverReady, or without anotherInstance, the tests that need them are skipped, saying why', async () => {
    const reports: string[] = [];
    const given = {
      longRunning: memoryContractFixtures.longRunning,
      completes: memoryContractFixtures.completes,
    };
    // A provider the suite does not know: it brings no fixture and no other instance.
    const foreign = () => {
      const memory = createMemoryProvider({ infrastructure: createMemoryInfrastructure() });
      const { infrastructure: _hidden, ...rest } = memory;
      return { provider: { ...rest, type: 'fake' }, cleanup: () => memory.close() };
    };
    const tests = collect({
      createProvider: async () => foreign(),
      fixtures: given,
      report: (message) => reports.push(message),
    });
    const skips: string[] = [];
    const runnerContext = { skip: (reason: string) => void skips.push(reason) };
    await tests.get('lifecycle.adoption')!(runnerContext);
    await tests.get('lifecycle.startupTimeout')!(runnerContext);
    expect(skips).toEqual([
      'createProvider returned no anotherInstance',
      'fixtures.neverReady is not given',
    ]);
    expect(reports.at(-2)).toBe(
      'lifecycle conformance suite: skipped lifecycle.adoption: createProvider returned no anotherInstance',
    );
    // Marked unsupported, it is not even registered.
    const { skipped } = runLifecycleConformanceSuite({
      test: () => {},
      createProvider: async () => foreign(),
      fixtures: { ...given, neverReady: { unsupported: 'no readiness here' } },
      report: false,
    });
    expect(skipped.map((s) => [s.id, s.reason])).toEqual([
      [
        'lifecycle.startupTimeout',
        'the provider cannot express fixtures.neverReady: no readiness here',
      ],
    ]);
  });

  test('only and expectedFailures work as in the contract suite', async () => {
    const only = collect({ only: ['lifecycle.lostWorker'] });
    expect([...only.keys()]).toEqual(['lifecycle.lostWorker']);
    const expected = collect(
      {
        only: ['lifecycle.completion'],
        expectedFailures: { 'lifecycle.completion': 'exit code lost' },
      },
      brokenForLifecycle[0]!.decorate,
    );
    await expect(run(expected, 'lifecycle.completion')).resolves.toBeUndefined();
  });

  test.each([
    ['no factory', { createProvider: undefined }, /createProvider: must be a function/],
    ['no completes fixture', { fixtures: { longRunning: { image: 'a' } } }, /fixtures\.completes/],
    ['a negative duration', { durations: { ttlMs: -1 } }, /durations\.ttlMs/],
    [
      'an expected failure that is no test',
      { expectedFailures: { nope: 'x' } },
      /expectedFailures\.nope/,
    ],
  ])('refuses its options with InvalidOptionsError: %s', (_name, override, message) => {
    const register = () =>
      runLifecycleConformanceSuite({
        test: () => {},
        createProvider: async () => createProviderUnderTest(),
        fixtures: memoryContractFixtures,
        ...(override as object),
      } as LifecycleConformanceSuiteOptions);
    expect(register).toThrow(message);
    expect(() => {
      try {
        register();
      } catch (error) {
        if (InvalidOptionsError.isInstance(error)) throw new Error('typed');
      }
    }).toThrow('typed');
  });
});
