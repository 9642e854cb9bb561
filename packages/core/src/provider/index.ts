/**
 * The provider contracts, one folder per version. `Provider` names the current one, so code
 * that does not care about versions reads naturally; code that does imports `ProviderV1`.
 */

export { assertProviderV1, supportedSpecificationVersions } from './assert-provider.js';
export { assertWorkerRef, assertWorkerSelector, matchesSelector } from './selectors.js';
export type * from './v1/index.js';
export type { ProviderV1 as Provider } from './v1/index.js';
