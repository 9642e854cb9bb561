export {
  type LifecycleConformanceRegistration,
  type LifecycleTestInfo,
  lifecycleConformanceTests,
  runLifecycleConformanceSuite,
} from './lifecycle-conformance-suite.js';
export type { LifecycleContext, ManagerOptions, ManagerUnderTest } from './lifecycle-context.js';
export type {
  LifecycleConformanceSuiteOptions,
  LifecycleDurations,
  ResolvedDurations,
} from './lifecycle-options.js';
