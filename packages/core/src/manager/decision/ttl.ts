/**
 * When a finished worker's TTL starts counting, and why the job ended. A TTL must never be cut
 * short, so it counts from an instant that is surely not before the real end.
 */
import { TerminationReason } from '../../events/events.js';
import type { PresentObservation } from './decision-types.js';

const SECOND = 1_000;

/**
 * The instant a worker's TTL counts from.
 *
 * - Seen running, then seen finished: the later of when the end was observed and when the
 *   infrastructure says it happened. Kubernetes reports whole seconds (truncated), so its
 *   `finishedAt` can be up to a second before the real end; the observation is never before it.
 * - Already finished when first seen (adopted after its manager died): when it was observed
 *   means nothing (it may have ended hours ago), so the TTL counts from the reported
 *   `finishedAt`, so that a long-finished worker past its TTL is removed promptly. A report in
 *   whole seconds may be truncated (Kubernetes): the real end may be up to a second after it,
 *   so the TTL counts from one second later. Never later than the observation, which is
 *   certainly after the end.
 * - No `finishedAt` reported: the observation.
 */
export function ttlCountsFrom(observed: PresentObservation, seenUnfinished: boolean): number {
  const reported = observed.finishedAt;
  if (reported === undefined || !Number.isFinite(reported)) return observed.at;
  if (seenUnfinished) return Math.max(observed.at, reported);
  const surelyEnded = reported % SECOND === 0 ? reported + SECOND : reported;
  return Math.min(observed.at, surelyEnded);
}

/**
 * Record reasons that say the worker was ended from outside, not by its job: an operator's
 * `docker stop` (Stopped, exit 143) or `docker kill` (Killed, exit 137), an engine restart, a
 * Kubernetes eviction (Evicted).
 */
const endedFromOutside: ReadonlySet<string> = new Set(['Stopped', 'Killed', 'Evicted']);

/**
 * Why a worker that ended without this manager stopping it ended. The infrastructure's
 * deadline (Kubernetes activeDeadlineSeconds: DeadlineExceeded) is the lifetime; so is a stop
 * from outside at or after the stamped deadline (another manager of the scope enforcing it);
 * any other stop from outside is an external termination; everything else is the job's end.
 */
export function endReasonOf(
  observed: PresentObservation,
  expiresAt: number | undefined,
): TerminationReason {
  if (observed.reason === 'DeadlineExceeded') return TerminationReason.LifetimeExceeded;
  if (observed.reason !== undefined && endedFromOutside.has(observed.reason)) {
    const endedAt = observed.finishedAt ?? observed.at;
    return expiresAt !== undefined && endedAt >= expiresAt
      ? TerminationReason.LifetimeExceeded
      : TerminationReason.ExternalTermination;
  }
  return TerminationReason.JobCompleted;
}
