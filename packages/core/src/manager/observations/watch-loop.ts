/**
 * Consumes the provider's watch. When the stream drops, it waits (backoff), asks for one
 * re-list (the only re-list path: the same one the resync and collectGarbage use), and
 * watches again.
 */
import { type Clock, sleep } from '../../clock/clock.js';
import type { LifecycleLogger } from '../../observability/logger.js';
import type {
  ProviderV1,
  WorkerObservationV1,
  WorkerSelectorV1,
} from '../../provider/v1/provider-v1.js';
import { type BackoffSettings, backoffDelay } from '../executor/backoff.js';

export interface WatchLoopOptions {
  readonly provider: ProviderV1;
  readonly selector: WorkerSelectorV1;
  readonly clock: Clock;
  readonly logger: LifecycleLogger;
  readonly backoff: BackoffSettings;
  readonly signal: AbortSignal;
  readonly observe: (observation: WorkerObservationV1) => void;
  /** Whether a stream is open: removals are then confirmed by its events. */
  readonly setWatching: (watching: boolean) => void;
  readonly relist: () => void;
}

export async function runWatchLoop(options: WatchLoopOptions): Promise<void> {
  const { provider, signal } = options;
  const watch = provider.watch!.bind(provider);
  let failures = 0;
  while (!signal.aborted) {
    options.setWatching(true);
    try {
      for await (const observation of watch(options.selector, { signal })) {
        failures = 0;
        options.observe(observation);
      }
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      options.logger.warn({ err: error, failures }, 'watch dropped; re-listing and watching again');
    } finally {
      options.setWatching(false);
    }
    if (signal.aborted) return;
    try {
      await sleep(options.clock, backoffDelay(failures, options.backoff), signal);
    } catch {
      return; // closed while waiting
    }
    options.relist();
  }
}
