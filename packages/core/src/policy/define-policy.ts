import * as v from 'valibot';
import { InvalidPolicyError, type ValidationIssue } from '../errors/errors.js';
import { toValidationIssues } from '../util/validation-issues.js';
import { parseDuration } from './duration.js';
import type { EphemeralWorkerPolicy, PolicyInput } from './policy.js';
import { type PolicyPreset, type PolicyPresetName, policyPresets } from './presets.js';

const durationMessage =
  'must be a whole number of milliseconds >= 0 or a string such as "250ms", "30s", "5m", "1h"';

/** A duration field; `positive` refuses zero where zero makes no sense (a lifetime of 0). */
function duration(positive: boolean) {
  return v.pipe(
    v.unknown(),
    v.transform(parseDuration),
    v.number(durationMessage),
    v.minValue(positive ? 1 : 0, 'must be greater than zero'),
  );
}

const policyFields: readonly string[] = [
  'maxLifetime',
  'ttlAfterCompletion',
  'idleTimeout',
  'gracefulTerminationTimeout',
  'autoCleanupEnabled',
  'orphanDetectionEnabled',
  'orphanCheckInterval',
  'startupTimeout',
  'retainOnFailure',
] satisfies (keyof PolicyInput)[];

/** Unknown fields are refused (strict), so a typo never silently falls back to a default. */
const policyInputSchema = v.strictObject(
  {
    maxLifetime: v.optional(duration(true)),
    ttlAfterCompletion: v.optional(duration(false)),
    idleTimeout: v.optional(duration(true)),
    gracefulTerminationTimeout: v.optional(duration(false)),
    autoCleanupEnabled: v.optional(v.boolean('must be true or false')),
    orphanDetectionEnabled: v.optional(v.boolean('must be true or false')),
    orphanCheckInterval: v.optional(duration(true)),
    startupTimeout: v.optional(duration(true)),
    retainOnFailure: v.optional(duration(true)),
  },
  () => `unknown field (allowed: ${policyFields.join(', ')})`,
);

/** The policy used when nothing else is given: the Kubernetes preset (orphan detection on). */
export const defaultPolicy: EphemeralWorkerPolicy = policyPresets.kubernetes;

/**
 * Validates a policy and fills the fields it leaves out from `base` (a preset name or a policy).
 * Throws `InvalidPolicyError` listing every problem; never falls back to a default silently.
 *
 * @example definePolicy({ maxLifetime: '10m', ttlAfterCompletion: '30s' }, 'docker')
 */
export function definePolicy(
  input: PolicyInput = {},
  base: EphemeralWorkerPolicy | PolicyPresetName = defaultPolicy,
): EphemeralWorkerPolicy {
  const basePolicy = typeof base === 'string' ? presetByName(base) : base;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidPolicyError([{ path: '', message: 'a policy must be an object' }]);
  }
  const parsed = v.safeParse(policyInputSchema, input, { abortPipeEarly: true });
  if (!parsed.success) throw new InvalidPolicyError(toValidationIssues(parsed.issues));

  const defined = Object.fromEntries(
    Object.entries(parsed.output).filter(([, value]) => value !== undefined),
  );
  const policy: EphemeralWorkerPolicy = Object.freeze({ ...basePolicy, ...defined });
  const issues = crossFieldIssues(policy);
  if (issues.length > 0) throw new InvalidPolicyError(issues);
  return policy;
}

/** The problems of a policy input on its own (no cross-field checks, which need the merged policy). */
export function policyInputIssues(input: unknown): ValidationIssue[] {
  const parsed = v.safeParse(policyInputSchema, input, { abortPipeEarly: true });
  return parsed.success ? [] : toValidationIssues(parsed.issues);
}

function presetByName(name: string): EphemeralWorkerPolicy {
  const preset = (policyPresets as Record<string, EphemeralWorkerPolicy>)[name];
  if (!preset) {
    throw new InvalidPolicyError([
      {
        path: '',
        message: `unknown preset '${name}' (available: ${Object.keys(policyPresets).join(', ')})`,
      },
    ]);
  }
  return preset;
}

function crossFieldIssues(policy: EphemeralWorkerPolicy): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (policy.startupTimeout !== undefined && policy.startupTimeout >= policy.maxLifetime) {
    issues.push({
      path: 'startupTimeout',
      message: `must be shorter than maxLifetime (${policy.maxLifetime}ms): the worker would never be checked for readiness`,
    });
  }
  return issues;
}

/**
 * A named preset for a provider plugin to declare: `input` over `base` (default: the generic
 * preset), validated now. The name is what `manager.policyPreset` and the manager's log show.
 *
 * @example definePolicyPreset('my-cloud', { maxLifetime: '2h', orphanCheckInterval: '15s' })
 */
export function definePolicyPreset(
  name: string,
  input: PolicyInput = {},
  base: EphemeralWorkerPolicy | PolicyPresetName = 'generic',
): PolicyPreset {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidPolicyError([{ path: '', message: 'a preset needs a non-empty name' }]);
  }
  return Object.freeze({ name, policy: definePolicy(input, base) });
}
