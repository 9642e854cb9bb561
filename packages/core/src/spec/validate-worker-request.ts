import { InvalidPolicyError, InvalidSpecError, type ValidationIssue } from '../errors/errors.js';
import { workerIdProblem } from '../ownership/ownership.js';
import { definePolicy } from '../policy/define-policy.js';
import type { EphemeralWorkerPolicy } from '../policy/policy.js';
import { analyseWorkerSpec } from './validate-spec.js';
import type { ValidatedWorkerSpec, WorkerSpec } from './worker-spec.js';

export interface WorkerRequestOptions {
  /** The worker id the caller chose, if any. */
  readonly workerId?: unknown;
  /** The policy the spec's `policy` override applies to (the manager's). */
  readonly basePolicy: EphemeralWorkerPolicy;
}

export interface ValidatedWorkerRequest {
  readonly spec: ValidatedWorkerSpec;
  /** The base policy with the spec's override applied. */
  readonly policy: EphemeralWorkerPolicy;
}

/**
 * Validates everything a request to create a worker carries, before anything runs: the spec,
 * its policy override against the base policy (cross-field rules included), and the worker id.
 * One call, one error: `InvalidSpecError` listing every problem found, with paths such as
 * `image`, `env.1X`, `policy.startupTimeout` and `workerId`.
 */
export function validateWorkerRequest(
  spec: WorkerSpec,
  options: WorkerRequestOptions,
): ValidatedWorkerRequest {
  const { issues, validated } = analyseWorkerSpec(spec);
  const all: ValidationIssue[] = [...issues];
  let policy = options.basePolicy;
  // Cross-field rules need the merged policy, so they run once the override itself is sound.
  const overrideOk = !issues.some((i) => i.path === 'policy' || i.path.startsWith('policy.'));
  if (overrideOk && isObject(spec) && isObject(spec.policy)) {
    try {
      policy = definePolicy(spec.policy, options.basePolicy);
    } catch (error) {
      if (!InvalidPolicyError.isInstance(error)) throw error;
      for (const issue of error.issues) {
        all.push({
          path: issue.path === '' ? 'policy' : `policy.${issue.path}`,
          message: issue.message,
        });
      }
    }
  }
  if (options.workerId !== undefined) {
    const problem =
      typeof options.workerId === 'string' ? workerIdProblem(options.workerId) : 'must be a string';
    if (problem) all.push({ path: 'workerId', message: problem });
  }
  if (all.length > 0 || validated === undefined) throw new InvalidSpecError(all);
  return { spec: validated, policy };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
