/**
 * `spec.extensions.kubernetes`: the pod settings a worker spec may ask for. Validated with the
 * API server's own rules before any request, so a value Kubernetes would refuse is an
 * InvalidSpecError and no pod is attempted.
 */
import type { ValidationIssue } from '@hodei/lifecycle-core/provider';
import { labelKeyProblem, labelValueProblem } from '@hodei/lifecycle-core/provider';

export type KubernetesTolerationOperator = 'Exists' | 'Equal';
export type KubernetesTaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** A pod toleration, as in the Kubernetes API. */
export interface KubernetesToleration {
  readonly key?: string;
  /** Default 'Equal'. 'Exists' takes no value; an empty key needs 'Exists'. */
  readonly operator?: KubernetesTolerationOperator;
  readonly value?: string;
  /** Empty: every effect. */
  readonly effect?: KubernetesTaintEffect;
  /** Only with effect 'NoExecute'. */
  readonly tolerationSeconds?: number;
}

/** The security settings of the worker's pod and container. */
export interface KubernetesSecurityContext {
  /** Refuse to start a container whose image runs as root. Default: unset (the image decides). */
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly fsGroup?: number;
  /** Default false. */
  readonly readOnlyRootFilesystem?: boolean;
  /** Drop every Linux capability (the "restricted" Pod Security level). Default false. */
  readonly dropAllCapabilities?: boolean;
}

/** What `spec.extensions.kubernetes` may hold. Every field is optional. */
export interface KubernetesWorkerExtension {
  /** Node labels the pod must run on (`spec.nodeSelector`). */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly KubernetesToleration[];
  /** Default: the namespace's `default` ServiceAccount. */
  readonly serviceAccountName?: string;
  /** Mount the service account's API token into the pod. Default false: workers get no API access. */
  readonly automountServiceAccountToken?: boolean;
  readonly priorityClassName?: string;
  readonly runtimeClassName?: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Names of Secrets in the namespace holding registry credentials. */
  readonly imagePullSecrets?: readonly string[];
  readonly securityContext?: KubernetesSecurityContext;
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const extensionFields = [
  'nodeSelector',
  'tolerations',
  'serviceAccountName',
  'automountServiceAccountToken',
  'priorityClassName',
  'runtimeClassName',
  'imagePullPolicy',
  'imagePullSecrets',
  'securityContext',
] as const;
const tolerationFields = ['key', 'operator', 'value', 'effect', 'tolerationSeconds'];
const securityFields = [
  'runAsNonRoot',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'readOnlyRootFilesystem',
  'dropAllCapabilities',
];
const MAX_ID = 2_147_483_647;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function subdomainProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0 || value.length > 253 || !dnsSubdomain.test(value)) {
    return "must be a lowercase DNS subdomain (letters, digits, '-' and '.') of at most 253 characters";
  }
  return undefined;
}

/**
 * Validates `spec.extensions.kubernetes` and returns it typed, or the issues found (paths under
 * `extensions.kubernetes`). Unknown fields are refused, so a typo never silently does nothing.
 */
export function validateKubernetesExtension(raw: unknown): {
  readonly extension: KubernetesWorkerExtension;
  readonly issues: ValidationIssue[];
} {
  const base = 'extensions.kubernetes';
  const issues: ValidationIssue[] = [];
  if (raw === undefined) return { extension: {}, issues };
  if (!isPlainObject(raw)) {
    return { extension: {}, issues: [{ path: base, message: 'must be an object' }] };
  }
  for (const key of Object.keys(raw)) {
    if (!(extensionFields as readonly string[]).includes(key)) {
      issues.push({
        path: `${base}.${key}`,
        message: `unknown field (allowed: ${extensionFields.join(', ')})`,
      });
    }
  }
  const ext = raw as KubernetesWorkerExtension & Record<string, unknown>;

  if (ext.nodeSelector !== undefined) {
    if (!isPlainObject(ext.nodeSelector)) {
      issues.push({ path: `${base}.nodeSelector`, message: 'must be an object of strings' });
    } else {
      for (const [key, value] of Object.entries(ext.nodeSelector)) {
        const path = `${base}.nodeSelector.${key}`;
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) issues.push({ path, message: `key ${keyProblem}` });
        const valueProblem =
          typeof value === 'string' ? labelValueProblem(value) : 'must be a string';
        if (valueProblem) issues.push({ path, message: `value ${valueProblem}` });
      }
    }
  }

  if (ext.tolerations !== undefined) {
    if (!Array.isArray(ext.tolerations)) {
      issues.push({ path: `${base}.tolerations`, message: 'must be an array' });
    } else {
      ext.tolerations.forEach((toleration: unknown, index: number) => {
        issues.push(...tolerationIssues(`${base}.tolerations.${index}`, toleration));
      });
    }
  }

  for (const field of ['serviceAccountName', 'priorityClassName', 'runtimeClassName'] as const) {
    if (ext[field] !== undefined) {
      const problem = subdomainProblem(ext[field]);
      if (problem) issues.push({ path: `${base}.${field}`, message: problem });
    }
  }
  if (
    ext.automountServiceAccountToken !== undefined &&
    typeof ext.automountServiceAccountToken !== 'boolean'
  ) {
    issues.push({ path: `${base}.automountServiceAccountToken`, message: 'must be true or false' });
  }
  if (
    ext.imagePullPolicy !== undefined &&
    !['Always', 'IfNotPresent', 'Never'].includes(ext.imagePullPolicy as string)
  ) {
    issues.push({
      path: `${base}.imagePullPolicy`,
      message: "must be 'Always', 'IfNotPresent' or 'Never'",
    });
  }
  if (ext.imagePullSecrets !== undefined) {
    if (!Array.isArray(ext.imagePullSecrets)) {
      issues.push({
        path: `${base}.imagePullSecrets`,
        message: 'must be an array of Secret names',
      });
    } else {
      ext.imagePullSecrets.forEach((name: unknown, index: number) => {
        const problem = subdomainProblem(name);
        if (problem) issues.push({ path: `${base}.imagePullSecrets.${index}`, message: problem });
      });
    }
  }
  if (ext.securityContext !== undefined) {
    issues.push(...securityIssues(`${base}.securityContext`, ext.securityContext));
  }
  return { extension: issues.length > 0 ? {} : ext, issues };
}

function tolerationIssues(path: string, raw: unknown): ValidationIssue[] {
  if (!isPlainObject(raw)) return [{ path, message: 'must be an object' }];
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(raw)) {
    if (!tolerationFields.includes(key)) {
      issues.push({
        path: `${path}.${key}`,
        message: `unknown field (allowed: ${tolerationFields.join(', ')})`,
      });
    }
  }
  const { key, operator, value, effect, tolerationSeconds } = raw as KubernetesToleration;
  if (key !== undefined) {
    const problem = typeof key === 'string' ? labelKeyProblem(key) : 'must be a string';
    if (problem && key !== '') issues.push({ path: `${path}.key`, message: problem });
  }
  if (operator !== undefined && operator !== 'Exists' && operator !== 'Equal') {
    issues.push({ path: `${path}.operator`, message: "must be 'Exists' or 'Equal'" });
  }
  if (value !== undefined) {
    const problem = typeof value === 'string' ? labelValueProblem(value) : 'must be a string';
    if (problem) issues.push({ path: `${path}.value`, message: problem });
    else if (operator === 'Exists' && value !== '') {
      issues.push({ path: `${path}.value`, message: "must be empty when operator is 'Exists'" });
    }
  }
  if ((key === undefined || key === '') && operator !== 'Exists') {
    issues.push({ path: `${path}.operator`, message: "must be 'Exists' when key is empty" });
  }
  if (
    effect !== undefined &&
    !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect as string)
  ) {
    issues.push({
      path: `${path}.effect`,
      message: "must be 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'",
    });
  }
  if (tolerationSeconds !== undefined) {
    if (!Number.isSafeInteger(tolerationSeconds)) {
      issues.push({ path: `${path}.tolerationSeconds`, message: 'must be a whole number' });
    } else if (effect !== 'NoExecute') {
      issues.push({
        path: `${path}.tolerationSeconds`,
        message: "is only allowed with effect 'NoExecute'",
      });
    }
  }
  return issues;
}

function securityIssues(path: string, raw: unknown): ValidationIssue[] {
  if (!isPlainObject(raw)) return [{ path, message: 'must be an object' }];
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(raw)) {
    if (!securityFields.includes(key)) {
      issues.push({
        path: `${path}.${key}`,
        message: `unknown field (allowed: ${securityFields.join(', ')})`,
      });
    }
  }
  const security = raw as KubernetesSecurityContext;
  for (const field of ['runAsNonRoot', 'readOnlyRootFilesystem', 'dropAllCapabilities'] as const) {
    if (security[field] !== undefined && typeof security[field] !== 'boolean') {
      issues.push({ path: `${path}.${field}`, message: 'must be true or false' });
    }
  }
  for (const field of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
    const value = security[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0 && value <= MAX_ID)) {
      issues.push({ path: `${path}.${field}`, message: `must be a whole number 0-${MAX_ID}` });
    }
  }
  if (security.runAsNonRoot === true && security.runAsUser === 0) {
    issues.push({
      path: `${path}.runAsUser`,
      message: 'must not be 0 (root) when runAsNonRoot is true',
    });
  }
  return issues;
}
