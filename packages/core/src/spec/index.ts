export { parseCpuMillis, parseMemoryBytes } from './quantities.js';
export { SpecLimits, validateWorkerSpec, workerSpecIssues } from './validate-spec.js';
export {
  type ValidatedWorkerRequest,
  validateWorkerRequest,
  type WorkerRequestOptions,
} from './validate-worker-request.js';
export type { ValidatedWorkerSpec, WorkerResources, WorkerSpec } from './worker-spec.js';
