/**
 * NOT a public entry point: it is not in package.json `exports`, and may change in any
 * release. The benchmarks (tools/bench) measure the manager's deadline queue directly and
 * import this file by path from the build.
 */
export { DeadlineQueue } from './manager/deadlines/deadline-queue.js';
