import type { ProviderCapabilitiesV1, ProviderV1, WorkerSpec } from '@hodei/lifecycle-core';

/**
 * The caller's test function: vitest's or jest's `test` as is. For node:test, adapt the
 * timeout: `test: (name, fn, timeout) => test(name, { timeout }, fn)`.
 */
export type ContractTestFunction = (
  name: string,
  fn: () => Promise<void>,
  timeoutMs?: number,
) => unknown;

/** The caller's `describe`, to group the suite's tests under one name. */
export type ContractDescribeFunction = (name: string, fn: () => void) => unknown;

/** A fresh provider for one test, and how to release it. */
export interface ProviderUnderTest {
  readonly provider: ProviderV1;
  /** Runs after the test removed what it created (close connections, stop a fake cluster). */
  readonly cleanup?: () => Promise<void>;
  /**
   * Infrastructure calls made so far (HTTP requests, API calls). When given, the suite also
   * checks that `list` is one call whatever the number of workers, and that invalid input or
   * an aborted signal makes no call at all.
   */
  readonly countCalls?: () => number;
}

/** Specs that work on the provider under test (its images, commands, extensions). */
export interface ProviderContractFixtures {
  /** Runs until stopped and becomes ready. */
  readonly longRunning: WorkerSpec;
  /** Exits soon by itself with this exit code. */
  completes(exitCode: number): WorkerSpec;
  /** Prints exactly these lines (then exits or keeps running). Required when logs is declared. */
  readonly withLogs?: { readonly spec: WorkerSpec; readonly lines: readonly string[] };
  /** Extra specs this provider must refuse (invalid extension values...), by name. */
  readonly invalidSpecs?: Readonly<Record<string, WorkerSpec>>;
}

/** Bounds of the polling done against real infrastructure, in real milliseconds. */
export interface ProviderContractTimeouts {
  /** A long-running worker becomes running and ready. Default 30 000. */
  readonly readyMs?: number;
  /** A completing (or stopped) worker is seen finished. Default 30 000. */
  readonly completeMs?: number;
  /** A removed worker is gone from get and list. Default 30 000. */
  readonly removeMs?: number;
  /** Grace period passed to stop and remove. Default 1 000. */
  readonly gracePeriodMs?: number;
  /** Pause between two polls. Default 25. */
  readonly pollIntervalMs?: number;
  /**
   * When the "abort during create" test aborts: 0 (default) aborts right after create was
   * called, while its first infrastructure call is in flight.
   */
  readonly abortAfterMs?: number;
}

export interface ProviderContractSuiteOptions {
  readonly test: ContractTestFunction;
  readonly describe?: ContractDescribeFunction;
  /** Name of the `describe` block. Default 'provider contract v1'. */
  readonly suiteName?: string;
  /** A fresh, isolated provider for each test. */
  readonly createProvider: () => Promise<ProviderUnderTest>;
  /**
   * What the provider declares. The suite checks it equals `provider.capabilities`, and does
   * not register the tests of the capabilities declared false.
   */
  readonly capabilities: ProviderCapabilitiesV1;
  readonly fixtures: ProviderContractFixtures;
  readonly timeouts?: ProviderContractTimeouts;
  /** Timeout handed to `test` for each test. Default: the sum of the polling bounds plus 10 s. */
  readonly testTimeoutMs?: number;
  /** Start of every scope name the suite creates (a label value). Default 'contract'. */
  readonly scopePrefix?: string;
}

export type ResolvedTimeouts = Required<ProviderContractTimeouts>;

export function resolveTimeouts(timeouts: ProviderContractTimeouts = {}): ResolvedTimeouts {
  return {
    readyMs: timeouts.readyMs ?? 30_000,
    completeMs: timeouts.completeMs ?? 30_000,
    removeMs: timeouts.removeMs ?? 30_000,
    gracePeriodMs: timeouts.gracePeriodMs ?? 1_000,
    pollIntervalMs: timeouts.pollIntervalMs ?? 25,
    abortAfterMs: timeouts.abortAfterMs ?? 0,
  };
}
