/**
 * Checks of the lease calls' inputs, before any call to the infrastructure: the same refusals
 * (InvalidOptionsError) on every provider built with the kit.
 */
import { InvalidOptionsError, type ValidationIssue } from '../errors/errors.js';
import { labelValueProblem } from '../ownership/platform-rules.js';
import type {
  LeaseHoldOptionsV1,
  LeaseHoldV1,
  LeaseRefV1,
  LeaseSelectorV1,
  OwnerLeaseV1,
} from '../provider/v1/provider-v1.js';

/** The shortest lease a provider must hold: one second (infrastructures count in seconds). */
export const MIN_LEASE_DURATION_MS = 1000;

function labelValueIssue(path: string, value: unknown, issues: ValidationIssue[]): void {
  if (typeof value !== 'string' || value === '') {
    issues.push({ path, message: 'must be a non-empty string' });
    return;
  }
  const problem = labelValueProblem(value);
  if (problem) issues.push({ path, message: `must be a label value: ${problem}` });
}

function refIssues(lease: unknown, shape: string, issues: ValidationIssue[]): void {
  if (lease == null || typeof lease !== 'object') {
    issues.push({ path: '', message: `must be ${shape}` });
    return;
  }
  const { scope, owner } = lease as Partial<LeaseRefV1>;
  labelValueIssue('scope', scope, issues);
  labelValueIssue('owner', owner, issues);
}

/** Refuses a malformed `hold` request (and its options). */
export function assertLeaseHold(lease: LeaseHoldV1, options: LeaseHoldOptionsV1 | undefined): void {
  const issues: ValidationIssue[] = [];
  refIssues(lease, '{ scope, owner, durationMs }', issues);
  if (lease != null && typeof lease === 'object') {
    const duration = lease.durationMs;
    if (!(Number.isSafeInteger(duration) && duration >= MIN_LEASE_DURATION_MS)) {
      issues.push({
        path: 'durationMs',
        message: `must be a whole number of milliseconds >= ${MIN_LEASE_DURATION_MS}`,
      });
    }
  }
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    issues.push({ path: 'options', message: 'must be an object' });
  } else if (options?.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    issues.push({ path: 'options.signal', message: 'must be an AbortSignal' });
  }
  if (issues.length > 0) throw new InvalidOptionsError('lease', issues);
}

/** Refuses a malformed `release` request. */
export function assertLeaseRef(lease: LeaseRefV1): void {
  const issues: ValidationIssue[] = [];
  refIssues(lease, '{ scope, owner }', issues);
  if (issues.length > 0) throw new InvalidOptionsError('lease', issues);
}

/** Refuses a malformed lease selector: `{}` (every scope) or `{ scope }`. */
export function assertLeaseSelector(selector: LeaseSelectorV1): void {
  const issues: ValidationIssue[] = [];
  if (selector == null || typeof selector !== 'object') {
    issues.push({ path: '', message: 'must be { scope? }' });
  } else if (selector.scope !== undefined) {
    labelValueIssue('scope', selector.scope, issues);
  }
  if (issues.length > 0) throw new InvalidOptionsError('lease selector', issues);
}

/** Whether a lease the author listed is well formed and selected. */
export function isSelectedLease(lease: OwnerLeaseV1, selector: LeaseSelectorV1): boolean {
  return (
    lease != null &&
    typeof lease.scope === 'string' &&
    typeof lease.owner === 'string' &&
    (selector.scope === undefined || lease.scope === selector.scope)
  );
}
