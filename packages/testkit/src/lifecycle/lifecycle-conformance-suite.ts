/**
 * The lifecycle conformance suite: the manager (`withLifecycle`) run on the author's provider,
 * against its real infrastructure, with the real clock and short policies:
 *
 * ```ts
 * runLifecycleConformanceSuite({ test, describe, createProvider, fixtures });
 * ```
 *
 * Each test gets a fresh provider and scope, closes its managers, and removes every worker it
 * created afterwards.
 */
import { AssertionError } from 'node:assert';
import { InvalidOptionsError, type ValidationIssue } from '@hodei/lifecycle-core';
import { removeEverything } from '../contract/contract-context.js';
import {
  fixtureSpec,
  type ProviderContractFixtures,
  resolveTimeouts,
} from '../contract/contract-options.js';
import { fixturesFor, withMemoryDefaults } from '../contract/memory-defaults.js';
import { resolveReport, skipWithRunner } from '../suite/skips.js';
import { isSelected, resolveSelection } from '../suite/test-selection.js';
import { withTimeLimit } from '../suite/time-limit.js';
import { type LifecycleCase, lifecycleCases } from './lifecycle-cases.js';
import { createLifecycleContext } from './lifecycle-context.js';
import { type LifecycleConformanceSuiteOptions, resolveDurations } from './lifecycle-options.js';

/** One test of the suite: its id, its promise, and the name it is registered under. */
export interface LifecycleTestInfo {
  readonly id: string;
  readonly promise: string;
  readonly name: string;
  readonly fixture?: string;
  readonly needs: readonly string[];
}

const nameOf = (c: LifecycleCase) => `${c.id}: ${c.promise}`;

/** Every test of the lifecycle conformance suite, in order. */
export const lifecycleConformanceTests: readonly LifecycleTestInfo[] = Object.freeze(
  lifecycleCases.map((c) => ({
    id: c.id,
    promise: c.promise,
    name: nameOf(c),
    ...(c.fixture ? { fixture: c.fixture } : {}),
    needs: c.needs ?? [],
  })),
);

export interface LifecycleConformanceRegistration {
  readonly tests: readonly { readonly id: string; readonly name: string }[];
  readonly skipped: readonly {
    readonly id: string;
    readonly name: string;
    readonly reason: string;
  }[];
}

/** Registers the suite's tests with `options.test`. Returns what it registered and skipped. */
export function runLifecycleConformanceSuite(
  options: LifecycleConformanceSuiteOptions,
): LifecycleConformanceRegistration {
  const issues = optionIssues(options);
  if (issues.length > 0) {
    throw new InvalidOptionsError('lifecycle conformance suite options', issues);
  }
  const timeouts = resolveTimeouts(options.timeouts);
  const durations = resolveDurations(options.durations);
  const testTimeoutMs =
    options.testTimeoutMs ??
    timeouts.readyMs +
      timeouts.completeMs +
      2 * timeouts.removeMs +
      2 * timeouts.gracePeriodMs +
      durations.maxLifetimeMs +
      durations.ttlMs +
      durations.startupTimeoutMs +
      4 * durations.orphanCheckIntervalMs +
      10_000;
  const cleanupMs = timeouts.removeMs + timeouts.gracePeriodMs + 5_000;
  const runnerTimeoutMs = testTimeoutMs + cleanupMs + 5_000;
  const report = resolveReport(options.report);
  const selection = resolveSelection(options.only, 'HODEI_LIFECYCLE_ONLY');

  const tests: { id: string; name: string }[] = [];
  const skipped: { id: string; name: string; reason: string }[] = [];
  const toRegister: LifecycleCase[] = [];
  for (const c of lifecycleCases.filter((c) => isSelected(c.id, selection))) {
    const fixture = c.fixture ? options.fixtures[c.fixture] : undefined;
    // Left out, a fixture may still come from the provider (a memory provider brings its own).
    const found = fixture === undefined ? undefined : fixtureSpec(fixture, c.fixture!);
    if (found && 'missing' in found)
      skipped.push({ id: c.id, name: nameOf(c), reason: found.missing });
    else {
      tests.push({ id: c.id, name: nameOf(c) });
      toRegister.push(c);
    }
  }
  if (skipped.length > 0) {
    report(
      `lifecycle conformance suite: ${skipped.length} test(s) not registered:\n${skipped
        .map((s) => `  - ${s.id}: ${s.reason}`)
        .join('\n')}`,
    );
  }

  const runCase = async (c: LifecycleCase, runnerContext: unknown) => {
    const underTest = withMemoryDefaults(await options.createProvider());
    const fixtures = fixturesFor(underTest.provider, options.fixtures as ProviderContractFixtures);
    const found = c.fixture ? fixtureSpec(fixtures[c.fixture], c.fixture) : undefined;
    const missing =
      c.needs?.includes('anotherInstance') && !underTest.anotherInstance
        ? 'createProvider returned no anotherInstance'
        : found && 'missing' in found
          ? found.missing
          : undefined;
    if (missing) {
      await underTest.cleanup?.();
      report(`lifecycle conformance suite: skipped ${c.id}: ${missing}`);
      skipWithRunner(runnerContext, missing);
      return;
    }
    const ctx = createLifecycleContext(
      underTest,
      fixtures,
      timeouts,
      durations,
      options.scopePrefix ?? 'conformance',
    );
    let failure: unknown;
    try {
      await withTimeLimit(c.run(ctx), testTimeoutMs, `test ${nameOf(c)}`);
    } catch (error) {
      failure = error;
    }
    const expected = options.expectedFailures?.[c.id];
    if (expected !== undefined) {
      failure =
        failure === undefined
          ? new AssertionError({
              message: `${c.id} passes now, though expectedFailures says it fails (${expected}): remove it from expectedFailures`,
            })
          : undefined;
    }
    for (const step of [
      () => ctx.finish(),
      () => removeEverything(underTest.provider, ctx.scopes),
      async () => underTest.cleanup?.(),
    ]) {
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
      options.test(nameOf(c), (runnerContext) => runCase(c, runnerContext), runnerTimeoutMs);
    }
  };
  if (options.describe) options.describe(options.suiteName ?? 'lifecycle conformance', register);
  else register();
  return { tests, skipped };
}

function optionIssues(options: LifecycleConformanceSuiteOptions): ValidationIssue[] {
  if (options == null || typeof options !== 'object') {
    return [{ path: '', message: 'must be an object' }];
  }
  const issues: ValidationIssue[] = [];
  if (typeof options.test !== 'function')
    issues.push({ path: 'test', message: 'must be a function' });
  if (options.describe !== undefined && typeof options.describe !== 'function') {
    issues.push({ path: 'describe', message: 'must be a function' });
  }
  if (typeof options.createProvider !== 'function') {
    issues.push({ path: 'createProvider', message: 'must be a function' });
  }
  const fixtures = options.fixtures;
  if (fixtures == null || typeof fixtures !== 'object') {
    issues.push({ path: 'fixtures', message: 'must hold longRunning and completes(exitCode)' });
  } else {
    if (fixtures.longRunning == null || typeof fixtures.longRunning !== 'object') {
      issues.push({ path: 'fixtures.longRunning', message: 'must be a worker spec' });
    }
    if (typeof fixtures.completes !== 'function') {
      issues.push({ path: 'fixtures.completes', message: 'must be a function' });
    }
  }
  for (const [group, values] of [
    ['timeouts', options.timeouts],
    ['durations', options.durations],
  ] as const) {
    for (const [key, value] of Object.entries(values ?? {})) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        issues.push({ path: `${group}.${key}`, message: 'must be a number of milliseconds >= 0' });
      }
    }
  }
  for (const id of Object.keys(options.expectedFailures ?? {})) {
    if (!lifecycleCases.some((c) => c.id === id)) {
      issues.push({ path: `expectedFailures.${id}`, message: 'is no test id' });
    }
  }
  return issues;
}
