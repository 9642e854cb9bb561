import type { Duration } from './duration.js';

/**
 * The rules a manager enforces on every worker, as validated and normalised by `definePolicy`:
 * every duration in milliseconds.
 */
export interface EphemeralWorkerPolicy {
  /** Hard deadline from creation; stamped on the worker as `hodei.io/expires-at`. */
  readonly maxLifetime: number;
  /** How long a completed worker is kept (so its logs can be read) before removal; 0 = at once. */
  readonly ttlAfterCompletion: number;
  /** Terminate a worker that has been idle (marked idle, not busy) this long; undefined = never. */
  readonly idleTimeout: number | undefined;
  /** Grace period between the polite stop signal and the forced kill. */
  readonly gracefulTerminationTimeout: number;
  /** Remove terminated workers when their TTL runs out. */
  readonly autoCleanupEnabled: boolean;
  /** Look for lost workers and orphan resources every `orphanCheckInterval`. */
  readonly orphanDetectionEnabled: boolean;
  /** How often the manager lists its scope to repair what watches missed and find orphans. */
  readonly orphanCheckInterval: number;
  /** A worker not ready within this time is removed and confirmed gone; undefined = no limit. */
  readonly startupTimeout: number | undefined;
  /** Keep failed workers this long instead of `ttlAfterCompletion`, for debugging; undefined = off. */
  readonly retainOnFailure: number | undefined;
}

/** What callers write: durations as milliseconds or strings such as `'5m'`, every field optional. */
export interface PolicyInput {
  maxLifetime?: Duration;
  ttlAfterCompletion?: Duration;
  idleTimeout?: Duration;
  gracefulTerminationTimeout?: Duration;
  autoCleanupEnabled?: boolean;
  orphanDetectionEnabled?: boolean;
  orphanCheckInterval?: Duration;
  startupTimeout?: Duration;
  retainOnFailure?: Duration;
}
