export {
  assertTransition,
  canTransition,
  isActiveState,
  isFinishedState,
  LifecycleState,
  lifecycleTransitions,
} from './lifecycle-state.js';
