/**
 * The provider contract suite: every provider (Docker, Kubernetes, yours) runs it against its
 * real infrastructure, with its own test runner:
 *
 * ```ts
 * runProviderContractSuite({ test, describe, createProvider, capabilities, fixtures });
 * ```
 *
 * Each test gets a fresh provider from the factory and a fresh scope, and removes everything
 * it created in `finally`, so the suite can run against a shared cluster.
 */
import { InvalidOptionsError, type ValidationIssue } from '@hodei/lifecycle-core';
import { labelValueProblem } from '@hodei/lifecycle-core/provider';
import { contractCases } from './contract-cases.js';
import { createContractContext, removeEverything } from './contract-context.js';
import { type ProviderContractSuiteOptions, resolveTimeouts } from './contract-options.js';

/** Registers the suite's tests with `options.test`. Returns the names registered. */
export function runProviderContractSuite(options: ProviderContractSuiteOptions): string[] {
  const issues = suiteOptionIssues(options);
  if (issues.length > 0) throw new InvalidOptionsError('provider contract suite options', issues);

  const timeouts = resolveTimeouts(options.timeouts);
  const testTimeoutMs =
    options.testTimeoutMs ??
    timeouts.readyMs + timeouts.completeMs + 2 * timeouts.removeMs + 10_000;
  const scopePrefix = options.scopePrefix ?? 'contract';
  const declared = options.capabilities;
  const selected = contractCases(Object.keys(options.fixtures.invalidSpecs ?? {})).filter(
    (c) => c.capability === undefined || declared[c.capability],
  );

  const register = () => {
    for (const contractCase of selected) {
      options.test(
        contractCase.name,
        async () => {
          const underTest = await options.createProvider();
          const ctx = createContractContext(underTest, options.fixtures, timeouts, scopePrefix);
          let failure: unknown;
          try {
            await contractCase.run(ctx, declared);
          } catch (error) {
            failure = error;
          }
          // Cleanup always runs; a failure of the test itself wins over a failure of cleanup.
          try {
            if (!contractCase.closesProvider)
              await removeEverything(underTest.provider, ctx.scopes);
          } catch (error) {
            failure ??= error;
          }
          try {
            await underTest.cleanup?.();
          } catch (error) {
            failure ??= error;
          }
          if (failure !== undefined) throw failure;
        },
        testTimeoutMs,
      );
    }
  };

  if (options.describe) options.describe(options.suiteName ?? 'provider contract v1', register);
  else register();
  return selected.map((c) => c.name);
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
  const capabilities = options.capabilities as unknown as Record<string, unknown> | undefined;
  if (capabilities == null || typeof capabilities !== 'object') {
    issues.push({
      path: 'capabilities',
      message: 'must be the capabilities the provider declares',
    });
  } else {
    for (const flag of ['stop', 'watch', 'logs', 'health', 'nativeDeadline', 'nativeTtl']) {
      if (typeof capabilities[flag] !== 'boolean') {
        issues.push({ path: `capabilities.${flag}`, message: 'must be true or false' });
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
    if (fixtures.withLogs !== undefined && !Array.isArray(fixtures.withLogs.lines)) {
      issues.push({ path: 'fixtures.withLogs.lines', message: 'must be an array of strings' });
    }
  }
  for (const [key, value] of Object.entries(options.timeouts ?? {})) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      issues.push({ path: `timeouts.${key}`, message: 'must be a number of milliseconds >= 0' });
    }
  }
  if (options.scopePrefix !== undefined) {
    // The suite appends '-<8 hex>-<n>' to it.
    const problem = labelValueProblem(`${options.scopePrefix}-00000000-00`);
    if (options.scopePrefix === '' || problem) {
      issues.push({
        path: 'scopePrefix',
        message: 'must be a short label value such as "contract"',
      });
    }
  }
  return issues;
}
