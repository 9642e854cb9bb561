export { createEventRecorder, type EventRecorder, type WaitForOptions } from './event-recorder.js';
