import type { Meter } from '@opentelemetry/api';
import type { Clock } from '../clock/clock.js';
import type { TerminationReason } from '../events/events.js';
import type { EventPublisher, PublishErrorHandler } from '../events/publisher.js';
import type { LifecycleLogger } from '../observability/logger.js';
import type { Duration } from '../policy/duration.js';
import type { EphemeralWorkerPolicy, PolicyInput } from '../policy/policy.js';
import type { PolicyPresetName } from '../policy/presets.js';
import type { ProviderV1, WorkerRecordV1 } from '../provider/v1/provider-v1.js';
import type { WorkerSpec } from '../spec/worker-spec.js';
import type { LifecycleState } from '../state/lifecycle-state.js';

export interface LifecycleOptions {
  /**
   * The policy: a preset name, or fields over the preset the provider declares (its
   * `defaultPolicyPreset`, or its plugin's), else over the `generic` preset. `manager.policyPreset`
   * says which. Validated now: an invalid policy throws InvalidPolicyError here, before
   * anything runs.
   */
  policy?: PolicyInput | PolicyPresetName;
  /** Where events go. Default: nowhere. */
  publisher?: EventPublisher;
  /** Receives errors of the publisher; by default they are logged at warn. */
  onPublishError?: PublishErrorHandler;
  /** Default: the system clock. Tests pass the testkit's manual clock. */
  clock?: Clock;
  /** A pino-compatible logger. Default: silent. */
  logger?: LifecycleLogger;
  /** An OpenTelemetry meter. Default: the global meter provider's (a no-op until an SDK is installed). */
  meter?: Meter;
  /** The set of workers this manager may touch (`hodei.io/managed-by`). Default 'default'. */
  scope?: string;
  /** Unique per process (`hodei.io/owner`). Default: host, pid and a random suffix. */
  instanceId?: string;
  /**
   * false: a passthrough without lifecycle (no policy, events or cleanup). Default: the
   * environment variable HODEI_LIFECYCLE_ENABLED ('false', '0', 'off' or 'no' switch it off),
   * else true. An explicit option wins over the environment.
   */
  enabled?: boolean;
  /** Log lines attached to WorkerEphemeralTerminated where the provider has logs. Default 20. */
  logTailLines?: number;
  /**
   * First delay before retrying a failed stop or removal; doubles (with jitter) up to
   * `maxRetryDelay`. Also the interval of read-backs that confirm a stop or a removal.
   * A refused call (the provider's `retryable: false`) is retried only at the resync interval
   * (`policy.orphanCheckInterval`). Default 1s.
   */
  retryDelay?: Duration;
  /** Default 1m. */
  maxRetryDelay?: Duration;
  /**
   * Provider calls the manager makes at once for its own work (stops, removals, adoption, and
   * the log tails of Terminated events, bounded apart). Default 16.
   */
  concurrency?: number;
  /** How often to poll a starting worker's readiness when the provider has no watch. Default 1s. */
  readinessPollInterval?: Duration;
  /** Close the wrapped provider on close(). Default true. */
  closeProvider?: boolean;
  /**
   * Owner liveness, where the provider has leases (`capabilities.leases`): this instance holds
   * a lease that says it is alive, taken at start, renewed every third of `durationMs` (whole
   * milliseconds >= 1000; default 15 000) and released on close(). Another manager of the
   * scope never reports a live owner's workers as orphans, and adopts a dead owner's within
   * one lease duration plus one resync. `false`: hold none (this instance then looks dead to
   * the others, which adopt its workers). Providers without leases: no effect.
   */
  lease?: { durationMs?: number } | false;
}

/** What the manager knows of one worker. */
export interface ManagedWorkerInfo {
  readonly workerId: string;
  readonly uid: string | undefined;
  readonly state: LifecycleState;
  /** The manager instance that created it. */
  readonly owner: string;
  /** Found on the infrastructure rather than created by this manager instance. */
  readonly adopted: boolean;
  readonly createdAt: Date;
  readonly expiresAt: Date | undefined;
  /** Marked busy by the caller. */
  readonly busy: boolean;
  readonly idleSince: Date | undefined;
  readonly exitCode: number | undefined;
  readonly terminationReason: TerminationReason | undefined;
  /** When the removal is due (TTL), once the worker has ended. */
  readonly cleanupAt: Date | undefined;
  /** Failed removal attempts so far, read-backs that confirm a removal included (each is retried). */
  readonly removalAttempts: number;
  /** Failed stop attempts so far (each is retried). */
  readonly stopAttempts: number;
  /** The stop or removal failing now, until it succeeds. */
  readonly failure: WorkerFailureInfo | undefined;
}

/** A stop or removal that failed and will be tried again. */
export interface WorkerFailureInfo {
  readonly action: 'stop' | 'remove';
  readonly message: string;
  /**
   * A refusal a retry cannot fix soon (the provider said `retryable: false`: HTTP 403,
   * NotOwned...): it is tried again only at the resync interval, and was announced with a
   * WorkerEphemeralActionFailed event. Otherwise it is retried with backoff.
   */
  readonly terminal: boolean;
  /** Failures in a row. */
  readonly attempts: number;
  readonly nextAttemptAt: Date;
}

export interface GarbageCollectionSummary {
  readonly workersCleaned: number;
  readonly orphansDetected: number;
  readonly errors: readonly string[];
  readonly duration: number;
}

export interface TerminateOptions {
  /** Default ManualTermination. */
  reason?: TerminationReason;
  /** Between the polite stop signal and the kill. Default: the policy's gracefulTerminationTimeout. */
  gracePeriodMs?: number;
}

export interface CreateWorkerOptions {
  /** Default: generated. Must be a DNS label of at most 48 characters. */
  workerId?: string;
  /** Cancelling removes whatever was created; createWorker rejects with CancelledError. */
  signal?: AbortSignal;
}

/**
 * A provider with a lifecycle. It still satisfies the provider contract, so code written
 * against a provider works unchanged, and adds policy enforcement, states, events, garbage
 * collection, orphan detection and adoption after a restart.
 */
export interface LifecycleManager extends ProviderV1, AsyncDisposable {
  readonly scope: string;
  readonly instanceId: string;
  readonly enabled: boolean;
  readonly policy: EphemeralWorkerPolicy;
  /** The preset the policy started from: named in the options, declared by the provider, or 'generic'. */
  readonly policyPreset: string;
  /** The wrapped provider. */
  readonly inner: ProviderV1;

  /**
   * Lists the scope once, adopts what it finds, starts watching and the periodic resync.
   * Called by the first createWorker if not before; safe to call again.
   */
  start(): Promise<void>;
  /**
   * Validates the spec and the policy, creates the worker and tracks it (in state Created
   * while the create call runs). If the call fails after making something, that half-made
   * worker is removed before this rejects (or, if its removal fails too, left to the manager's
   * retries).
   */
  createWorker(spec: WorkerSpec, options?: CreateWorkerOptions): Promise<WorkerRecordV1>;
  /** The caller's "mark busy": the idle timeout stops counting. */
  markBusy(workerId: string): void;
  /** The caller's "mark idle": the idle timeout counts from now. */
  markIdle(workerId: string): void;
  /**
   * Stops the worker (where the provider can stop; within `gracePeriodMs`, default the policy's
   * `gracefulTerminationTimeout`) and schedules its removal after the TTL. Resolves once it has
   * ended (Terminated or Failed); rejects if the infrastructure refuses the stop.
   */
  terminate(workerId: string, options?: TerminateOptions): Promise<void>;
  /** What the manager knows of one worker (from the start of its create call until it is gone). */
  worker(workerId: string): ManagedWorkerInfo | undefined;
  workers(): ManagedWorkerInfo[];
  /** Lists the scope now: repairs what watches missed, finds orphans, reports a summary. */
  collectGarbage(): Promise<GarbageCollectionSummary>;
  /** Stops timers and watches; workers are left to their stamped deadlines. */
  close(): Promise<void>;
}
