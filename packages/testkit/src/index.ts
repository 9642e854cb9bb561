/**
 * @hodei/lifecycle-testkit: an in-memory provider with fault injection, a manual clock, an
 * event recorder, and the contract suite every provider must pass.
 *
 * @packageDocumentation
 */
export * from './clock/index.js';
export * from './contract/index.js';
export * from './events/index.js';
export * from './memory/index.js';
export * from './poll/index.js';
