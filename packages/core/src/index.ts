/**
 * @hodei/lifecycle-core: the provider contract, policies, states, events, ownership labels,
 * errors and the provider plugin registry.
 *
 * @packageDocumentation
 */
export * from './clock/index.js';
export * from './errors/index.js';
export * from './events/index.js';
export * from './manager/index.js';
export * from './observability/index.js';
export * from './ownership/index.js';
export * from './policy/index.js';
export * from './provider/index.js';
export * from './registry/index.js';
export * from './spec/index.js';
export * from './state/index.js';
