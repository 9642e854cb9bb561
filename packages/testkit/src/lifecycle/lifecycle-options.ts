import type {
  ContractDescribeFunction,
  ContractTestFunction,
  ProviderContractFixtures,
  ProviderContractTimeouts,
  ProviderUnderTest,
} from '../contract/contract-options.js';

/** The short policy durations the suite gives the manager, in real milliseconds. */
export interface LifecycleDurations {
  /** maxLifetime of the workers that must be ended by it. Default 3 000. */
  readonly maxLifetimeMs?: number;
  /** ttlAfterCompletion. Default 2 000 (stamped in whole seconds). */
  readonly ttlMs?: number;
  /** startupTimeout of the never-ready worker. Default 1 500. */
  readonly startupTimeoutMs?: number;
  /** orphanCheckInterval: how often the manager lists the scope. Default 1 000. */
  readonly orphanCheckIntervalMs?: number;
}

export interface LifecycleConformanceSuiteOptions {
  readonly test: ContractTestFunction;
  readonly describe?: ContractDescribeFunction;
  /** Name of the `describe` block. Default 'lifecycle conformance'. */
  readonly suiteName?: string;
  /**
   * A fresh, isolated provider for each test, as for the contract suite. `anotherInstance` is
   * needed by the adoption test (a second manager on a fresh provider instance).
   */
  readonly createProvider: () => Promise<ProviderUnderTest>;
  /** The contract suite's fixtures: longRunning, completes and (for startup timeouts) neverReady. */
  readonly fixtures: Pick<ProviderContractFixtures, 'longRunning' | 'completes' | 'neverReady'>;
  /** Polling bounds, as for the contract suite (readyMs, completeMs, removeMs, gracePeriodMs...). */
  readonly timeouts?: ProviderContractTimeouts;
  readonly durations?: LifecycleDurations;
  /** Timeout of each test. Default: the sum of the bounds and durations plus 10 s. */
  readonly testTimeoutMs?: number;
  /** Start of every scope name (a label value). Default 'conformance'. */
  readonly scopePrefix?: string;
  /** Registers only these tests (ids or prefixes); also HODEI_LIFECYCLE_ONLY. */
  readonly only?: readonly string[];
  /** Tests known to fail, by id, with the diagnosis (see the contract suite). */
  readonly expectedFailures?: Readonly<Record<string, string>>;
  /** Where skipped tests are reported. Default console.warn; false keeps quiet. */
  readonly report?: ((message: string) => void) | false;
}

export type ResolvedDurations = Required<LifecycleDurations>;

export function resolveDurations(durations: LifecycleDurations = {}): ResolvedDurations {
  return {
    maxLifetimeMs: durations.maxLifetimeMs ?? 3_000,
    ttlMs: durations.ttlMs ?? 2_000,
    startupTimeoutMs: durations.startupTimeoutMs ?? 1_500,
    orphanCheckIntervalMs: durations.orphanCheckIntervalMs ?? 1_000,
  };
}
