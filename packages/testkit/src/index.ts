/**
 * @hodei/lifecycle-testkit: an in-memory provider with fault injection, a manual clock, an
 * event recorder, the contract suite every provider must pass, and the lifecycle conformance
 * suite (the manager on your provider).
 *
 * @packageDocumentation
 */
export * from './clock/index.js';
export * from './contract/index.js';
export * from './events/index.js';
export * from './faults/index.js';
export * from './lifecycle/index.js';
export * from './memory/index.js';
export * from './poll/index.js';
