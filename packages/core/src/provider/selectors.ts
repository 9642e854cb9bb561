import { OwnershipKeys } from '../ownership/ownership.js';
import type { WorkerSelectorV1 } from './v1/provider-v1.js';

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
