export {
  type MemoryProviderUnderTestOptions,
  memoryContractFixtures,
  memoryProviderUnderTest,
} from './memory-contract.js';
export {
  type MemoryWorkerBehaviour,
  memoryExtensionIssues,
  parseMemoryExtension,
} from './memory-extension.js';
export {
  createMemoryInfrastructure,
  type MemoryCallCounts,
  type MemoryFaults,
  type MemoryInfrastructure,
  type MemoryInfrastructureOptions,
  type MemoryOperation,
  type MemoryWorkerTarget,
  memoryOperations,
} from './memory-infrastructure.js';
export {
  createMemoryProvider,
  defaultMemoryCapabilities,
  type MemoryProvider,
  type MemoryProviderCapabilities,
  type MemoryProviderOptions,
} from './memory-provider.js';
export { memoryProviderPlugin } from './memory-provider-plugin.js';
