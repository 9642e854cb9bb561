/**
 * The promises of provider contract v1, one test each, in the order the suite registers them
 * and the guide lists them. Every test runs in its own fresh scope and leaves nothing behind.
 */

import { createCases, providerCases } from './cases/create-cases.js';
import { errorCases } from './cases/errors-cases.js';
import { leaseCases } from './cases/lease-cases.js';
import {
  healthCloseCases,
  instanceCases,
  nativeCases,
} from './cases/lifecycle-of-provider-cases.js';
import { getListCases, readinessCases } from './cases/observe-cases.js';
import { removeCases, stopCases } from './cases/remove-stop-cases.js';
import { scopeCases } from './cases/scope-cases.js';
import {
  builtInValidationCases,
  everyProblemCases,
  fixtureValidationCases,
} from './cases/validation-cases.js';
import { logsCases, watchCases } from './cases/watch-logs-cases.js';
import { type ContractCase, contractTestName } from './contract-case.js';

/** Every case, with one refusal test per spec of `fixtures.invalidSpecs` (by name). */
export function contractCases(fixtureInvalidSpecs: readonly string[]): ContractCase[] {
  return [
    ...providerCases,
    ...createCases,
    ...builtInValidationCases(),
    ...fixtureValidationCases(fixtureInvalidSpecs),
    ...everyProblemCases,
    ...getListCases,
    ...readinessCases,
    ...scopeCases,
    ...removeCases,
    ...stopCases,
    ...watchCases,
    ...logsCases,
    ...errorCases,
    ...healthCloseCases,
    ...instanceCases,
    ...nativeCases,
    ...leaseCases,
  ];
}

/** One entry per test of the suite (without `fixtures.invalidSpecs`): the source of the guide's list. */
export interface ContractTestInfo {
  readonly id: string;
  /** The name it is registered under: `<id>: <promise>`. */
  readonly name: string;
  readonly promise: string;
  readonly group: string;
  /** Registered or run only when the provider declares this capability. */
  readonly capability?: string;
  /** The fixture it needs beyond longRunning and completes. */
  readonly fixture?: string;
  /** What the factory's result (or the provider) must have for it to run. */
  readonly needs: readonly string[];
}

const info = (c: ContractCase): ContractTestInfo => ({
  id: c.id,
  name: contractTestName(c),
  promise: c.promise,
  group: c.group,
  ...(c.capability === undefined ? {} : { capability: c.capability }),
  ...(c.fixture === undefined ? {} : { fixture: c.fixture }),
  needs: c.needs ?? [],
});

/** Every test the suite can register (fixture specs aside), in order. */
export const providerContractTests: readonly ContractTestInfo[] = Object.freeze(
  contractCases([]).map(info),
);

/** The registered name of each test, by id: `providerContractTest['remove.gone']`. */
export const providerContractTest: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(providerContractTests.map((t) => [t.id, t.name])),
);

/** Every test name the suite can register (fixture specs aside). */
export const providerContractTestNames: readonly string[] = Object.freeze(
  providerContractTests.map((t) => t.name),
);
