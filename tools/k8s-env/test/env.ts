// Shared helpers for the k8s-env tests: connect to the environment started by bin/up.
import { existsSync } from 'node:fs';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  VersionApi,
} from '@kubernetes/client-node';

export const KUBECONFIG = process.env.HODEI_K8S_KUBECONFIG ?? '/tmp/hodei-k8s-env/admin.kubeconfig';
export const NODE_NAME = process.env.HODEI_K8S_NODE_NAME ?? 'kwok-node-0';
export const ANN = {
  exitCode: 'test.hodei.io/exit-code',
  runFor: 'test.hodei.io/run-for',
  neverReady: 'test.hodei.io/never-ready',
  stuckTerminating: 'test.hodei.io/stuck-terminating',
  startDelay: 'test.hodei.io/start-delay',
} as const;

export interface Env {
  kc: KubeConfig;
  core: CoreV1Api;
  version: VersionApi;
  server: string;
}

let connecting: Promise<Env> | undefined;

/** Connects once; every test awaits it, so an unreachable API server FAILS each test (no skip). */
export function connect(): Promise<Env> {
  connecting ??= (async () => {
    if (!existsSync(KUBECONFIG)) {
      throw new Error(
        `kubeconfig ${KUBECONFIG} does not exist: start the environment with tools/k8s-env/bin/up ` +
          '(or point HODEI_K8S_KUBECONFIG at an admin kubeconfig)',
      );
    }
    const kc = new KubeConfig();
    kc.loadFromFile(KUBECONFIG);
    const server = kc.getCurrentCluster()?.server ?? '<no server in kubeconfig>';
    const version = kc.makeApiClient(VersionApi);
    try {
      await withTimeout(version.getCode(), 10_000, 'GET /version');
    } catch (err) {
      throw new Error(
        `Kubernetes API server ${server} (kubeconfig ${KUBECONFIG}) is not reachable: ${errText(err)}. ` +
          'Start it with tools/k8s-env/bin/up.',
      );
    }
    return { kc, core: kc.makeApiClient(CoreV1Api), version, server };
  })();
  return connecting;
}

export function errText(err: unknown): string {
  if (err instanceof ApiException) return `HTTP ${err.code}: ${String(err.body).slice(0, 300)}`;
  if (err instanceof Error)
    return `${err.name}: ${err.message}${err.cause ? ` (${errText(err.cause)})` : ''}`;
  return String(err);
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/**
 * Polls the pod until `done(pod)` is true; fails after `timeoutMs` with `what` and the last pod state.
 */
export async function waitForPod(
  core: CoreV1Api,
  namespace: string,
  name: string,
  what: string,
  done: (pod: V1Pod) => boolean,
  timeoutMs = 30_000,
): Promise<V1Pod> {
  const deadline = Date.now() + timeoutMs;
  let last = 'never read';
  for (;;) {
    const pod = await core.readNamespacedPod({ name, namespace });
    if (done(pod)) return pod;
    last = summarize(pod);
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for pod ${namespace}/${name} to be ${what}; last: ${last}`,
      );
    }
    await sleep(200);
  }
}

/** Polls until the pod is gone (404). */
export async function waitForPodGone(
  core: CoreV1Api,
  namespace: string,
  name: string,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      last = summarize(await core.readNamespacedPod({ name, namespace }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for pod ${namespace}/${name} to be deleted; last: ${last}`,
      );
    }
    await sleep(200);
  }
}

export function summarize(pod: V1Pod): string {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-';
  const states = (pod.status?.containerStatuses ?? []).map((c) => JSON.stringify(c.state));
  return (
    `phase=${pod.status?.phase} reason=${pod.status?.reason ?? '-'} ready=${ready} node=${pod.spec?.nodeName ?? '-'} ` +
    `deletionTimestamp=${pod.metadata?.deletionTimestamp?.toISOString?.() ?? pod.metadata?.deletionTimestamp ?? '-'} ` +
    `containers=${states.join(',')}`
  );
}

export const isReady = (pod: V1Pod) =>
  pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** A pod for the fake node. `bind: "nodeName"` skips the scheduler; `"scheduler"` lets kube-scheduler place it. */
export function podSpec(
  name: string,
  opts: {
    annotations?: Record<string, string>;
    activeDeadlineSeconds?: number;
    bind?: 'nodeName' | 'scheduler';
  } = {},
): V1Pod {
  const bind = opts.bind ?? 'nodeName';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      annotations: opts.annotations,
      labels: { 'app.kubernetes.io/part-of': 'hodei-k8s-env-test' },
    },
    spec: {
      ...(bind === 'nodeName' ? { nodeName: NODE_NAME } : { nodeSelector: { type: 'kwok' } }),
      activeDeadlineSeconds: opts.activeDeadlineSeconds,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 30,
      containers: [{ name: 'main', image: 'registry.invalid/hodei/fake-worker:1' }],
    },
  };
}

export async function mergePatchPod(
  core: CoreV1Api,
  namespace: string,
  name: string,
  body: object,
): Promise<V1Pod> {
  return core.patchNamespacedPod(
    { name, namespace, body },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Creates a namespace and waits for its default ServiceAccount (pod admission needs it). */
export async function createTestNamespace(
  core: CoreV1Api,
  name: string,
  timeoutMs = 20_000,
): Promise<void> {
  await core.createNamespace({
    body: { metadata: { name, labels: { 'app.kubernetes.io/part-of': 'hodei-k8s-env-test' } } },
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ServiceAccount ${name}/default (kube-controller-manager running?)`,
      );
    }
    await sleep(100);
  }
}
