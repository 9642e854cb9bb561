import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerSpec } from '@hodei/lifecycle-core';
import { pollUntil } from '@hodei/lifecycle-testkit';
/**
 * Helpers of the tests that run against the real API server of tools/k8s-env. An unreachable
 * API server FAILS every test that needs it (never a skip).
 *
 * Each test file works in namespaces of its own: created as admin, with the provider's
 * ServiceAccount, Role and RoleBinding (renderRole), and a token from the TokenRequest API.
 * The provider under test runs with that token alone, never as admin.
 */

import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Pod,
  type V1Role,
  type V1RoleBinding,
  type V1ServiceAccount,
  VersionApi,
} from '@kubernetes/client-node';
import { ensurePackageBuilt } from '../../../ensure-built.shared.js';
import {
  createKubernetesProvider,
  DEFAULT_ROLE_NAME,
  type KubernetesProvider,
  type KubernetesProviderSettings,
  renderRole,
} from '../src/index.js';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = join(packageDir, '..', '..');
export const KUBECONFIG = process.env.HODEI_K8S_KUBECONFIG ?? '/tmp/hodei-k8s-env/admin.kubeconfig';
/** The tools/k8s-env directory (its bin/restart-apiserver). */
export const K8S_ENV_DIR = process.env.HODEI_K8S_ENV_DIR ?? join(repoRoot, 'tools', 'k8s-env');

/** Annotations that drive the fake kubelet (tools/k8s-env/stages/pod.yaml). */
export const ANN = {
  exitCode: 'test.hodei.io/exit-code',
  runFor: 'test.hodei.io/run-for',
  neverReady: 'test.hodei.io/never-ready',
  stuckTerminating: 'test.hodei.io/stuck-terminating',
  startDelay: 'test.hodei.io/start-delay',
} as const;

/** The lines every pod prints on the fake node (the ClusterLogs of tools/k8s-env). */
export const KWOK_LOG_LINES = ['hello', 'from kwok'] as const;

export const image = 'busybox:1.36';

/** A worker spec for the fake node: runs until stopped, or exits with `exitCode` after `runFor`. */
export function worker(
  options: {
    exitCode?: number;
    runFor?: string;
    neverReady?: boolean;
    stuck?: boolean;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  } = {},
): WorkerSpec {
  const annotations: Record<string, string> = { ...options.annotations };
  if (options.exitCode !== undefined) {
    annotations[ANN.exitCode] = String(options.exitCode);
    annotations[ANN.runFor] = options.runFor ?? '1s';
  }
  if (options.neverReady) annotations[ANN.neverReady] = 'true';
  if (options.stuck) annotations[ANN.stuckTerminating] = 'true';
  return {
    image,
    command: ['sleep', '3600'],
    annotations,
    ...(options.labels ? { labels: options.labels } : {}),
  };
}

export interface Admin {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly server: string;
}

let connecting: Promise<Admin> | undefined;

/** The admin connection; rejects (so the test FAILS) when the API server is unreachable. */
export function admin(): Promise<Admin> {
  connecting ??= (async () => {
    if (!existsSync(KUBECONFIG)) {
      throw new Error(
        `kubeconfig ${KUBECONFIG} does not exist: start the environment with tools/k8s-env/bin/up (or set HODEI_K8S_KUBECONFIG)`,
      );
    }
    const kc = new KubeConfig();
    kc.loadFromFile(KUBECONFIG);
    const server = kc.getCurrentCluster()?.server ?? '(none)';
    try {
      await withTimeout(kc.makeApiClient(VersionApi).getCode(), 10_000, 'GET /version');
    } catch (error) {
      connecting = undefined;
      throw new Error(
        `the Kubernetes API server ${server} (kubeconfig ${KUBECONFIG}) is not reachable: ${errText(error)}. Start it with tools/k8s-env/bin/up.`,
      );
    }
    return {
      kc,
      core: kc.makeApiClient(CoreV1Api),
      rbac: kc.makeApiClient(RbacAuthorizationV1Api),
      server,
    };
  })();
  return connecting;
}

export function errText(error: unknown): string {
  if (error instanceof ApiException)
    return `HTTP ${error.code}: ${String(error.body).slice(0, 300)}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `done`; fails after `timeoutMs` saying what it waited for and the last value. */
export function waitUntil<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  return pollUntil(what, read, done, { timeoutMs, intervalMs });
}

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

export interface WorkerNamespace {
  readonly namespace: string;
  /** A kubeconfig (YAML) with the ServiceAccount's token: the Role, nothing more. */
  readonly kubeconfig: string;
  readonly token: string;
  readonly serviceAccountName: string;
}

/**
 * As admin: a fresh namespace, the provider's ServiceAccount, Role and RoleBinding from
 * renderRole, and a token for that ServiceAccount (TokenRequest). Returns a kubeconfig that
 * authenticates with that token only.
 */
export async function createWorkerNamespace(prefix: string): Promise<WorkerNamespace> {
  const { core, rbac, kc } = await admin();
  const namespace = uniqueName(prefix);
  await core.createNamespace({
    body: {
      metadata: { name: namespace, labels: { 'test.hodei.io/suite': 'provider-kubernetes' } },
    },
  });
  // Pod admission needs the namespace's default ServiceAccount (made by the controller manager).
  await waitUntil(
    `ServiceAccount ${namespace}/default (kube-controller-manager)`,
    async () =>
      core
        .readNamespacedServiceAccount({ name: 'default', namespace })
        .then(() => true)
        .catch(() => false),
    (found) => found,
    30_000,
  );
  const rendered = renderRole({ namespace });
  await core.createNamespacedServiceAccount({
    namespace,
    body: rendered.serviceAccount as unknown as V1ServiceAccount,
  });
  await rbac.createNamespacedRole({ namespace, body: rendered.role as unknown as V1Role });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: rendered.roleBinding as unknown as V1RoleBinding,
  });
  const serviceAccountName = DEFAULT_ROLE_NAME;
  const request = await core.createNamespacedServiceAccountToken({
    name: serviceAccountName,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3_600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error('the TokenRequest API returned no token');
  const cluster = kc.getCurrentCluster()!;
  const kubeconfig = tokenKubeconfig(cluster.server, cluster.caData ?? '', token, namespace);
  return { namespace, kubeconfig, token, serviceAccountName };
}

/** A kubeconfig YAML that authenticates with a bearer token only. */
export function tokenKubeconfig(
  server: string,
  caData: string,
  token: string,
  namespace: string,
): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: k8s-env',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${caData}`,
    'users:',
    '- name: hodei-provider',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: hodei-provider',
    '  context:',
    '    cluster: k8s-env',
    '    user: hodei-provider',
    `    namespace: ${namespace}`,
    'current-context: hodei-provider',
    '',
  ].join('\n');
}

/** Force-deletes every pod of the namespace (stuck ones too), then deletes the namespace. */
export async function deleteNamespace(namespace: string): Promise<void> {
  const { core } = await admin();
  const pods = await core.listNamespacedPod({ namespace }).catch(() => undefined);
  await Promise.all(
    (pods?.items ?? []).map((pod) =>
      core
        .deleteNamespacedPod({ name: pod.metadata!.name!, namespace, gracePeriodSeconds: 0 })
        .catch(() => undefined),
    ),
  );
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}

/** Every pod of the namespace (as admin), optionally of one scope. */
export async function podsOf(namespace: string, scope?: string): Promise<V1Pod[]> {
  const { core } = await admin();
  const list = await core.listNamespacedPod({
    namespace,
    ...(scope ? { labelSelector: `hodei.io/managed-by=${scope}` } : {}),
  });
  return list.items;
}

export interface CountingProvider {
  readonly provider: KubernetesProvider;
  /** Requests made so far. */
  readonly calls: () => number;
  /** Requests made so far, as `METHOD path`. */
  readonly log: string[];
}

/** A provider on the namespace's token, counting its requests. */
export function providerFor(
  ns: WorkerNamespace,
  settings: Omit<KubernetesProviderSettings, 'kubeconfig' | 'namespace' | 'onRequest'> = {},
): CountingProvider {
  const log: string[] = [];
  const provider = createKubernetesProvider({
    namespace: ns.namespace,
    kubeconfig: ns.kubeconfig,
    providerId: 'k8s-it',
    defaultGracePeriodMs: 1_000,
    forceDeleteAfterMs: 2_000,
    ...settings,
    onRequest: (request) => {
      log.push(`${request.method} ${request.path}`);
    },
  });
  return { provider, calls: () => log.length, log };
}

/** Builds this package's dist when a source file is newer: the fixture process imports it. */
export function ensureBuilt(): void {
  ensurePackageBuilt(packageDir);
}
