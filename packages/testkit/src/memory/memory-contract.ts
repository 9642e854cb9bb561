/**
 * The memory provider as the contract suites want it: fixtures for every kind of worker the
 * suites ask for, and a factory result with call counting, fault injection and a second
 * instance on the same infrastructure. Also a starting point for a test of a provider that
 * wraps the memory provider.
 */
import type { ProviderContractFixtures, ProviderUnderTest } from '../contract/contract-options.js';
import { createMemoryInfrastructure, type MemoryInfrastructure } from './memory-infrastructure.js';
import {
  createMemoryProvider,
  type MemoryProvider,
  type MemoryProviderCapabilities,
} from './memory-provider.js';

const image = 'busybox:1.36';

/** Specs of the memory provider for each fixture of the contract and lifecycle suites. */
export const memoryContractFixtures = {
  longRunning: { image, extensions: { memory: { startupDelayMs: 2, readyAfterMs: 3 } } },
  completes: (exitCode: number) => ({
    image,
    extensions: { memory: { runForMs: 20, exitCode } },
  }),
  withLogs: {
    spec: { image, extensions: { memory: { logLines: ['one', 'two', 'three'] } } },
    lines: ['one', 'two', 'three'],
  },
  ignoresSigterm: { image, extensions: { memory: { ignoreStop: true } } },
  neverReady: { image, extensions: { memory: { neverReady: true } } },
  startsSlowly: { image, extensions: { memory: { startupDelayMs: 300, readyAfterMs: 900 } } },
  invalidSpecs: {
    'negative startup delay': { image, extensions: { memory: { startupDelayMs: -1 } } },
    'unknown memory field': { image, extensions: { memory: { sleepForever: true } } },
  },
} satisfies ProviderContractFixtures;

export interface MemoryProviderUnderTestOptions {
  readonly providerId?: string;
  readonly capabilities?: MemoryProviderCapabilities;
}

/** A fresh memory provider on its own infrastructure, with everything the suites can use. */
export function memoryProviderUnderTest(
  options: MemoryProviderUnderTestOptions = {},
): ProviderUnderTest & {
  readonly provider: MemoryProvider;
  readonly infrastructure: MemoryInfrastructure;
} {
  const infrastructure = createMemoryInfrastructure();
  const make = () =>
    createMemoryProvider({
      infrastructure,
      providerId: options.providerId ?? 'memory-contract',
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    });
  const provider = make();
  return {
    provider,
    infrastructure,
    countCalls: () => infrastructure.calls.total,
    anotherInstance: make,
    faults: {
      failNext: (operation) => infrastructure.faults.failCalls(operation, 1),
      dropWatches: () => infrastructure.faults.dropWatches(),
    },
    cleanup: () => provider.close(),
  };
}
