import { InvalidOptionsError, type ValidationIssue } from '../errors/errors.js';
import { OwnershipKeys } from '../ownership/ownership.js';
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

/**
 * Refuses a malformed worker reference with InvalidOptionsError, before any call to the
 * infrastructure: a provider must never act on a reference without a worker id and a scope.
 */
export function assertWorkerRef(ref: WorkerRefV1): void {
  const issues: ValidationIssue[] = [];
  if (ref == null || typeof ref !== 'object') {
    issues.push({ path: '', message: 'must be { workerId, scope, uid? }' });
  } else {
    if (typeof ref.workerId !== 'string' || ref.workerId === '') {
      issues.push({ path: 'workerId', message: 'must be a non-empty string' });
    }
    if (typeof ref.scope !== 'string' || ref.scope === '') {
      issues.push({ path: 'scope', message: 'must be a non-empty string' });
    }
    if (ref.uid !== undefined && (typeof ref.uid !== 'string' || ref.uid === '')) {
      issues.push({ path: 'uid', message: 'must be a non-empty string when given' });
    }
  }
  if (issues.length > 0) throw new InvalidOptionsError('worker reference', issues);
}

/** Refuses a selector without a scope: a provider never lists across scopes. */
export function assertWorkerSelector(selector: WorkerSelectorV1): void {
  if (
    selector == null ||
    typeof selector !== 'object' ||
    typeof selector.scope !== 'string' ||
    selector.scope === ''
  ) {
    throw new InvalidOptionsError('worker selector', [
      {
        path: 'scope',
        message: 'must be a non-empty string: a provider never lists across scopes',
      },
    ]);
  }
}
