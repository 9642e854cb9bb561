/**
 * The ownership stamp: the same labels on every provider, so any manager of the scope, or an
 * operator with kubectl or docker, can tell whose a worker is and when it must die.
 */
import { InvalidOptionsError, type ValidationIssue } from '../errors/errors.js';
import { dnsLabelProblem, labelValueProblem } from './platform-rules.js';

export const OWNERSHIP_PREFIX = 'hodei.io/';

export const OwnershipKeys = {
  /** label: the manager's scope name; a manager only ever touches its own scope */
  managedBy: 'hodei.io/managed-by',
  /** label: the worker id */
  workerId: 'hodei.io/worker-id',
  /** label: the provider instance id */
  providerId: 'hodei.io/provider-id',
  /** label: the manager instance that created it */
  owner: 'hodei.io/owner',
  /** annotation (Docker: label): absolute deadline from maxLifetime, RFC 3339 */
  expiresAt: 'hodei.io/expires-at',
  /** annotation (Docker: label): seconds to keep after completion */
  ttlAfterFinished: 'hodei.io/ttl-after-finished',
} as const;

/** Who owns a worker and when it must go, as stamped on it at creation. */
export interface Ownership {
  readonly scope: string;
  readonly workerId: string;
  readonly providerId: string;
  /** The manager instance that created the worker. */
  readonly owner: string;
  /** Absolute deadline (maxLifetime), if one was stamped. */
  readonly expiresAt: Date | undefined;
  /** Seconds to keep the worker after it finishes, if stamped. */
  readonly ttlAfterFinishedSeconds: number | undefined;
}

/** Labels and annotations as a provider stamps them on the physical worker. */
export interface OwnershipStamp {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Checks identifiers that become label values; throws InvalidOptionsError listing the problems. */
export function assertOwnershipIds(
  what: string,
  ids: { scope?: string; providerId?: string; owner?: string; workerId?: string },
): void {
  const issues: ValidationIssue[] = [];
  for (const [field, value] of Object.entries(ids)) {
    if (value === undefined) continue;
    const problem = idProblem(field, value);
    if (problem) issues.push({ path: field, message: problem });
  }
  if (issues.length > 0) throw new InvalidOptionsError(what, issues);
}

/** The longest worker id: a pod name is the id plus '-' and 8 hex digits (at most 57). */
export const MAX_WORKER_ID_LENGTH = 48;

/**
 * Why a worker id is invalid, or undefined. The worker id also names containers and pods, so
 * it follows the DNS label rule, at most 48 characters: one rule for every provider.
 */
export function workerIdProblem(workerId: string): string | undefined {
  return dnsLabelProblem(workerId, MAX_WORKER_ID_LENGTH);
}

function idProblem(field: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (field === 'workerId') return workerIdProblem(value);
  if (value.length === 0) return 'must not be empty';
  return labelValueProblem(value);
}

/** Builds the stamp a provider puts on a new worker. Ids must already be valid label values. */
export function stampOwnership(ownership: Ownership): OwnershipStamp {
  const { scope, workerId, providerId, owner, expiresAt, ttlAfterFinishedSeconds: ttl } = ownership;
  assertOwnershipIds('ownership stamp', { scope, workerId, providerId, owner });
  const issues: ValidationIssue[] = [];
  if (
    expiresAt !== undefined &&
    !(expiresAt instanceof Date && Number.isFinite(expiresAt.getTime()))
  ) {
    issues.push({ path: 'expiresAt', message: 'must be a valid Date' });
  }
  if (ttl !== undefined && !(Number.isSafeInteger(ttl) && ttl >= 0)) {
    issues.push({
      path: 'ttlAfterFinishedSeconds',
      message: 'must be a whole number of seconds >= 0',
    });
  }
  if (issues.length > 0) throw new InvalidOptionsError('ownership stamp', issues);
  const labels: Record<string, string> = {
    [OwnershipKeys.managedBy]: ownership.scope,
    [OwnershipKeys.workerId]: ownership.workerId,
    [OwnershipKeys.providerId]: ownership.providerId,
    [OwnershipKeys.owner]: ownership.owner,
  };
  const annotations: Record<string, string> = {};
  if (ownership.expiresAt !== undefined) {
    annotations[OwnershipKeys.expiresAt] = ownership.expiresAt.toISOString();
  }
  if (ownership.ttlAfterFinishedSeconds !== undefined) {
    annotations[OwnershipKeys.ttlAfterFinished] = String(ownership.ttlAfterFinishedSeconds);
  }
  return { labels, annotations };
}

/**
 * Reads the ownership stamp back from an observed worker. Looks in annotations first and then
 * labels (Docker has no annotations, so its provider keeps deadline and TTL in labels).
 * Returns undefined when the worker carries no complete ownership stamp: it is not ours.
 */
export function readOwnership(worker: {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}): Ownership | undefined {
  const read = (key: string) => worker.annotations[key] ?? worker.labels[key];
  const scope = worker.labels[OwnershipKeys.managedBy];
  const workerId = worker.labels[OwnershipKeys.workerId];
  const providerId = worker.labels[OwnershipKeys.providerId];
  const owner = worker.labels[OwnershipKeys.owner];
  if (!scope || !workerId || !providerId || !owner) return undefined;
  const expiresRaw = read(OwnershipKeys.expiresAt);
  const expires = expiresRaw === undefined ? Number.NaN : Date.parse(expiresRaw);
  const ttlRaw = read(OwnershipKeys.ttlAfterFinished);
  const ttl = ttlRaw !== undefined && /^\d+$/.test(ttlRaw) ? Number(ttlRaw) : undefined;
  return {
    scope,
    workerId,
    providerId,
    owner,
    expiresAt: Number.isNaN(expires) ? undefined : new Date(expires),
    ttlAfterFinishedSeconds: ttl,
  };
}

/** True when the key belongs to the SDK; user labels and annotations may not use it. */
export function isOwnershipKey(key: string): boolean {
  return key.startsWith(OWNERSHIP_PREFIX);
}

/**
 * Merges user labels and the ownership stamp. The stamp always wins, so even a label that
 * slipped past validation can never overwrite an ownership key.
 */
export function mergeWithOwnership(
  user: Readonly<Record<string, string>> | undefined,
  stamp: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(user ?? {})) {
    if (!isOwnershipKey(key)) merged[key] = value;
  }
  return Object.assign(merged, stamp);
}
