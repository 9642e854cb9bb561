export {
  createManualClock,
  MANUAL_CLOCK_DEFAULT_START,
  type ManualClock,
  type ManualClockOptions,
  type RunUntilIdleOptions,
} from './manual-clock.js';
