export { type LifecycleLogger, silentLogger } from './logger.js';
export { meterName } from './metrics.js';
