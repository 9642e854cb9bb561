export { type Clock, sleep, systemClock, type TimerHandle } from './clock.js';
