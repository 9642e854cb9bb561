export { parseCpuMillis, parseMemoryBytes } from './quantities.js';
export { SpecLimits, validateWorkerSpec, workerSpecIssues } from './validate-spec.js';
export type { ValidatedWorkerSpec, WorkerResources, WorkerSpec } from './worker-spec.js';
