/**
 * The watch: list once, then watch from the list's resourceVersion. A watch the server ends
 * (its timeoutSeconds) resumes from the last resourceVersion seen (bookmarks keep it fresh).
 * On 410 Gone, or a dropped connection, it lists again: an `upsert` for every pod present and
 * a `removed` for every pod seen before that vanished meanwhile, then watches from the new
 * list's resourceVersion. So no change is lost; a consumer may see a state twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ProviderError,
  type WorkerObservationV1,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core';
import { isRetryableStatus, KubeHttpError, type KubeStatus, toLifecycleError } from './errors.js';
import type { KubeClient } from './kube-client.js';
import { type PodObject, podToRecord } from './pod.js';
import type { WatchedPods } from './watched-pods.js';

export interface WatchDeps {
  readonly client: KubeClient;
  readonly providerId: string;
  /** `/api/v1/namespaces/<ns>/pods` */
  readonly podsPath: string;
  readonly labelSelector: string;
  /** Extra check of each pod (its scope label). */
  readonly accept: (pod: PodObject) => boolean;
  readonly watchTimeoutSeconds: number;
  readonly reconnectTimeoutMs: number;
  /** Where the pods this watch sees are kept for the provider (see watched-pods.ts). */
  readonly pods?: WatchedPods;
}

interface WatchEvent {
  readonly type?: string;
  readonly object?: PodObject & KubeStatus;
}

interface PodList {
  readonly metadata?: { resourceVersion?: string };
  readonly items?: PodObject[];
}

const MAX_BACKOFF_MS = 2_000;

export async function* watchPods(
  deps: WatchDeps,
  signal: AbortSignal,
): AsyncGenerator<WorkerObservationV1> {
  const { client } = deps;
  /** Pods emitted as present, by uid: what a re-list must compare against. */
  const known = new Map<string, string>();
  let resourceVersion: string | undefined;
  let mustList = true;
  let failingSince: number | undefined;
  let attempt = 0;
  const selector = encodeURIComponent(deps.labelSelector);
  // Opened when the iteration starts, so the finally below always closes it.
  const view = deps.pods?.open();

  try {
    while (!signal.aborted) {
      try {
        if (mustList) {
          const list = await client.request<PodList>(
            'GET',
            `${deps.podsPath}?labelSelector=${selector}`,
            { signal },
          );
          resourceVersion = list.metadata?.resourceVersion;
          mustList = false;
          failingSince = undefined;
          attempt = 0;
          const present = new Set<string>();
          view?.clear();
          for (const pod of list.items ?? []) {
            const record = deps.accept(pod) ? podToRecord(pod) : undefined;
            if (!record) continue;
            view?.seen(pod);
            present.add(record.uid);
            known.set(record.uid, record.workerId);
            yield { type: 'upsert', worker: record };
          }
          for (const [uid, workerId] of [...known]) {
            if (present.has(uid)) continue;
            known.delete(uid);
            yield { type: 'removed', workerId, uid };
          }
        }
        const query = [
          'watch=1',
          'allowWatchBookmarks=true',
          `timeoutSeconds=${deps.watchTimeoutSeconds}`,
          `labelSelector=${selector}`,
          ...(resourceVersion ? [`resourceVersion=${encodeURIComponent(resourceVersion)}`] : []),
        ].join('&');
        const idleTimeoutMs = (deps.watchTimeoutSeconds + 30) * 1000;
        for await (const raw of client.stream(`${deps.podsPath}?${query}`, signal, idleTimeoutMs)) {
          const event = raw as WatchEvent;
          const object = event.object;
          if (event.type === 'ERROR') {
            const code = object?.code ?? 500;
            if (code === 410) {
              mustList = true; // too old: list again, then watch from the new resourceVersion
              break;
            }
            throw new KubeHttpError(code, object, 'GET', `${deps.podsPath} (watch)`);
          }
          failingSince = undefined;
          attempt = 0;
          resourceVersion = object?.metadata?.resourceVersion ?? resourceVersion;
          if (event.type === 'BOOKMARK' || !object) continue;
          if (!deps.accept(object)) {
            if (object.metadata?.uid) view?.gone(object.metadata.uid);
            continue;
          }
          const record: WorkerRecordV1 | undefined = podToRecord(object);
          if (!record) continue;
          if (event.type === 'DELETED') {
            view?.gone(record.uid);
            known.delete(record.uid);
            yield { type: 'removed', workerId: record.workerId, uid: record.uid };
          } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
            view?.seen(object);
            known.set(record.uid, record.workerId);
            yield { type: 'upsert', worker: record };
          }
        }
        // The server ended the watch (timeoutSeconds) or we must re-list: go round again.
      } catch (error) {
        // Changes may be missed until the re-list: the view must not be trusted meanwhile.
        view?.clear();
        if (signal.aborted) return;
        if (error instanceof KubeHttpError && error.status === 410) {
          mustList = true;
          continue;
        }
        if (error instanceof KubeHttpError && !isRetryableStatus(error.status)) {
          throw toLifecycleError(deps.providerId, 'watch', error);
        }
        const now = Date.now();
        failingSince ??= now;
        if (now - failingSince > deps.reconnectTimeoutMs) {
          throw new ProviderError(
            deps.providerId,
            `watch: the API server ${client.server} was unreachable for ${now - failingSince} ms: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { retryable: true, cause: error, status: statusOf(error) },
          );
        }
        mustList = true; // a dropped stream: re-list to repair, then watch again
        try {
          await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt), undefined, { signal });
        } catch {
          return; // aborted while waiting
        }
        attempt += 1;
      }
    }
  } finally {
    view?.close();
  }
}

function statusOf(error: unknown): number | string | undefined {
  if (error instanceof KubeHttpError) return error.status;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}
