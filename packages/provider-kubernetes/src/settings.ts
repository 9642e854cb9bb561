/**
 * The provider's settings: plain data, validated at construction (InvalidOptionsError listing
 * every problem). No @kubernetes/client-node type appears here.
 */
import {
  type CommonProviderSettings,
  dnsLabelProblem,
  type ProviderRequestInfo,
  parseProviderSettings,
  type ResolvedCommonSettings,
  wholeNumberProblem,
} from '@hodei/lifecycle-core/provider';
import * as v from 'valibot';

/** One HTTP request to the API server, as reported to `onRequest`. */
export type KubernetesRequestInfo = ProviderRequestInfo;

/**
 * Defaults of the common settings: providerId 'kubernetes', defaultGracePeriodMs 30 000,
 * requestTimeoutMs 30 000, watchReconnectTimeoutMs 60 000; `onRequest` sees every HTTP
 * request to the API server (`watch` for watches).
 */
export interface KubernetesProviderSettings extends CommonProviderSettings {
  /**
   * The namespace of every pod. Default: the namespace of the kubeconfig context, else (in a
   * cluster) the pod's own namespace, else 'default'.
   */
  readonly namespace?: string;
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
  /**
   * How long past its grace period a pod may stay Terminating before it is force-deleted
   * (gracePeriodSeconds 0). Default 10 000 ms.
   */
  readonly forceDeleteAfterMs?: number;
  /** Ask the API server to end each watch after this long; it resumes at once. Default 300 s. */
  readonly watchTimeoutSeconds?: number;
  /** Connections kept open to the API server for ordinary requests. Default 64. */
  readonly maxConnections?: number;
}

/** Where the kubeconfig comes from. */
export type KubeconfigSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'string'; readonly yaml: string }
  | { readonly kind: 'in-cluster' }
  | { readonly kind: 'default' };

export interface ResolvedKubernetesSettings extends ResolvedCommonSettings {
  readonly namespace: string | undefined;
  readonly source: KubeconfigSource;
  readonly context: string | undefined;
  readonly forceDeleteAfterMs: number;
  readonly watchTimeoutSeconds: number;
  readonly maxConnections: number;
}

const WHAT = 'Kubernetes provider settings';

const kubernetesDefaults = {
  providerId: 'kubernetes',
  defaultGracePeriodMs: 30_000,
  requestTimeoutMs: 30_000,
  watchReconnectTimeoutMs: 60_000,
};

const whole = (fallback: number, min: number, unit: string) =>
  v.optional(
    v.custom<number>(
      (x) => !wholeNumberProblem(x, min),
      `must be a whole number of ${unit} >= ${min}`,
    ),
    fallback,
  );
const nonEmpty = (message: string) => v.optional(v.pipe(v.string(message), v.nonEmpty(message)));

/** Each setting's own rules; how the kubeconfig settings combine is checked beside it. */
const settingsSchema = v.strictObject(
  {
    namespace: v.optional(
      v.pipe(
        v.string('must be a string'),
        v.rawCheck(({ dataset, addIssue }) => {
          const problem = dataset.typed ? dnsLabelProblem(dataset.value) : undefined;
          if (problem) addIssue({ message: `must be a namespace name: ${problem}` });
        }),
      ),
    ),
    kubeconfigPath: nonEmpty('must be a non-empty path'),
    kubeconfig: v.optional(
      v.pipe(
        v.string('must be the YAML text of a kubeconfig'),
        v.check((text) => text.trim() !== '', 'must be the YAML text of a kubeconfig'),
      ),
    ),
    inCluster: v.optional(v.boolean('must be true or false')),
    context: nonEmpty('must be a non-empty string'),
    forceDeleteAfterMs: whole(10_000, 0, 'milliseconds'),
    watchTimeoutSeconds: whole(300, 1, 'seconds'),
    maxConnections: whole(64, 1, 'connections'),
  },
  (issue) => `unknown setting ${JSON.stringify(issue.input)}`,
);

/** Validates the settings. The kubeconfig itself is read later, by `loadKubeConfig`. */
export function resolveKubernetesSettings(
  settings: KubernetesProviderSettings = {},
): ResolvedKubernetesSettings {
  // Across fields, checked even when a field is wrong: the caller sees every problem at once.
  const output = parseProviderSettings(
    WHAT,
    settingsSchema,
    settings,
    kubernetesDefaults,
    (issues) => {
      const given = (['kubeconfigPath', 'kubeconfig', 'inCluster'] as const).filter(
        (key) => settings[key] !== undefined && settings[key] !== false,
      );
      if (given.length > 1) {
        issues.push({
          path: given[1]!,
          message: `give only one of kubeconfigPath, kubeconfig and inCluster (got ${given.join(', ')})`,
        });
      }
      if (settings.context !== undefined && settings.inCluster === true) {
        issues.push({ path: 'context', message: 'has no meaning with inCluster' });
      }
    },
  );
  const source: KubeconfigSource =
    output.kubeconfigPath !== undefined
      ? { kind: 'file', path: output.kubeconfigPath }
      : output.kubeconfig !== undefined
        ? { kind: 'string', yaml: output.kubeconfig }
        : output.inCluster
          ? { kind: 'in-cluster' }
          : { kind: 'default' };
  return { ...output, namespace: output.namespace, context: output.context, source };
}
