export { type Deadline, DeadlineQueue } from './deadline-queue.js';
export { lifecycleEnabledFromEnv } from './resolve-options.js';
export type {
  CreateWorkerOptions,
  GarbageCollectionSummary,
  LifecycleManager,
  LifecycleOptions,
  ManagedWorkerInfo,
} from './types.js';
export { withLifecycle } from './with-lifecycle.js';
