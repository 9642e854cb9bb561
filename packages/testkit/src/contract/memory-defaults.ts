/**
 * The memory provider brings what the suites would otherwise ask for: its infrastructure counts
 * calls, injects faults and serves a second instance, and the testkit knows specs for every
 * fixture. A provider under test that is (or wraps, keeping its `infrastructure`) a memory
 * provider gets them where `createProvider` or the fixtures gave none, so a decorator tested
 * over the memory provider needs none of them spelled out.
 */
import type { ProviderV1 } from '@hodei/lifecycle-core';
import { memoryContractFixtures } from '../memory/memory-contract.js';
import {
  isMemoryInfrastructure,
  type MemoryInfrastructure,
} from '../memory/memory-infrastructure.js';
import { createMemoryProvider } from '../memory/memory-provider.js';
import type { ProviderContractFixtures, ProviderUnderTest } from './contract-options.js';

/** The memory infrastructure behind a provider, when it is a memory provider or keeps one. */
export function memoryInfrastructureOf(provider: ProviderV1): MemoryInfrastructure | undefined {
  const infrastructure = (provider as { infrastructure?: unknown } | undefined)?.infrastructure;
  return provider?.type === 'memory' && isMemoryInfrastructure(infrastructure)
    ? infrastructure
    : undefined;
}

/** The factory's result, with the memory infrastructure's counter, faults and another instance where it gave none. */
export function withMemoryDefaults(underTest: ProviderUnderTest): ProviderUnderTest {
  const infrastructure = memoryInfrastructureOf(underTest.provider);
  if (!infrastructure) return underTest;
  const { provider } = underTest;
  return {
    ...underTest,
    countCalls: underTest.countCalls ?? (() => infrastructure.calls.total),
    faults: underTest.faults ?? {
      failNext: (operation) => infrastructure.faults.failCalls(operation, 1),
      dropWatches: () => infrastructure.faults.dropWatches(),
    },
    anotherInstance:
      underTest.anotherInstance ??
      (() =>
        createMemoryProvider({
          infrastructure,
          providerId: provider.providerId,
          capabilities: { ...provider.capabilities },
        })),
  };
}

/** The fixtures with the optional ones the caller left out filled in for a memory provider. */
export function fixturesFor(
  provider: ProviderV1,
  fixtures: ProviderContractFixtures,
): ProviderContractFixtures {
  if (!memoryInfrastructureOf(provider)) return fixtures;
  const filled: Record<string, unknown> = {};
  for (const name of ['withLogs', 'ignoresSigterm', 'neverReady', 'startsSlowly'] as const) {
    filled[name] = fixtures[name] ?? memoryContractFixtures[name];
  }
  return { ...fixtures, ...filled } as ProviderContractFixtures;
}
