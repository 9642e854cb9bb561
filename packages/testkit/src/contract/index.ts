export {
  builtInInvalidSpecs,
  invalidSpecTestName,
  type ProviderContractTestKey,
  providerContractTest,
  providerContractTestNames,
} from './contract-cases.js';
export { CONTRACT_SUITE_OWNER } from './contract-context.js';
export type {
  ContractDescribeFunction,
  ContractTestFunction,
  ProviderContractFixtures,
  ProviderContractSuiteOptions,
  ProviderContractTimeouts,
  ProviderUnderTest,
} from './contract-options.js';
export { runProviderContractSuite } from './provider-contract-suite.js';
