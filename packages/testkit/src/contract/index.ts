export {
  type BuiltInInvalidSpec,
  builtInInvalidSpecs,
  fixtureInvalidSpecTestId,
  invalidSpecTestId,
} from './cases/validation-cases.js';
export type { ContractFixtureName, ContractNeed } from './contract-case.js';
export {
  type ContractTestInfo,
  providerContractTest,
  providerContractTestNames,
  providerContractTests,
} from './contract-cases.js';
export {
  CONTRACT_SUITE_OWNER,
  type ContractContext,
  type CreateTarget,
  type WatchTap,
} from './contract-context.js';
export type {
  ContractDescribeFunction,
  ContractFaults,
  ContractOperation,
  ContractTestFunction,
  OptionalFixture,
  ProviderContractFixtures,
  ProviderContractSuiteOptions,
  ProviderContractTimeouts,
  ProviderUnderTest,
  ResolvedTimeouts,
  UnsupportedFixture,
} from './contract-options.js';
export {
  type ProviderContractRegistration,
  type RegisteredContractTest,
  runProviderContractSuite,
  type SkippedContractTest,
} from './provider-contract-suite.js';
export { type UncheckedPromise, uncheckedPromises } from './unchecked-promises.js';
