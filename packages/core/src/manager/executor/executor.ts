/**
 * The executor: runs the provider calls the decision function asks for. One call at a time per
 * worker (a request for a worker with a call in flight is dropped: the decision is made again
 * when the call ends, so duplicates coalesce), at most `concurrency` calls at once (log reads
 * bounded apart), and failures recorded on the worker with the time before which it must not
 * be tried again: exponential backoff with jitter for retryable failures, the resync interval
 * for refusals (which are reported once). A success forgets the failures.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Clock } from '../../clock/clock.js';
import type { ProviderError } from '../../errors/errors.js';
import { WorkerNotFoundError } from '../../errors/errors.js';
import { LifecycleError } from '../../errors/lifecycle-error.js';
import type { ProviderV1, WorkerRecordV1, WorkerRefV1 } from '../../provider/v1/provider-v1.js';
import type { ActionFailure, Effect } from '../decision/decision-types.js';
import type { TrackedWorker } from '../worker/tracked-worker.js';
import { type BackoffSettings, backoffDelay, isTerminalFailure } from './backoff.js';

export interface ExecutorSettings extends BackoffSettings {
  readonly clock: Clock;
  readonly concurrency: number;
  /** How long a refused call waits before it is tried again: the resync interval. */
  readonly terminalRetryMs: number;
  /** Default Math.random; tests pass their own. */
  readonly random?: () => number;
}

export interface ExecutorHooks {
  /** The worker's reference for a call (its uid pins the exact physical worker). */
  ref(worker: TrackedWorker): WorkerRefV1;
  /** A read-back answered: the record, or undefined when the worker is gone. */
  read(worker: TrackedWorker, record: WorkerRecordV1 | undefined): void;
  /** A stop or removal failed; the failure is already recorded on the worker. */
  failed(worker: TrackedWorker, failure: ActionFailure, error: unknown): void;
  /** A call ended, successfully or not: decide again. */
  settled(worker: TrackedWorker): void;
  /** A call whose failure is not worth a retry record (a readiness poll). */
  ignored(worker: TrackedWorker, effect: Effect, error: unknown): void;
}

export class Executor {
  private readonly limit: LimitFunction;
  /**
   * The log tails of Terminated events, bounded like the rest but apart: a burst of endings
   * (a mass removal, many jobs completing at once) reads them `concurrency` at a time without
   * holding up the removals.
   */
  private readonly logLimit: LimitFunction;
  private closed = false;

  constructor(
    private readonly provider: ProviderV1,
    private readonly settings: ExecutorSettings,
    private readonly hooks: ExecutorHooks,
  ) {
    this.limit = pLimit(settings.concurrency);
    this.logLimit = pLimit(settings.concurrency);
  }

  /** Starts the call unless one is already running for this worker. */
  run(worker: TrackedWorker, effect: Effect): void {
    if (this.closed || worker.inFlight !== undefined) return;
    worker.inFlight = effect.kind;
    const limiter = effect.kind === 'readLogs' ? this.logLimit : this.limit;
    void limiter(() => this.call(worker, effect)).finally(() => {
      worker.inFlight = undefined;
      if (!this.closed) this.hooks.settled(worker);
    });
  }

  /** Calls already running finish; their results are dropped; nothing new starts. */
  close(): void {
    this.closed = true;
  }

  private now(): number {
    return this.settings.clock.now();
  }

  private async call(worker: TrackedWorker, effect: Effect): Promise<void> {
    if (this.closed) return;
    const provider = this.provider;
    const ref = this.hooks.ref(worker);
    try {
      switch (effect.kind) {
        case 'stop':
          try {
            await provider.stop!(ref, { gracePeriodMs: effect.gracePeriodMs });
          } catch (error) {
            // Gone already: the read-back that follows a stop will say so.
            if (!WorkerNotFoundError.isInstance(error)) throw error;
          }
          worker.stopAcceptedAt = this.now();
          this.succeeded(worker, 'stop');
          return;
        case 'remove':
          worker.removeStartedAt ??= this.now();
          await provider.remove(ref, { gracePeriodMs: effect.gracePeriodMs });
          worker.removeAcceptedAt = this.now();
          this.succeeded(worker, 'remove');
          return;
        case 'confirm': {
          const record = await provider.get(ref);
          worker.checkedAt = this.now();
          if (this.closed) return;
          this.hooks.read(worker, record);
          if (effect.of !== 'readiness')
            this.succeeded(worker, effect.of === 'stop' ? 'stop' : 'remove');
          return;
        }
        case 'readLogs':
          try {
            worker.logTail = await provider.logs!(ref, { tail: effect.tail });
          } catch {
            worker.logTail = null; // the logs are a courtesy; their absence must not stall the lifecycle
          }
          return;
      }
    } catch (error) {
      if (this.closed) return;
      if (effect.kind === 'confirm' && effect.of === 'readiness') {
        worker.checkedAt = this.now(); // polled again at the next interval
        this.hooks.ignored(worker, effect, error);
        return;
      }
      this.failed(
        worker,
        effect.kind === 'stop' || (effect.kind === 'confirm' && effect.of === 'stop')
          ? 'stop'
          : 'remove',
        error,
      );
    }
  }

  private succeeded(worker: TrackedWorker, action: 'stop' | 'remove'): void {
    if (worker.failure?.action === action) worker.failure = undefined; // forget on success
  }

  private failed(worker: TrackedWorker, action: 'stop' | 'remove', error: unknown): void {
    const terminal = isTerminalFailure(error);
    const previous = worker.failure?.action === action ? worker.failure : undefined;
    const attempts = (previous?.attempts ?? 0) + 1;
    if (action === 'stop') worker.stopFailures += 1;
    else worker.removalFailures += 1;
    const delay = terminal
      ? this.settings.terminalRetryMs
      : backoffDelay(attempts, this.settings, this.settings.random);
    const failure: ActionFailure = {
      action,
      attempts,
      terminal,
      message: error instanceof Error ? error.message : String(error),
      errorCode: LifecycleError.isInstance(error) ? error.code : undefined,
      status: (error as Partial<ProviderError> | undefined)?.status,
      notBefore: this.now() + delay,
      reported: previous?.reported ?? false,
    };
    worker.failure = failure;
    this.hooks.failed(worker, failure, error);
  }
}
