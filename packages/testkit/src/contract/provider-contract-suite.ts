/**
 * The provider contract suite: every provider (Docker, Kubernetes, yours) runs it against its
 * real infrastructure, with its own test runner:
 *
 * ```ts
 * runProviderContractSuite({ test, describe, createProvider, fixtures });
 * ```
 *
 * Each test gets a fresh provider from the factory and a fresh scope, and removes everything
 * it created afterwards, so the suite can run against a shared cluster.
 */
import { AssertionError } from 'node:assert';
import { InvalidOptionsError, type ProviderV1, type ValidationIssue } from '@hodei/lifecycle-core';
import { labelValueProblem } from '@hodei/lifecycle-core/provider';
import { resolveReport, skipWithRunner } from '../suite/skips.js';
import { isSelected, resolveSelection } from '../suite/test-selection.js';
import { withTimeLimit } from '../suite/time-limit.js';
import { type ContractCase, type ContractNeed, contractTestName } from './contract-case.js';
import { contractCases } from './contract-cases.js';
import { createContractContext, removeEverything } from './contract-context.js';
import {
  fixtureSpec,
  type ProviderContractFixtures,
  type ProviderContractSuiteOptions,
  type ProviderUnderTest,
  resolveTimeouts,
} from './contract-options.js';
import { fixturesFor, withMemoryDefaults } from './memory-defaults.js';

/** A test the suite registered, or did not register and why. */
export interface RegisteredContractTest {
  readonly id: string;
  readonly name: string;
}
export interface SkippedContractTest extends RegisteredContractTest {
  readonly reason: string;
}

/** What `runProviderContractSuite` registered, and what it left out (with the reason). */
export interface ProviderContractRegistration {
  readonly tests: readonly RegisteredContractTest[];
  readonly skipped: readonly SkippedContractTest[];
}

const capabilityFlags = ['stop', 'watch', 'logs', 'health', 'nativeDeadline', 'nativeTtl'];

/** Why a case cannot run with this provider, factory result and fixtures, or undefined. */
function runtimeMissing(
  c: ContractCase,
  underTest: ProviderUnderTest,
  fixtures: ProviderContractFixtures,
): string | undefined {
  const provider: ProviderV1 | undefined = underTest.provider;
  if (c.capability !== undefined && provider?.capabilities?.[c.capability] !== true) {
    return `the provider declares ${c.capability}: false`;
  }
  if (
    c.fixture === 'ignoresSigterm' ||
    c.fixture === 'neverReady' ||
    c.fixture === 'startsSlowly'
  ) {
    const found = fixtureSpec(fixtures[c.fixture], c.fixture);
    if ('missing' in found) return found.missing;
  }
  for (const need of c.needs ?? []) {
    const missing = needMissing(need, underTest);
    if (missing) return missing;
  }
  return undefined;
}

function needMissing(need: ContractNeed, underTest: ProviderUnderTest): string | undefined {
  switch (need) {
    case 'countCalls':
      return underTest.countCalls ? undefined : 'createProvider returned no countCalls';
    case 'anotherInstance':
      return underTest.anotherInstance ? undefined : 'createProvider returned no anotherInstance';
    case 'faults.failNext':
      return underTest.faults?.failNext ? undefined : 'createProvider returned no faults.failNext';
    case 'faults.dropWatches':
      return underTest.faults?.dropWatches
        ? undefined
        : 'createProvider returned no faults.dropWatches';
    case 'close':
      return typeof underTest.provider?.close === 'function'
        ? undefined
        : 'the provider has no close()';
  }
}

/** Why a case is left out before anything runs (a fixture the provider cannot express), or undefined. */
function staticMissing(c: ContractCase, options: ProviderContractSuiteOptions): string | undefined {
  if (c.capability !== undefined && options.capabilities?.[c.capability] === false) {
    return `the capabilities given to the suite declare ${c.capability}: false`;
  }
  const { fixtures } = options;
  switch (c.fixture) {
    case 'ignoresSigterm':
    case 'neverReady':
    case 'startsSlowly': {
      // Left out, it may still come from the provider (a memory provider brings its own).
      const fixture = fixtures[c.fixture];
      if (fixture === undefined) return undefined;
      const found = fixtureSpec(fixture, c.fixture);
      return 'missing' in found ? found.missing : undefined;
    }
    case 'invalidSpecs':
      return Object.keys(fixtures.invalidSpecs ?? {}).length > 0
        ? undefined
        : 'fixtures.invalidSpecs is empty: the provider has no refusals of its own to check';
    default:
      // withLogs is required by a provider that declares logs: its tests fail without it.
      return undefined;
  }
}

/** Registers the suite's tests with `options.test`. Returns what it registered and skipped. */
export function runProviderContractSuite(
  options: ProviderContractSuiteOptions,
): ProviderContractRegistration {
  const issues = suiteOptionIssues(options);
  if (issues.length > 0) throw new InvalidOptionsError('provider contract suite options', issues);

  const timeouts = resolveTimeouts(options.timeouts);
  const testTimeoutMs =
    options.testTimeoutMs ??
    timeouts.readyMs +
      timeouts.completeMs +
      2 * timeouts.removeMs +
      timeouts.longGracePeriodMs +
      10_000;
  // The runner's own bound leaves room for the cleanup after the suite's bound fired.
  const runnerTimeoutMs = testTimeoutMs + timeouts.removeMs + 10_000;
  const cleanupMs = timeouts.removeMs + timeouts.gracePeriodMs + 5_000;
  const scopePrefix = options.scopePrefix ?? 'contract';
  const report = resolveReport(options.report);
  const selection = resolveSelection(options.only, 'HODEI_CONTRACT_ONLY');
  const all = contractCases(Object.keys(options.fixtures.invalidSpecs ?? {})).filter((c) =>
    isSelected(c.id, selection),
  );

  const tests: RegisteredContractTest[] = [];
  const skipped: SkippedContractTest[] = [];
  const toRegister: ContractCase[] = [];
  for (const c of all) {
    const reason = staticMissing(c, options);
    if (reason) skipped.push({ id: c.id, name: contractTestName(c), reason });
    else {
      toRegister.push(c);
      tests.push({ id: c.id, name: contractTestName(c) });
    }
  }
  const expectedFailures = Object.entries(options.expectedFailures ?? {});
  if (expectedFailures.length > 0) {
    report(
      `provider contract suite: ${expectedFailures.length} test(s) expected to fail:\n${expectedFailures
        .map(([id, why]) => `  - ${id}: ${why}`)
        .join('\n')}`,
    );
  }
  if (skipped.length > 0) {
    report(
      `provider contract suite: ${skipped.length} test(s) not registered:\n${skipped
        .map((s) => `  - ${s.id}: ${s.reason}`)
        .join('\n')}`,
    );
  }

  let toldNoCounter = false;
  const runCase = async (c: ContractCase, runnerContext: unknown) => {
    const name = contractTestName(c);
    const underTest = withMemoryDefaults(await options.createProvider());
    const fixtures = fixturesFor(underTest.provider, options.fixtures);
    const missing = runtimeMissing(c, underTest, fixtures);
    if (missing) {
      await underTest.cleanup?.();
      report(`provider contract suite: skipped ${c.id}: ${missing}`);
      skipWithRunner(runnerContext, missing);
      return;
    }
    if (!underTest.countCalls && !toldNoCounter) {
      toldNoCounter = true;
      report(
        'provider contract suite: createProvider returned no countCalls, so these checks are skipped: list is one call (list.oneCall), and invalid specs, malformed input, an aborted signal and a closed provider make no call',
      );
    }
    const ctx = createContractContext(
      underTest,
      fixtures,
      timeouts,
      scopePrefix,
      options.capabilities,
    );
    let failure: unknown;
    try {
      await withTimeLimit(c.run(ctx), testTimeoutMs, `test ${name}`);
    } catch (error) {
      failure = error;
    }
    const expected = options.expectedFailures?.[c.id];
    if (expected !== undefined) {
      // Turned around: the known failure is the success; a pass means the entry is stale.
      failure =
        failure === undefined
          ? new AssertionError({
              message: `${c.id} passes now, though expectedFailures says it fails (${expected}): remove it from expectedFailures`,
            })
          : undefined;
    }
    // Cleanup always runs; a failure of the test itself wins over a failure of cleanup.
    const steps: (() => Promise<void>)[] = [
      () => ctx.finish(),
      async () => {
        if (!c.closesProvider) return removeEverything(underTest.provider, ctx.scopes);
        if (!underTest.anotherInstance) return;
        const other = await underTest.anotherInstance();
        try {
          await removeEverything(other, ctx.scopes);
        } finally {
          await other.close?.();
        }
      },
      async () => underTest.cleanup?.(),
    ];
    for (const step of steps) {
      try {
        await withTimeLimit(step(), cleanupMs, `the cleanup after test ${c.id}`);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  };

  const register = () => {
    for (const c of toRegister) {
      options.test(
        contractTestName(c),
        (runnerContext) => runCase(c, runnerContext),
        runnerTimeoutMs,
      );
    }
  };

  if (options.describe) options.describe(options.suiteName ?? 'provider contract v1', register);
  else register();
  return { tests, skipped };
}

function suiteOptionIssues(options: ProviderContractSuiteOptions): ValidationIssue[] {
  if (options == null || typeof options !== 'object')
    return [{ path: '', message: 'must be an object' }];
  const issues: ValidationIssue[] = [];
  const mustBeFunction = (path: string, value: unknown, optional = false) => {
    if (optional && value === undefined) return;
    if (typeof value !== 'function') issues.push({ path, message: 'must be a function' });
  };
  mustBeFunction('test', options.test);
  mustBeFunction('describe', options.describe, true);
  mustBeFunction('createProvider', options.createProvider);
  if (options.capabilities !== undefined) {
    const capabilities = options.capabilities as unknown as Record<string, unknown> | null;
    if (capabilities === null || typeof capabilities !== 'object') {
      issues.push({
        path: 'capabilities',
        message:
          'must be the capabilities the provider declares (or left out: the suite reads them)',
      });
    } else {
      for (const flag of capabilityFlags) {
        if (typeof capabilities[flag] !== 'boolean') {
          issues.push({ path: `capabilities.${flag}`, message: 'must be true or false' });
        }
      }
    }
  }
  const fixtures = options.fixtures;
  if (fixtures == null || typeof fixtures !== 'object') {
    issues.push({ path: 'fixtures', message: 'must hold longRunning and completes(exitCode)' });
  } else {
    if (fixtures.longRunning == null || typeof fixtures.longRunning !== 'object') {
      issues.push({ path: 'fixtures.longRunning', message: 'must be a worker spec' });
    }
    mustBeFunction('fixtures.completes', fixtures.completes);
    const withLogs = fixtures.withLogs;
    if (withLogs !== undefined && !('unsupported' in withLogs) && !Array.isArray(withLogs.lines)) {
      issues.push({ path: 'fixtures.withLogs.lines', message: 'must be an array of strings' });
    }
    for (const name of ['ignoresSigterm', 'neverReady', 'startsSlowly'] as const) {
      const value = fixtures[name];
      if (value !== undefined && (value === null || typeof value !== 'object')) {
        issues.push({
          path: `fixtures.${name}`,
          message: "must be a worker spec or { unsupported: 'why' }",
        });
      }
    }
  }
  for (const [key, value] of Object.entries(options.timeouts ?? {})) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      issues.push({ path: `timeouts.${key}`, message: 'must be a number of milliseconds >= 0' });
    }
  }
  const expectedFailures = options.expectedFailures as unknown;
  if (expectedFailures !== undefined) {
    const known = new Set(
      contractCases(Object.keys(fixtures?.invalidSpecs ?? {})).map((c) => c.id),
    );
    if (expectedFailures === null || typeof expectedFailures !== 'object') {
      issues.push({ path: 'expectedFailures', message: 'must map test ids to diagnoses' });
    } else {
      for (const [id, why] of Object.entries(expectedFailures)) {
        if (!known.has(id))
          issues.push({ path: `expectedFailures.${id}`, message: 'is no test id' });
        else if (typeof why !== 'string' || why === '') {
          issues.push({ path: `expectedFailures.${id}`, message: 'must say why it fails' });
        }
      }
    }
  }
  if (options.only !== undefined && !Array.isArray(options.only)) {
    issues.push({ path: 'only', message: "must be an array of test ids or prefixes ('watch.')" });
  }
  if (
    options.report !== undefined &&
    options.report !== false &&
    typeof options.report !== 'function'
  ) {
    issues.push({ path: 'report', message: 'must be a function or false' });
  }
  if (options.scopePrefix !== undefined) {
    // The suite appends '-<8 hex>-<n>' to it, and '-x<n>' for the scopes sharing a prefix.
    const problem = labelValueProblem(`${options.scopePrefix}-00000000-00-x00`);
    if (options.scopePrefix === '' || problem) {
      issues.push({
        path: 'scopePrefix',
        message: 'must be a short label value such as "contract"',
      });
    }
  }
  return issues;
}
