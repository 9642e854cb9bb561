/**
 * The watch: the kit's reflector over the API server's list and watch. List once, then watch
 * from the list's resourceVersion; a watch the server ends (its timeoutSeconds) resumes from
 * the last resourceVersion seen (bookmarks keep it fresh). On 410 Gone it lists again at once;
 * on a dropped connection it backs off and lists again: an `upsert` for every pod present and
 * a `removed` for every pod seen before that vanished meanwhile. So no change is lost; a
 * consumer may see a state twice.
 */
import {
  type LifecycleError,
  type ReflectorEvent,
  reflect,
  systemClock,
  type WorkerObservationV1,
} from '@hodei/lifecycle-core/provider';
import { KubeHttpError, type KubeStatus } from './errors.js';
import type { KubeClient } from './kube-client.js';
import { type PodObject, podToRecord } from './pod.js';
import type { PodView, WatchedPods } from './watched-pods.js';

export interface WatchDeps {
  readonly client: KubeClient;
  /** `/api/v1/namespaces/<ns>/pods` */
  readonly podsPath: string;
  readonly labelSelector: string;
  /** Extra check of each pod (its scope label). */
  readonly accept: (pod: PodObject) => boolean;
  readonly watchTimeoutSeconds: number;
  readonly reconnectTimeoutMs: number;
  /** Where the pods this watch sees are kept for the provider (see watched-pods.ts). */
  readonly pods?: WatchedPods;
  /** The kit's error mapping. */
  readonly fail: (error: unknown) => LifecycleError;
}

interface WatchEvent {
  readonly type?: string;
  readonly object?: PodObject & KubeStatus;
}

interface PodList {
  readonly metadata?: { resourceVersion?: string };
  readonly items?: PodObject[];
}

export async function* watchPods(
  deps: WatchDeps,
  signal: AbortSignal,
): AsyncGenerator<WorkerObservationV1> {
  const { client } = deps;
  const selector = encodeURIComponent(deps.labelSelector);
  // Opened when the iteration starts, so the finally below always closes it.
  const view = deps.pods?.open();
  try {
    yield* reflect<string | undefined>({
      signal,
      clock: systemClock,
      giveUpAfterMs: deps.reconnectTimeoutMs,
      fail: deps.fail,
      describeTarget: `the API server ${client.server}`,
      source: {
        async list(listSignal) {
          view?.clear();
          const list = await client.request<PodList>(
            'GET',
            `${deps.podsPath}?labelSelector=${selector}`,
            { signal: listSignal },
          );
          const records = [];
          for (const pod of list.items ?? []) {
            const record = deps.accept(pod) ? podToRecord(pod) : undefined;
            if (!record) continue;
            view?.seen(pod);
            records.push(record);
          }
          return { records, cursor: list.metadata?.resourceVersion };
        },
        watch: (resourceVersion, watchSignal) =>
          watchFrom(deps, selector, resourceVersion, watchSignal, view),
      },
    });
  } finally {
    view?.close();
  }
}

/** One watch request, from `resourceVersion`, as reflector events. */
async function* watchFrom(
  deps: WatchDeps,
  selector: string,
  resourceVersion: string | undefined,
  signal: AbortSignal,
  view: PodView | undefined,
): AsyncGenerator<ReflectorEvent<string | undefined>> {
  const query = [
    'watch=1',
    'allowWatchBookmarks=true',
    `timeoutSeconds=${deps.watchTimeoutSeconds}`,
    `labelSelector=${selector}`,
    ...(resourceVersion ? [`resourceVersion=${encodeURIComponent(resourceVersion)}`] : []),
  ].join('&');
  const idleTimeoutMs = (deps.watchTimeoutSeconds + 30) * 1000;
  try {
    for await (const raw of deps.client.stream(
      `${deps.podsPath}?${query}`,
      signal,
      idleTimeoutMs,
    )) {
      const event = raw as WatchEvent;
      const object = event.object;
      if (event.type === 'ERROR') {
        const code = object?.code ?? 500;
        // Too old: list again, then watch from the new resourceVersion.
        if (code === 410) {
          yield { type: 'relist' };
          return;
        }
        throw new KubeHttpError(code, object, 'GET', `${deps.podsPath} (watch)`);
      }
      const version = object?.metadata?.resourceVersion;
      if (version) yield { type: 'cursor', cursor: version };
      if (event.type === 'BOOKMARK' || !object) continue;
      if (!deps.accept(object)) {
        if (object.metadata?.uid) view?.gone(object.metadata.uid);
        continue;
      }
      const record = podToRecord(object);
      if (!record) continue;
      if (event.type === 'DELETED') {
        view?.gone(record.uid);
        yield { type: 'removed', workerId: record.workerId, uid: record.uid };
      } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
        view?.seen(object);
        yield { type: 'upsert', worker: record };
      }
    }
  } catch (error) {
    // Changes may be missed until the next list: the view must not be trusted meanwhile.
    view?.clear();
    // The watch request itself refused as too old: list again at once.
    if (error instanceof KubeHttpError && error.status === 410) {
      yield { type: 'relist' };
      return;
    }
    throw error;
  }
}
