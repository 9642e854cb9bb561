/**
 * The Kubernetes provider: one pod per worker, in one namespace. See README.md for what the
 * manager enforces and what the kubelet does.
 */
import {
  type DefinedProvider,
  defineProvider,
  defineProviderPlugin,
  type ProviderCapabilitiesV1,
  ProviderError,
  policyPresets,
  WorkerNotFoundError,
  type WorkerRecordV1,
  type WorkerRefV1,
} from '@hodei/lifecycle-core/provider';
import {
  createErrorOf,
  describeKubeError,
  httpStatusOf,
  KubeHttpError,
  toLifecycleError,
} from './errors.js';
import { type KubernetesWorkerExtension, validateKubernetesExtension } from './extension.js';
import { defaultNamespace, KubeClient, loadKubeConfig } from './kube-client.js';
import { kubernetesLeases } from './leases.js';
import {
  buildPod,
  type PodObject,
  podBelongsTo,
  podName,
  podToRecord,
  scopeSelector,
  WORKER_CONTAINER,
} from './pod.js';
import { type KubernetesProviderSettings, resolveKubernetesSettings } from './settings.js';
import { watchPods } from './watch.js';
import { type SeenPod, WatchedPods } from './watched-pods.js';

/** What the Kubernetes provider declares. */
export const kubernetesCapabilities: ProviderCapabilitiesV1 = Object.freeze({
  stop: true,
  watch: true,
  logs: true,
  health: true,
  nativeDeadline: true,
  nativeTtl: false,
  leases: true,
  listScopes: true,
});

/** The Kubernetes provider; `namespace` is where its pods live. */
export type KubernetesProvider = DefinedProvider<'kubernetes'> &
  Required<
    Pick<DefinedProvider, 'stop' | 'watch' | 'logs' | 'health' | 'leases' | 'listScopes'>
  > & {
    readonly namespace: string;
    /** The API server's URL. */
    readonly server: string;
  };

/** Creates the provider. Settings are validated now (InvalidOptionsError listing every problem). */
export function createKubernetesProvider(
  settings: KubernetesProviderSettings = {},
): KubernetesProvider {
  const resolved = resolveKubernetesSettings(settings);
  const kc = loadKubeConfig(resolved.source, resolved.context);
  const namespace = resolved.namespace ?? defaultNamespace(kc, resolved.source);
  const client = new KubeClient(kc, resolved);
  const { providerId } = resolved;
  const podsPath = `/api/v1/namespaces/${namespace}/pods`;
  const podPath = (name: string) => `${podsPath}/${name}`;
  let closed = false;
  /** Pods as the live watches see them: logs and remove by uid then need no read first. */
  const watched = new WatchedPods();

  /** The pod of a ref with a uid as a live watch last saw it. */
  function seenPod(ref: WorkerRefV1): SeenPod | undefined {
    return ref.uid === undefined ? undefined : watched.find(ref.uid, ref.scope, ref.workerId);
  }

  /** GET the pod of a worker; undefined when absent, of another scope, or another incarnation. */
  async function readPod(ref: WorkerRefV1, signal?: AbortSignal): Promise<PodObject | undefined> {
    let pod: PodObject;
    try {
      pod = await client.request<PodObject>('GET', podPath(podName(ref.scope, ref.workerId)), {
        signal,
      });
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw error;
    }
    if (!podBelongsTo(pod, ref.scope, ref.workerId)) return undefined;
    if (ref.uid !== undefined && pod.metadata?.uid !== ref.uid) return undefined;
    return pod;
  }

  /**
   * DELETE with the uid precondition (and the resourceVersion one, when given). The deleted
   * pod as answered; 'gone' on 404; 'conflict' on 409, when a precondition failed: another pod
   * holds the name now, or (with a resourceVersion) the pod changed since it was seen.
   */
  async function deletePod(
    name: string,
    uid: string,
    gracePeriodSeconds: number,
    signal?: AbortSignal,
    resourceVersion?: string,
  ): Promise<PodObject | 'gone' | 'conflict'> {
    try {
      const answer = await client.request<PodObject>('DELETE', podPath(name), {
        signal,
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          gracePeriodSeconds,
          preconditions: resourceVersion === undefined ? { uid } : { uid, resourceVersion },
        },
      });
      return answer ?? {};
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) return 'gone';
      if (status === 409) return 'conflict';
      throw error;
    }
  }

  /** Escalates a deletion the API server accepted if the pod then hangs in Terminating. */
  function followDeletion(deleted: PodObject, name: string, uid: string): void {
    const ends = Date.parse(deleted.metadata?.deletionTimestamp ?? '');
    if (!Number.isNaN(ends)) scheduleEscalation(name, uid, ends);
  }

  /**
   * Lowers activeDeadlineSeconds, with the uid (and the resourceVersion, when given) as
   * preconditions: 'gone' on 404, 'conflict' on 409 (another pod under the name, or the pod
   * changed since it was seen).
   */
  async function patchDeadline(
    name: string,
    uid: string,
    activeDeadlineSeconds: number,
    signal: AbortSignal | undefined,
    resourceVersion?: string,
  ): Promise<'done' | 'gone' | 'conflict'> {
    try {
      await client.request('PATCH', podPath(name), {
        signal,
        contentType: 'application/merge-patch+json',
        // uid and resourceVersion in a merge patch are preconditions, checked by the server.
        body: {
          metadata: resourceVersion === undefined ? { uid } : { uid, resourceVersion },
          spec: { activeDeadlineSeconds },
        },
      });
      return 'done';
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) return 'gone';
      if (status === 409) return 'conflict';
      throw error;
    }
  }

  /** Pods being deleted, by uid: the timer that force-deletes one still Terminating too long. */
  const escalations = new Map<string, NodeJS.Timeout>();

  /**
   * A pod still Terminating `forceDeleteAfterMs` past the end of its grace period (a dead node,
   * a hung kubelet) is force-deleted (gracePeriodSeconds 0), still pinned to its uid. Runs in
   * the background, so a remove never holds the caller for a whole grace period.
   */
  function scheduleEscalation(name: string, uid: string, graceEndsAt: number): void {
    if (escalations.has(uid) || closed) return;
    const delay = Math.max(0, graceEndsAt - Date.now()) + resolved.forceDeleteAfterMs;
    const timer = setTimeout(async () => {
      escalations.delete(uid);
      try {
        const pod = await client.request<PodObject>('GET', podPath(name));
        if (pod.metadata?.uid !== uid || !pod.metadata?.deletionTimestamp) return;
        await deletePod(name, uid, 0);
      } catch {
        // gone (404), closed, or unreachable: the next remove() schedules it again
      }
    }, delay);
    timer.unref();
    escalations.set(uid, timer);
  }

  const ownerLeases = kubernetesLeases(client, namespace);

  const provider = defineProvider<'kubernetes', KubernetesWorkerExtension>({
    type: 'kubernetes',
    providerId,
    nativeDeadline: true, // activeDeadlineSeconds: the kubelet ends the pod at its deadline
    defaultGracePeriodMs: resolved.defaultGracePeriodMs,
    policyPreset: kubernetesPolicyPreset,
    describeError: describeKubeError,
    checkSpec(spec, issues) {
      const { extension, issues: found } = validateKubernetesExtension(spec.extensions?.kubernetes);
      issues.push(...found);
      return extension;
    },

    async create({ spec, extension, ownership, stamp }, ctx) {
      const pod = buildPod({
        namespace,
        spec,
        ownership,
        stamp,
        extension,
        terminationGracePeriodSeconds: Math.ceil(resolved.defaultGracePeriodMs / 1000),
        now: Date.now(),
      });
      const name = pod.metadata!.name!;
      const what = `Creating worker ${ownership.workerId}`;
      let created: PodObject;
      try {
        // Not cancelled midway: once sent, its answer tells what to remove.
        created = await client.request<PodObject>('POST', podsPath, { body: pod });
      } catch (error) {
        if (ctx.signal.aborted) {
          // The answer was lost: if the pod was made anyway, the kit removes it by its uid.
          const made = await readPod({
            scope: ownership.scope,
            workerId: ownership.workerId,
          }).catch(() => undefined);
          if (made?.metadata?.name === name && made.metadata.uid) ctx.created(made.metadata.uid);
        }
        if (httpStatusOf(error) === 409) {
          throw new ProviderError(
            providerId,
            `${what}: a pod named ${name} already exists in namespace ${namespace} (worker id ${ownership.workerId} is taken in scope ${ownership.scope})`,
            { status: 409, retryable: false, cause: error },
          );
        }
        throw createErrorOf(providerId, what, error);
      }
      if (created.metadata?.uid) ctx.created(created.metadata.uid);
      const record = podToRecord(created);
      if (!record) {
        throw new ProviderError(providerId, `${what}: the API server answered without a pod`, {
          retryable: false,
        });
      }
      return record;
    },

    async get(ref) {
      const pod = await readPod(ref);
      return pod ? podToRecord(pod) : undefined;
    },

    async list(selector) {
      const list = await client.request<{ items?: PodObject[] }>(
        'GET',
        `${podsPath}?labelSelector=${encodeURIComponent(scopeSelector(selector.scope, selector.labels))}`,
      );
      const records: WorkerRecordV1[] = [];
      for (const pod of list.items ?? []) {
        if (!podBelongsTo(pod, selector.scope)) continue;
        const record = podToRecord(pod);
        if (record) records.push(record);
      }
      return records;
    },

    async remove(ref, { gracePeriodMs, signal }) {
      const grace = Math.ceil(gracePeriodMs / 1000);
      // A pod a live watch has seen needs no read: the DELETE carries the resourceVersion
      // seen, so if the pod changed since (relabelled, replaced) the server refuses it (409)
      // and the pod is read again below.
      const seen = seenPod(ref);
      if (seen && !seen.deleting) {
        const deleted = await deletePod(seen.name, seen.uid, grace, signal, seen.resourceVersion);
        if (deleted === 'gone') return;
        if (deleted !== 'conflict') return followDeletion(deleted, seen.name, seen.uid);
      }
      const pod = await readPod(ref, signal);
      if (!pod) return; // gone, another scope's, or another incarnation: nothing to do
      const name = pod.metadata!.name!;
      const uid = pod.metadata!.uid!;
      const graceEnds = Date.parse(pod.metadata?.deletionTimestamp ?? '');
      if (!Number.isNaN(graceEnds) && graceEnds <= Date.now() + grace * 1000) {
        // Already being deleted, ending no later than asked: escalate if it hangs.
        scheduleEscalation(name, uid, graceEnds);
        return;
      }
      const deleted = await deletePod(name, uid, grace, signal);
      if (deleted === 'gone' || deleted === 'conflict') return;
      followDeletion(deleted, name, uid);
    },

    async stop(ref, { signal }) {
      // A pod a live watch has seen needs no read: the PATCH carries the resourceVersion
      // seen, so if the pod changed since the server refuses it (409) and it is read below.
      const seen = seenPod(ref);
      if (seen) {
        const target = stopTarget(
          seen.phase,
          seen.deleting,
          seen.startTime,
          seen.activeDeadlineSeconds,
        );
        if (target === undefined) return;
        const patched = await patchDeadline(
          seen.name,
          seen.uid,
          target,
          signal,
          seen.resourceVersion,
        );
        if (patched === 'gone') throw new WorkerNotFoundError(ref.workerId);
        if (patched === 'done') return;
      }
      const pod = await readPod(ref, signal);
      if (!pod) throw new WorkerNotFoundError(ref.workerId);
      const target = stopTarget(
        pod.status?.phase,
        pod.metadata?.deletionTimestamp !== undefined,
        pod.status?.startTime,
        pod.spec?.activeDeadlineSeconds,
      );
      if (target === undefined) return;
      const patched = await patchDeadline(pod.metadata!.name!, pod.metadata!.uid!, target, signal);
      if (patched !== 'done') throw new WorkerNotFoundError(ref.workerId);
    },

    watch(selector, ctx) {
      return watchPods(
        {
          client,
          podsPath,
          labelSelector: scopeSelector(selector.scope, selector.labels),
          accept: (pod) =>
            podBelongsTo(pod, selector.scope) &&
            Object.entries(selector.labels ?? {}).every(
              ([key, value]) => pod.metadata?.labels?.[key] === value,
            ),
          watchTimeoutSeconds: resolved.watchTimeoutSeconds,
          reconnectTimeoutMs: resolved.watchReconnectTimeoutMs,
          pods: watched,
          fail: ctx.fail,
        },
        ctx.signal,
      );
    },

    async logs(ref, { tail }) {
      // A pod a live watch has seen is read by name with no GET first; else read it (and
      // check it is this scope's worker) first.
      const seen = seenPod(ref);
      const pod = seen ? undefined : await readPod(ref);
      if (!seen && !pod) throw new WorkerNotFoundError(ref.workerId);
      const name = seen?.name ?? pod!.metadata!.name!;
      const phase = seen ? seen.phase : pod?.status?.phase;
      const query = `container=${WORKER_CONTAINER}${tail === undefined ? '' : `&tailLines=${tail}`}`;
      let text: string;
      try {
        text = await client.request<string>('GET', `${podPath(name)}/log?${query}`, {
          text: true,
        });
      } catch (error) {
        // 400 "container is waiting to start": no logs yet.
        if (error instanceof KubeHttpError && error.status === 400 && phase === 'Pending') {
          return [];
        }
        if (httpStatusOf(error) === 404) throw new WorkerNotFoundError(ref.workerId);
        throw error;
      }
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      return lines;
    },

    async health() {
      try {
        const text = await client.request<string>('GET', '/readyz', { text: true });
        return { healthy: true, message: `${client.server}: ${text.trim() || 'ok'}` };
      } catch (error) {
        const mapped = toLifecycleError(providerId, 'GET /readyz', error);
        return { healthy: false, message: mapped.message };
      }
    },

    // Owner leases: a coordination.k8s.io/v1 Lease per manager instance, judged on the server's clock.
    leases: ownerLeases.leases,
    listScopes: ownerLeases.listScopes,

    close() {
      closed = true;
      for (const timer of escalations.values()) clearTimeout(timer);
      escalations.clear();
      client.close();
    },
  });

  return Object.assign(provider, { namespace, server: client.server }) as KubernetesProvider;
}

/**
 * The activeDeadlineSeconds that makes the kubelet end a pod now (it ends a pod at
 * status.startTime + activeDeadlineSeconds, and the API allows lowering it on a live pod): the
 * time already run. Undefined when there is nothing to do: ended, being deleted, or already due.
 */
function stopTarget(
  phase: string | undefined,
  deleting: boolean,
  startTime: string | undefined,
  activeDeadlineSeconds: number | undefined,
): number | undefined {
  if (phase === 'Succeeded' || phase === 'Failed' || deleting) return undefined;
  const startedAt = Date.parse(startTime ?? '');
  const ran = Number.isNaN(startedAt) ? 0 : Math.floor((Date.now() - startedAt) / 1000);
  const target = Math.max(1, ran);
  return activeDeadlineSeconds !== undefined && activeDeadlineSeconds <= target
    ? undefined
    : target;
}

/** The Kubernetes preset of the plan (DESIGN.md section 3): what a manager applies by default. */
const kubernetesPolicyPreset = Object.freeze({
  name: 'kubernetes',
  policy: policyPresets.kubernetes,
});

/** The provider as a plugin: `createProviderRegistry([kubernetesProviderPlugin])`. */
export const kubernetesProviderPlugin = defineProviderPlugin({
  type: 'kubernetes',
  description: 'Workers as pods in one namespace (@kubernetes/client-node)',
  policyPreset: kubernetesPolicyPreset,
  create: (settings: KubernetesProviderSettings) => createKubernetesProvider(settings),
});
