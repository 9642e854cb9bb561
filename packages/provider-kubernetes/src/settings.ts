/**
 * The provider's settings: plain data, validated at construction (InvalidOptionsError listing
 * every problem). No @kubernetes/client-node type appears here.
 */
import { InvalidOptionsError, type ValidationIssue } from '@hodei/lifecycle-core';
import { dnsLabelProblem, labelValueProblem } from '@hodei/lifecycle-core/provider';

/** One HTTP request to the API server, as reported to `onRequest`. */
export interface KubernetesRequestInfo {
  readonly method: string;
  /** Path and query, e.g. `/api/v1/namespaces/ci/pods?labelSelector=...`. */
  readonly path: string;
  /** True for a watch (a long-lived streaming request). */
  readonly watch: boolean;
}

export interface KubernetesProviderSettings {
  /**
   * The namespace of every pod. Default: the namespace of the kubeconfig context, else (in a
   * cluster) the pod's own namespace, else 'default'.
   */
  readonly namespace?: string;
  /** This provider instance, stamped as `hodei.io/provider-id`. Default 'kubernetes'. */
  readonly providerId?: string;
  /** A kubeconfig file. Exclusive with `kubeconfig` and `inCluster`. */
  readonly kubeconfigPath?: string;
  /** A kubeconfig as YAML text. Exclusive with `kubeconfigPath` and `inCluster`. */
  readonly kubeconfig?: string;
  /**
   * Use the pod's service account (KUBERNETES_SERVICE_HOST and the mounted token). Default:
   * none of the three given means KUBECONFIG, else ~/.kube/config, else in-cluster.
   */
  readonly inCluster?: boolean;
  /** The kubeconfig context to use. Default: its current context. */
  readonly context?: string;
  /** Grace period of stop and remove when the caller gives none. Default 30 000 ms. */
  readonly defaultGracePeriodMs?: number;
  /**
   * How long past its grace period a pod may stay Terminating before it is force-deleted
   * (gracePeriodSeconds 0). Default 10 000 ms.
   */
  readonly forceDeleteAfterMs?: number;
  /** Bound on each API request (not on watches). Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** How long a watch keeps reconnecting before it fails (retryable). Default 60 000 ms. */
  readonly watchReconnectTimeoutMs?: number;
  /** Ask the API server to end each watch after this long; it resumes at once. Default 300 s. */
  readonly watchTimeoutSeconds?: number;
  /** Connections kept open to the API server for ordinary requests. Default 64. */
  readonly maxConnections?: number;
  /** Called before every HTTP request to the API server (counting, tracing). Must not throw. */
  readonly onRequest?: (request: KubernetesRequestInfo) => void;
}

/** Where the kubeconfig comes from. */
export type KubeconfigSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'string'; readonly yaml: string }
  | { readonly kind: 'in-cluster' }
  | { readonly kind: 'default' };

export interface ResolvedKubernetesSettings {
  readonly namespace: string | undefined;
  readonly providerId: string;
  readonly source: KubeconfigSource;
  readonly context: string | undefined;
  readonly defaultGracePeriodMs: number;
  readonly forceDeleteAfterMs: number;
  readonly requestTimeoutMs: number;
  readonly watchReconnectTimeoutMs: number;
  readonly watchTimeoutSeconds: number;
  readonly maxConnections: number;
  readonly onRequest: ((request: KubernetesRequestInfo) => void) | undefined;
}

const knownSettings = new Set<keyof KubernetesProviderSettings>([
  'namespace',
  'providerId',
  'kubeconfigPath',
  'kubeconfig',
  'inCluster',
  'context',
  'defaultGracePeriodMs',
  'forceDeleteAfterMs',
  'requestTimeoutMs',
  'watchReconnectTimeoutMs',
  'watchTimeoutSeconds',
  'maxConnections',
  'onRequest',
]);

const WHAT = 'Kubernetes provider settings';

/** Validates the settings. The kubeconfig itself is read later, by `loadKubeConfig`. */
export function resolveKubernetesSettings(
  settings: KubernetesProviderSettings = {},
): ResolvedKubernetesSettings {
  if (settings == null || typeof settings !== 'object') {
    throw new InvalidOptionsError(WHAT, [{ path: '', message: 'must be an object' }]);
  }
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(settings)) {
    if (!knownSettings.has(key as keyof KubernetesProviderSettings)) {
      issues.push({
        path: key,
        message: `unknown setting (allowed: ${[...knownSettings].join(', ')})`,
      });
    }
  }
  const namespace = settings.namespace;
  if (namespace !== undefined) {
    const problem = typeof namespace === 'string' ? dnsLabelProblem(namespace) : 'must be a string';
    if (problem)
      issues.push({ path: 'namespace', message: `must be a namespace name: ${problem}` });
  }
  const providerId = settings.providerId ?? 'kubernetes';
  if (typeof providerId !== 'string' || providerId === '') {
    issues.push({ path: 'providerId', message: 'must be a non-empty string' });
  } else {
    const problem = labelValueProblem(providerId);
    if (problem) issues.push({ path: 'providerId', message: problem });
  }
  const given = (['kubeconfigPath', 'kubeconfig', 'inCluster'] as const).filter(
    (key) => settings[key] !== undefined && settings[key] !== false,
  );
  if (given.length > 1) {
    issues.push({
      path: given[1]!,
      message: `give only one of kubeconfigPath, kubeconfig and inCluster (got ${given.join(', ')})`,
    });
  }
  let source: KubeconfigSource = { kind: 'default' };
  if (settings.kubeconfigPath !== undefined) {
    if (typeof settings.kubeconfigPath !== 'string' || settings.kubeconfigPath === '') {
      issues.push({ path: 'kubeconfigPath', message: 'must be a non-empty path' });
    } else source = { kind: 'file', path: settings.kubeconfigPath };
  }
  if (settings.kubeconfig !== undefined) {
    if (typeof settings.kubeconfig !== 'string' || settings.kubeconfig.trim() === '') {
      issues.push({ path: 'kubeconfig', message: 'must be the YAML text of a kubeconfig' });
    } else source = { kind: 'string', yaml: settings.kubeconfig };
  }
  if (settings.inCluster !== undefined) {
    if (typeof settings.inCluster !== 'boolean') {
      issues.push({ path: 'inCluster', message: 'must be true or false' });
    } else if (settings.inCluster) source = { kind: 'in-cluster' };
  }
  if (
    settings.context !== undefined &&
    (typeof settings.context !== 'string' || settings.context === '')
  ) {
    issues.push({ path: 'context', message: 'must be a non-empty string' });
  }
  if (settings.context !== undefined && settings.inCluster === true) {
    issues.push({ path: 'context', message: 'has no meaning with inCluster' });
  }
  const int = (path: string, value: unknown, fallback: number, min: number, unit: string) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      issues.push({ path, message: `must be a whole number of ${unit} >= ${min}` });
      return fallback;
    }
    return value;
  };
  const defaultGracePeriodMs = int(
    'defaultGracePeriodMs',
    settings.defaultGracePeriodMs,
    30_000,
    0,
    'milliseconds',
  );
  const forceDeleteAfterMs = int(
    'forceDeleteAfterMs',
    settings.forceDeleteAfterMs,
    10_000,
    0,
    'milliseconds',
  );
  const requestTimeoutMs = int(
    'requestTimeoutMs',
    settings.requestTimeoutMs,
    30_000,
    1,
    'milliseconds',
  );
  const watchReconnectTimeoutMs = int(
    'watchReconnectTimeoutMs',
    settings.watchReconnectTimeoutMs,
    60_000,
    0,
    'milliseconds',
  );
  const watchTimeoutSeconds = int(
    'watchTimeoutSeconds',
    settings.watchTimeoutSeconds,
    300,
    1,
    'seconds',
  );
  const maxConnections = int('maxConnections', settings.maxConnections, 64, 1, 'connections');
  if (settings.onRequest !== undefined && typeof settings.onRequest !== 'function') {
    issues.push({ path: 'onRequest', message: 'must be a function' });
  }
  if (issues.length > 0) throw new InvalidOptionsError(WHAT, issues);
  return {
    namespace,
    providerId,
    source,
    context: settings.context,
    defaultGracePeriodMs,
    forceDeleteAfterMs,
    requestTimeoutMs,
    watchReconnectTimeoutMs,
    watchTimeoutSeconds,
    maxConnections,
    onRequest: settings.onRequest,
  };
}
