/**
 * What the provider's live watches last saw of each pod, so that logs, stop and remove can act on a
 * pod the caller names by uid without reading it first. Only a running watch keeps its view:
 * a view is emptied while its watch reconnects (it may have missed changes) and dropped when
 * the watch ends, so an entry is never older than the watch's own lag.
 *
 * Nothing that changes a pod trusts a view blindly: stop and remove send the seen
 * resourceVersion as a precondition of their PATCH or DELETE, so a pod changed since
 * (relabelled into another scope, or replaced) is refused by the API server, and they read it
 * again.
 */
import { OwnershipKeys } from '@hodei/lifecycle-core/provider';
import type { PodObject } from './pod.js';

export interface SeenPod {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly scope: string;
  readonly workerId: string;
  /** status.phase as seen ('Pending', 'Running', ...). */
  readonly phase: string | undefined;
  /** The pod has a deletionTimestamp: a deletion is under way. */
  readonly deleting: boolean;
  /** status.startTime and spec.activeDeadlineSeconds, which stop needs. */
  readonly startTime: string | undefined;
  readonly activeDeadlineSeconds: number | undefined;
}

/** One watch's view: fed by its list and events, emptied on reconnect, dropped at its end. */
export interface PodView {
  seen(pod: PodObject): void;
  gone(uid: string): void;
  clear(): void;
  close(): void;
}

function toSeen(pod: PodObject): SeenPod | undefined {
  const metadata = pod.metadata;
  const labels = metadata?.labels ?? {};
  const scope = labels[OwnershipKeys.managedBy];
  const workerId = labels[OwnershipKeys.workerId];
  if (!metadata?.name || !metadata.uid || !metadata.resourceVersion || !scope || !workerId) {
    return undefined;
  }
  return {
    name: metadata.name,
    uid: metadata.uid,
    resourceVersion: metadata.resourceVersion,
    scope,
    workerId,
    phase: pod.status?.phase,
    deleting: metadata.deletionTimestamp !== undefined,
    startTime: pod.status?.startTime,
    activeDeadlineSeconds: pod.spec?.activeDeadlineSeconds,
  };
}

export class WatchedPods {
  private readonly views = new Set<Map<string, SeenPod>>();

  /** A new view, for one watch. */
  open(): PodView {
    const pods = new Map<string, SeenPod>();
    this.views.add(pods);
    return {
      seen: (pod) => {
        const seen = toSeen(pod);
        if (seen) pods.set(seen.uid, seen);
        else if (pod.metadata?.uid) pods.delete(pod.metadata.uid);
      },
      gone: (uid) => void pods.delete(uid),
      clear: () => pods.clear(),
      close: () => {
        pods.clear();
        this.views.delete(pods);
      },
    };
  }

  /** The pod with this uid as a live watch last saw it, if it is the worker named. */
  find(uid: string, scope: string, workerId: string): SeenPod | undefined {
    for (const pods of this.views) {
      const seen = pods.get(uid);
      if (seen) return seen.scope === scope && seen.workerId === workerId ? seen : undefined;
    }
    return undefined;
  }
}
