import type { ProviderCapabilitiesV1 } from '@hodei/lifecycle-core';
import type { ContractContext } from './contract-context.js';

/** What a test needs beyond the fixtures: parts of the factory's result, or `close()`. */
export type ContractNeed =
  | 'countCalls'
  | 'faults.failNext'
  | 'faults.dropWatches'
  | 'anotherInstance'
  | 'close';

/** A fixture a test needs beyond `longRunning` and `completes`. */
export type ContractFixtureName =
  | 'withLogs'
  | 'ignoresSigterm'
  | 'neverReady'
  | 'startsSlowly'
  | 'invalidSpecs';

/** One promise of the contract and the test that checks it. */
export interface ContractCase {
  /** Stable id, for selection (`only`) and for the guide: `remove.gone`. */
  readonly id: string;
  /** The promise, in the words the guide uses. */
  readonly promise: string;
  /** The guide's heading it is listed under. */
  readonly group: string;
  /** Runs only when the provider declares this capability. */
  readonly capability?: keyof ProviderCapabilitiesV1;
  readonly fixture?: ContractFixtureName;
  readonly needs?: readonly ContractNeed[];
  /** The test closes the provider: its cleanup goes through another instance. */
  readonly closesProvider?: boolean;
  run(ctx: ContractContext): Promise<void>;
}

/** The name a case is registered under: its id, then its promise. */
export const contractTestName = (c: Pick<ContractCase, 'id' | 'promise'>) =>
  `${c.id}: ${c.promise}`;
