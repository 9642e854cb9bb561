import type { ProviderCapabilitiesV1, ProviderV1, WorkerSpec } from '@hodei/lifecycle-core';

/**
 * The caller's test function: vitest's, jest's or node:test's `test` as is. The suite passes
 * `(name, fn, timeoutMs)`; `fn` takes the runner's test context when there is one (vitest's
 * and node:test's have `skip`, which the suite uses to mark a check it cannot run). The suite
 * enforces its own per-test timeout too, so a runner that ignores the third argument
 * (node:test) still fails a test that hangs.
 */
export type ContractTestFunction = (
  name: string,
  fn: (context?: unknown) => Promise<void>,
  timeoutMs?: number,
) => unknown;

/** The caller's `describe`, to group the suite's tests under one name. */
export type ContractDescribeFunction = (name: string, fn: () => void) => unknown;

/** The provider calls a fault can be injected into. */
export type ContractOperation =
  | 'create'
  | 'get'
  | 'list'
  | 'remove'
  | 'stop'
  | 'logs'
  | 'watch'
  | 'health';

/** Faults the test infrastructure can simulate (the memory infrastructure can; so may yours). */
export interface ContractFaults {
  /**
   * The next call the provider makes to the infrastructure for `operation` fails the way a
   * transient fault does (connection refused, HTTP 503), and changes nothing.
   */
  failNext?(operation: ContractOperation): void | Promise<void>;
  /** Every open watch stream loses its connection. */
  dropWatches?(): void | Promise<void>;
}

/** A fresh provider for one test, and what the suite may do with its infrastructure. */
export interface ProviderUnderTest {
  readonly provider: ProviderV1;
  /** Runs after the test removed what it created (close connections, stop a fake cluster). */
  readonly cleanup?: () => Promise<void>;
  /**
   * Infrastructure calls made so far (HTTP requests, API calls): count at the lowest level you
   * can. Without it the suite cannot check that `list` is one call, nor that invalid input, an
   * aborted signal or a closed provider make no call: it says which checks it skipped.
   */
  readonly countCalls?: () => number;
  /**
   * A second instance of the provider on the same infrastructure, as a restarted process would
   * make it (same settings, nothing shared in memory). The suite closes it after the test.
   * Needed to check that `close()` leaves the workers alone and that another instance adopts
   * them (and by the lifecycle conformance suite).
   */
  readonly anotherInstance?: () => ProviderV1 | Promise<ProviderV1>;
  /** Optional fault injection, for the checks of `retryable` and of dropped watches. */
  readonly faults?: ContractFaults;
}

/** A fixture the provider cannot express, and why: the suite skips its checks, saying so. */
export interface UnsupportedFixture {
  readonly unsupported: string;
}

/** An optional fixture: a spec, `{ unsupported: 'why' }`, or absent (skipped, with a notice). */
export type OptionalFixture = WorkerSpec | UnsupportedFixture;

/** Specs that work on the provider under test (its images, commands, extensions). */
export interface ProviderContractFixtures {
  /** Runs until stopped, becomes ready, and stops promptly on the polite signal (SIGTERM). */
  readonly longRunning: WorkerSpec;
  /** Exits soon by itself with this exit code (0 and non-zero codes such as 3 and 7). */
  completes(exitCode: number): WorkerSpec;
  /** Prints exactly these lines (then keeps running). Required when logs is declared. */
  readonly withLogs?:
    | { readonly spec: WorkerSpec; readonly lines: readonly string[] }
    | UnsupportedFixture;
  /**
   * Runs until killed: ignores SIGTERM (at the latest once it is ready), so a stop or removal
   * must wait out the grace period.
   */
  readonly ignoresSigterm?: OptionalFixture;
  /** Runs but never becomes ready (a failing health check or readiness probe). */
  readonly neverReady?: OptionalFixture;
  /**
   * Is not ready for at least one second after create (pending, or running but not yet
   * ready), then becomes ready.
   */
  readonly startsSlowly?: OptionalFixture;
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
  /** Grace period passed to stop and remove; the SIGTERM checks measure against it. Default 1 000. */
  readonly gracePeriodMs?: number;
  /**
   * A long grace period that a worker which stops on SIGTERM must beat by far (it must end
   * before half of it has passed). Default 10 000.
   */
  readonly longGracePeriodMs?: number;
  /**
   * How long a state must hold to count as kept: a finished or stopped worker stays listed, a
   * never-ready worker stays not ready. Default 1 000.
   */
  readonly stableMs?: number;
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
   * Optional: the suite reads the capabilities from the provider. When given, the suite also
   * checks they equal `provider.capabilities`, and does not register the tests of the
   * capabilities declared false (without it, those tests are registered and skip themselves).
   */
  readonly capabilities?: ProviderCapabilitiesV1;
  readonly fixtures: ProviderContractFixtures;
  readonly timeouts?: ProviderContractTimeouts;
  /** Timeout of each test. Default: the sum of the polling bounds plus 10 s. */
  readonly testTimeoutMs?: number;
  /** Start of every scope name the suite creates (a label value). Default 'contract'. */
  readonly scopePrefix?: string;
  /**
   * Registers only these tests: ids (`'remove.gone'`) or id prefixes (`'watch.'`, `'watch.*'`).
   * Also read from the environment variable HODEI_CONTRACT_ONLY (comma-separated) when absent.
   */
  readonly only?: readonly string[];
  /**
   * Tests known to fail on this provider, by id, each with its diagnosis. They still run, with
   * the outcome turned around: such a test passes while the check fails, and fails as soon as
   * the check passes (the fix landed: remove the entry). The report lists them.
   */
  readonly expectedFailures?: Readonly<Record<string, string>>;
  /**
   * Where the suite says which checks it skipped and why (missing fixtures, capabilities,
   * call counting, faults). Default: console.warn. `false` keeps quiet.
   */
  readonly report?: ((message: string) => void) | false;
}

export type ResolvedTimeouts = Required<ProviderContractTimeouts>;

export function resolveTimeouts(timeouts: ProviderContractTimeouts = {}): ResolvedTimeouts {
  return {
    readyMs: timeouts.readyMs ?? 30_000,
    completeMs: timeouts.completeMs ?? 30_000,
    removeMs: timeouts.removeMs ?? 30_000,
    gracePeriodMs: timeouts.gracePeriodMs ?? 1_000,
    longGracePeriodMs: timeouts.longGracePeriodMs ?? 10_000,
    stableMs: timeouts.stableMs ?? 1_000,
    pollIntervalMs: timeouts.pollIntervalMs ?? 25,
    abortAfterMs: timeouts.abortAfterMs ?? 0,
  };
}

/** The spec of an optional fixture, or why there is none. */
export function fixtureSpec(
  fixture: OptionalFixture | undefined,
  name: string,
): { spec: WorkerSpec } | { missing: string } {
  if (fixture === undefined) return { missing: `fixtures.${name} is not given` };
  if ('unsupported' in fixture) {
    return { missing: `the provider cannot express fixtures.${name}: ${fixture.unsupported}` };
  }
  return { spec: fixture };
}
