/**
 * The provider contract, version 1. A provider creates, observes, lists and removes physical
 * workers (containers, pods, processes). It knows nothing about policies: the lifecycle
 * manager decides when, the provider does.
 *
 * Types here are plain data: no Docker or Kubernetes client type may appear in this contract.
 */
import type { Ownership } from '../../ownership/ownership.js';
import type { PolicyPreset } from '../../policy/presets.js';
import type { WorkerSpec } from '../../spec/worker-spec.js';

export type WorkerPhaseV1 = 'pending' | 'running' | 'succeeded' | 'failed' | 'unknown';

/** Identifies one worker of one scope; `uid` pins one physical incarnation of it. */
export interface WorkerRefV1 {
  readonly workerId: string;
  /** The scope (`hodei.io/managed-by`) the worker must carry; others are never touched. */
  readonly scope: string;
  /**
   * The physical identity (container id, pod UID) observed earlier. When given, the provider
   * acts only on that exact object: a different object under the same worker id is left alone.
   */
  readonly uid?: string;
}

/** Selects the workers of one scope; only workers carrying every label given match. */
export interface WorkerSelectorV1 {
  readonly scope: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A worker as observed on the infrastructure. */
export interface WorkerRecordV1 {
  readonly workerId: string;
  /** The physical identity: container id, pod UID, process id... */
  readonly uid: string;
  readonly phase: WorkerPhaseV1;
  /** Pod Ready condition; container health check where it has one, else running. */
  readonly ready: boolean;
  readonly exitCode: number | undefined;
  /** Why it ended or is not running, in the infrastructure's words (e.g. DeadlineExceeded, OOMKilled). */
  readonly reason: string | undefined;
  readonly createdAt: Date;
  readonly startedAt: Date | undefined;
  readonly finishedAt: Date | undefined;
  /** True once a removal is under way (pod with deletionTimestamp, container being removed). */
  readonly removing: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface CreateWorkerRequestV1 {
  /** As the caller wrote it: the provider validates it (`validateWorkerSpec`) before any call. */
  readonly spec: WorkerSpec;
  /** Who owns the worker and when it expires: stamp it (`stampOwnership`) on the worker. */
  readonly ownership: Ownership;
}

export interface CreateOptionsV1 {
  /** Cancelling removes whatever was created, and create rejects with CancelledError. */
  readonly signal?: AbortSignal;
}

export interface RemoveOptionsV1 {
  /** Time between the polite stop signal and the kill, in milliseconds. */
  readonly gracePeriodMs?: number;
  readonly signal?: AbortSignal;
}

export type StopOptionsV1 = RemoveOptionsV1;

export interface LogsOptionsV1 {
  /** Only the last `tail` lines. */
  readonly tail?: number;
}

export interface WatchOptionsV1 {
  /** Ends the iteration. */
  readonly signal: AbortSignal;
}

/**
 * One observed change. `removed` means the physical worker is gone. After a dropped
 * connection, a provider re-lists and emits `upsert` for everything it sees, so a consumer may
 * receive the same state twice but never misses the latest one.
 */
export type WorkerObservationV1 =
  | { readonly type: 'upsert'; readonly worker: WorkerRecordV1 }
  | { readonly type: 'removed'; readonly workerId: string; readonly uid: string };

export interface ProviderHealthV1 {
  readonly healthy: boolean;
  readonly message?: string;
}

/** What the provider can do. Each optional method exists exactly when its flag is true. */
export interface ProviderCapabilitiesV1 {
  readonly stop: boolean;
  readonly watch: boolean;
  readonly logs: boolean;
  readonly health: boolean;
  /** The infrastructure itself enforces `ownership.expiresAt` (Kubernetes activeDeadlineSeconds). */
  readonly nativeDeadline: boolean;
  /** The infrastructure itself removes finished workers after their TTL. */
  readonly nativeTtl: boolean;
  /** `leases` exists: manager instances can say they are alive (owner liveness). */
  readonly leases?: boolean;
  /** `listScopes()` exists. */
  readonly listScopes?: boolean;
}

/** One manager instance's claim that it is alive, in one scope. */
export interface OwnerLeaseV1 {
  /** The scope: the `hodei.io/managed-by` value. */
  readonly scope: string;
  /** The manager instance id: the `hodei.io/owner` label value of its workers. */
  readonly owner: string;
  /** Judged by the infrastructure's clock, not the caller's. */
  readonly alive: boolean;
  readonly durationMs: number;
  /** When the infrastructure recorded the last renewal, when it can tell. */
  readonly renewedAt: Date | undefined;
}

/** Takes or renews one owner's lease. */
export interface LeaseHoldV1 {
  readonly scope: string;
  readonly owner: string;
  /**
   * Alive for this long from now: whole milliseconds, >= 1000. A provider whose infrastructure
   * counts in seconds rounds up, and lists the duration it holds.
   */
  readonly durationMs: number;
}

/** Names one owner's lease. */
export interface LeaseRefV1 {
  readonly scope: string;
  readonly owner: string;
}

/** Selects the leases of one scope, or of every scope when `scope` is undefined. */
export interface LeaseSelectorV1 {
  readonly scope?: string;
}

export interface LeaseHoldOptionsV1 {
  readonly signal?: AbortSignal;
}

/**
 * Owner liveness: each manager instance holds a lease that says it is alive. Other managers
 * of the scope never treat a live owner's workers as orphans.
 */
export interface ProviderLeasesV1 {
  /** Takes or renews `owner`'s lease in `scope`: alive for durationMs from now. Idempotent. */
  hold(lease: LeaseHoldV1, options?: LeaseHoldOptionsV1): Promise<void>;
  /** Ends it now (manager close). Idempotent; never touches another owner's lease. */
  release(lease: LeaseRefV1): Promise<void>;
  /** Leases of one scope, or of every scope when `scope` is undefined. */
  list(selector: LeaseSelectorV1): Promise<OwnerLeaseV1[]>;
}

export interface ProviderV1 {
  readonly specificationVersion: 'v1';
  /** The plugin type: 'docker', 'kubernetes', 'memory', ... */
  readonly type: string;
  /** This provider instance; stamped as `hodei.io/provider-id`. A valid label value. */
  readonly providerId: string;
  readonly capabilities: ProviderCapabilitiesV1;
  /**
   * The policy a manager applies when its options name none (`definePolicyPreset`). Optional:
   * without it the manager uses the preset its plugin declared, else the `generic` preset.
   */
  readonly defaultPolicyPreset?: PolicyPreset;

  /** Creates and starts the physical worker, stamped with the ownership labels and annotations. */
  create(request: CreateWorkerRequestV1, options?: CreateOptionsV1): Promise<WorkerRecordV1>;
  /** The worker as observed now, or undefined when it does not exist (in that scope). */
  get(ref: WorkerRefV1): Promise<WorkerRecordV1 | undefined>;
  /** Every worker of the scope: one call to the infrastructure, whatever their number. */
  list(selector: WorkerSelectorV1): Promise<WorkerRecordV1[]>;
  /**
   * Stops (gracefully, within the grace period) and deletes the worker. Idempotent: a worker
   * already gone, or already being removed, is success. Never touches another scope.
   */
  remove(ref: WorkerRefV1, options?: RemoveOptionsV1): Promise<void>;
  /** Stops the worker; its resource, exit status and logs stay until `remove`. */
  stop?(ref: WorkerRefV1, options?: StopOptionsV1): Promise<void>;
  /** Observations of the scope's workers until the signal aborts. */
  watch?(selector: WorkerSelectorV1, options: WatchOptionsV1): AsyncIterable<WorkerObservationV1>;
  /** Log lines of the worker, oldest first. */
  logs?(ref: WorkerRefV1, options?: LogsOptionsV1): Promise<string[]>;
  health?(): Promise<ProviderHealthV1>;
  /** Releases connections. Workers are left alone. */
  close?(): Promise<void>;
  /** Owner leases; present exactly when `capabilities.leases` is true. */
  readonly leases?: ProviderLeasesV1;
  /** Every scope with managed workers or leases; present exactly when `capabilities.listScopes`. */
  listScopes?(): Promise<string[]>;
}
