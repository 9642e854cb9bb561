export { parseCpuMillis, parseMemoryBytes } from './quantities.js';
export { SpecLimits, validateWorkerSpec, workerSpecIssues } from './validate-spec.js';
export {
  MAX_WORKER_ID_LENGTH,
  type ValidatedWorkerRequest,
  validateWorkerRequest,
  type WorkerRequestOptions,
  workerIdProblem,
} from './validate-worker-request.js';
export type { ValidatedWorkerSpec, WorkerResources, WorkerSpec } from './worker-spec.js';
