/**
 * The pod of a worker (built from the validated spec, the ownership stamp and the extension),
 * its name, and the record read back from an observed pod.
 */
import { createHash } from 'node:crypto';
import {
  mergeWithOwnership,
  type Ownership,
  OwnershipKeys,
  type OwnershipStamp,
  type ValidatedWorkerSpec,
  type WorkerPhaseV1,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core/provider';
import type { KubernetesWorkerExtension } from './extension.js';

/** The name of the worker's container in its pod. */
export const WORKER_CONTAINER = 'worker';

/**
 * The pod name of a worker: its id (a DNS label of at most 48 characters) and 8 hex digits of
 * the scope's hash, so two scopes may use one worker id in one namespace. At most 57
 * characters, a valid DNS-1123 label (so it also serves as the pod's hostname).
 */
export function podName(scope: string, workerId: string): string {
  const hash = createHash('sha256').update(scope).digest('hex').slice(0, 8);
  return `${workerId}-${hash}`;
}

/** The label selector of a scope (plus optional extra labels): `hodei.io/managed-by=<scope>,...`. */
export function scopeSelector(
  scope: string,
  labels: Readonly<Record<string, string>> = {},
): string {
  const parts = [`${OwnershipKeys.managedBy}=${scope}`];
  for (const [key, value] of Object.entries(labels)) parts.push(`${key}=${value}`);
  return parts.join(',');
}

// ---------------------------------------------------------------- pod shape (plain data)

/** The parts of a Kubernetes Pod object the provider reads. Internal: never exported. */
export interface PodObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: {
    activeDeadlineSeconds?: number;
    [key: string]: unknown;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    conditions?: { type?: string; status?: string; reason?: string; lastTransitionTime?: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string; message?: string };
    terminated?: { exitCode?: number; reason?: string; startedAt?: string; finishedAt?: string };
  };
}

export interface BuildPodInput {
  readonly namespace: string;
  readonly spec: ValidatedWorkerSpec;
  readonly ownership: Ownership;
  readonly stamp: OwnershipStamp;
  readonly extension: KubernetesWorkerExtension;
  readonly terminationGracePeriodSeconds: number;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/** The activeDeadlineSeconds that ends the pod at `expiresAt` (at least 1). */
export function deadlineSeconds(expiresAt: Date, now: number): number {
  return Math.max(1, Math.ceil((expiresAt.getTime() - now) / 1000));
}

/** The Pod object created for a worker. */
export function buildPod(input: BuildPodInput): PodObject {
  const { spec, ownership, stamp, extension: ext } = input;
  const security = ext.securityContext ?? {};
  const limits: Record<string, string> = {};
  if (spec.resources.cpuMillis !== undefined) limits.cpu = `${spec.resources.cpuMillis}m`;
  if (spec.resources.memoryBytes !== undefined) limits.memory = String(spec.resources.memoryBytes);
  const podSecurity: Record<string, unknown> = { seccompProfile: { type: 'RuntimeDefault' } };
  if (security.runAsNonRoot !== undefined) podSecurity.runAsNonRoot = security.runAsNonRoot;
  if (security.runAsUser !== undefined) podSecurity.runAsUser = security.runAsUser;
  if (security.runAsGroup !== undefined) podSecurity.runAsGroup = security.runAsGroup;
  if (security.fsGroup !== undefined) podSecurity.fsGroup = security.fsGroup;
  const containerSecurity: Record<string, unknown> = {
    allowPrivilegeEscalation: false,
    privileged: false,
  };
  if (security.readOnlyRootFilesystem !== undefined) {
    containerSecurity.readOnlyRootFilesystem = security.readOnlyRootFilesystem;
  }
  if (security.dropAllCapabilities) containerSecurity.capabilities = { drop: ['ALL'] };

  const container: Record<string, unknown> = {
    name: WORKER_CONTAINER,
    image: spec.image,
    env: Object.entries(spec.env).map(([name, value]) => ({ name, value })),
    securityContext: containerSecurity,
  };
  if (spec.command !== undefined) container.command = [...spec.command];
  if (spec.args !== undefined) container.args = [...spec.args];
  if (Object.keys(limits).length > 0) container.resources = { limits, requests: { ...limits } };
  if (ext.imagePullPolicy !== undefined) container.imagePullPolicy = ext.imagePullPolicy;

  const podSpec: Record<string, unknown> = {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
    automountServiceAccountToken: ext.automountServiceAccountToken ?? false,
    enableServiceLinks: false,
    securityContext: podSecurity,
    containers: [container],
  };
  if (ownership.expiresAt !== undefined) {
    podSpec.activeDeadlineSeconds = deadlineSeconds(ownership.expiresAt, input.now);
  }
  if (ext.serviceAccountName !== undefined) podSpec.serviceAccountName = ext.serviceAccountName;
  if (ext.nodeSelector !== undefined) podSpec.nodeSelector = { ...ext.nodeSelector };
  if (ext.tolerations !== undefined) podSpec.tolerations = ext.tolerations.map((t) => ({ ...t }));
  if (ext.priorityClassName !== undefined) podSpec.priorityClassName = ext.priorityClassName;
  if (ext.runtimeClassName !== undefined) podSpec.runtimeClassName = ext.runtimeClassName;
  if (ext.imagePullSecrets !== undefined) {
    podSpec.imagePullSecrets = ext.imagePullSecrets.map((name) => ({ name }));
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(ownership.scope, ownership.workerId),
      namespace: input.namespace,
      labels: mergeWithOwnership(spec.labels, stamp.labels),
      annotations: mergeWithOwnership(spec.annotations, stamp.annotations),
    },
    spec: podSpec,
  };
}

// ---------------------------------------------------------------- pod -> record

const phases: Record<string, WorkerPhaseV1> = {
  Pending: 'pending',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
};

const date = (value: string | undefined): Date | undefined => {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
};

/** True when the pod carries the scope's label (and, when given, the worker id's). */
export function podBelongsTo(pod: PodObject, scope: string, workerId?: string): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (
    labels[OwnershipKeys.managedBy] === scope &&
    (workerId === undefined || labels[OwnershipKeys.workerId] === workerId)
  );
}

/** The worker record of an observed pod; undefined for a pod without a worker id label. */
export function podToRecord(pod: PodObject): WorkerRecordV1 | undefined {
  const labels = pod.metadata?.labels ?? {};
  const workerId = labels[OwnershipKeys.workerId];
  const uid = pod.metadata?.uid;
  if (!workerId || !uid) return undefined;
  const status = pod.status ?? {};
  const phase = phases[status.phase ?? ''] ?? (status.phase ? 'unknown' : 'pending');
  const container =
    status.containerStatuses?.find((c) => c.name === WORKER_CONTAINER) ??
    status.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const readyCondition = status.conditions?.find((c) => c.type === 'Ready');
  const finished = phase === 'succeeded' || phase === 'failed';
  const finishedAt = finished
    ? (date(terminated?.finishedAt) ??
      date(readyCondition?.lastTransitionTime) ??
      date(pod.metadata?.creationTimestamp))
    : undefined;
  return {
    workerId,
    uid,
    phase,
    ready: phase === 'running' && readyCondition?.status === 'True',
    exitCode: typeof terminated?.exitCode === 'number' ? terminated.exitCode : undefined,
    reason:
      status.reason ??
      terminated?.reason ??
      container?.state?.waiting?.reason ??
      (phase === 'pending'
        ? status.conditions?.find((c) => c.status === 'False' && c.reason)?.reason
        : undefined),
    createdAt: date(pod.metadata?.creationTimestamp) ?? new Date(0),
    startedAt: date(status.startTime) ?? date(container?.state?.running?.startedAt),
    finishedAt,
    removing:
      pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    labels: { ...labels },
    annotations: { ...(pod.metadata?.annotations ?? {}) },
  };
}
