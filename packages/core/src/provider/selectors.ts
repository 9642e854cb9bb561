import { InvalidOptionsError, type ValidationIssue } from '../errors/errors.js';
import { OwnershipKeys, workerIdProblem } from '../ownership/ownership.js';
import { labelKeyProblem, labelValueProblem } from '../ownership/platform-rules.js';
import type { WorkerRefV1, WorkerSelectorV1 } from './v1/provider-v1.js';

/**
 * Whether a worker, by its labels, belongs to the selector's scope and carries every label it
 * asks for. Providers that filter on their side (in memory, a process table) use it so the
 * scope rule is applied the same way everywhere.
 */
export function matchesSelector(
  worker: { readonly labels: Readonly<Record<string, string>> },
  selector: WorkerSelectorV1,
): boolean {
  if (worker.labels[OwnershipKeys.managedBy] !== selector.scope) return false;
  for (const [key, value] of Object.entries(selector.labels ?? {})) {
    if (worker.labels[key] !== value) return false;
  }
  return true;
}

/** Why a scope name is not usable (a non-empty label value), or undefined. */
function scopeProblem(scope: unknown): string | undefined {
  if (typeof scope !== 'string' || scope === '') return 'must be a non-empty string';
  const problem = labelValueProblem(scope);
  return problem === undefined ? undefined : `must be a label value: ${problem}`;
}

/**
 * Refuses a malformed worker reference with InvalidOptionsError, before any call to the
 * infrastructure: the worker id follows the worker-id rule (a DNS label of at most 48
 * characters), the scope is a label value, the uid a non-empty string. Every provider applies
 * the same rule, so one malformed ref fails the same way on all of them.
 */
export function assertWorkerRef(ref: WorkerRefV1): void {
  const issues: ValidationIssue[] = [];
  if (ref == null || typeof ref !== 'object') {
    issues.push({ path: '', message: 'must be { workerId, scope, uid? }' });
  } else {
    const idProblem =
      typeof ref.workerId === 'string' ? workerIdProblem(ref.workerId) : 'must be a string';
    if (idProblem) issues.push({ path: 'workerId', message: idProblem });
    const problem = scopeProblem(ref.scope);
    if (problem) issues.push({ path: 'scope', message: problem });
    if (ref.uid !== undefined && (typeof ref.uid !== 'string' || ref.uid === '')) {
      issues.push({ path: 'uid', message: 'must be a non-empty string when given' });
    }
  }
  if (issues.length > 0) throw new InvalidOptionsError('worker reference', issues);
}

/**
 * Refuses a selector without a valid scope (a provider never lists across scopes), or with
 * labels that are not valid label keys and values, or that contradict the scope.
 */
export function assertWorkerSelector(selector: WorkerSelectorV1): void {
  const issues: ValidationIssue[] = [];
  if (selector == null || typeof selector !== 'object') {
    issues.push({
      path: 'scope',
      message: 'must be a non-empty string: a provider never lists across scopes',
    });
  } else {
    const problem = scopeProblem(selector.scope);
    if (problem) {
      issues.push({
        path: 'scope',
        message: `${problem}: a provider never lists across scopes`,
      });
    }
    const labels = selector.labels;
    if (labels !== undefined && (labels === null || typeof labels !== 'object')) {
      issues.push({ path: 'labels', message: 'must be an object of label values' });
    } else {
      for (const [key, value] of Object.entries(labels ?? {})) {
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) issues.push({ path: `labels.${key}`, message: `key ${keyProblem}` });
        const valueProblem =
          typeof value === 'string' ? labelValueProblem(value) : 'must be a string';
        if (valueProblem) issues.push({ path: `labels.${key}`, message: `value ${valueProblem}` });
        if (key === OwnershipKeys.managedBy && value !== selector.scope) {
          issues.push({ path: `labels.${key}`, message: 'must not contradict the scope' });
        }
      }
    }
  }
  if (issues.length > 0) throw new InvalidOptionsError('worker selector', issues);
}
