import * as v from 'valibot';
import { InvalidSpecError, type ValidationIssue } from '../errors/errors.js';
import { isOwnershipKey } from '../ownership/ownership.js';
import {
  labelKeyProblem,
  labelValueProblem,
  MAX_ANNOTATIONS_BYTES,
} from '../ownership/platform-rules.js';
import { policyInputIssues } from '../policy/define-policy.js';
import { toValidationIssues } from '../util/validation-issues.js';
import { parseCpuMillis, parseMemoryBytes } from './quantities.js';
import type { ValidatedWorkerSpec, WorkerSpec } from './worker-spec.js';

/** Ranges every provider accepts. Providers may refuse more (a CPU count above the host's). */
export const SpecLimits = {
  /** Docker refuses memory limits under 6 MiB. */
  minMemoryBytes: 6 * 2 ** 20,
  maxMemoryBytes: 2 ** 40,
  minCpuMillis: 1,
  maxCpuMillis: 1024 * 1000,
  maxImageLength: 512,
} as const;

// The grammar of image references (distribution/reference), kept to what registries accept.
const component = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const domain =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?';
const imagePattern = new RegExp(
  `^${domain}${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);
const envNamePattern = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const noNul = (s: string) => !s.includes('\0');

const stringList = v.array(
  v.pipe(v.string('must be a string'), v.check(noNul, 'must not contain NUL characters')),
  'must be an array of strings',
);
const stringMap = v.record(
  v.string(),
  v.pipe(v.string('must be a string'), v.check(noNul, 'must not contain NUL characters')),
  'must be an object of string values',
);

const specSchema = v.strictObject(
  {
    image: v.pipe(
      v.string('must be a string'),
      v.nonEmpty('must not be empty'),
      v.maxLength(
        SpecLimits.maxImageLength,
        `must be at most ${SpecLimits.maxImageLength} characters`,
      ),
      v.regex(
        imagePattern,
        'is not a valid image reference (e.g. "busybox:1.36", "ghcr.io/org/job@sha256:...")',
      ),
    ),
    command: v.optional(stringList),
    args: v.optional(stringList),
    env: v.optional(stringMap),
    resources: v.optional(
      v.strictObject(
        {
          cpu: v.optional(
            v.union(
              [v.number(), v.string()],
              'must be a number of cores or a quantity such as "500m"',
            ),
          ),
          memory: v.optional(
            v.union([v.number(), v.string()], 'must be bytes or a quantity such as "256Mi"'),
          ),
        },
        'unknown resource (allowed: cpu, memory)',
      ),
    ),
    labels: v.optional(stringMap),
    annotations: v.optional(stringMap),
    policy: v.optional(v.record(v.string(), v.unknown(), 'must be an object')),
    extensions: v.optional(
      v.record(v.string(), v.unknown(), 'must be an object keyed by provider type'),
    ),
  },
  (issue) =>
    `unknown field ${JSON.stringify(issue.input)} (allowed: image, command, args, env, resources, labels, annotations, policy, extensions)`,
);

/**
 * Validates a worker spec without touching any infrastructure, and normalises it.
 * Throws `InvalidSpecError` listing every problem found. Providers call it first in `create`,
 * passing the problems they found in their own extension so the caller gets one error with
 * all of them.
 */
export function validateWorkerSpec(
  spec: WorkerSpec,
  providerIssues: readonly ValidationIssue[] = [],
): ValidatedWorkerSpec {
  const { issues, validated } = analyse(spec);
  const all = [...issues, ...providerIssues];
  if (all.length > 0 || validated === undefined) throw new InvalidSpecError(all);
  return validated;
}

/** The problems of a spec, without throwing (an empty list when it is valid). */
export function workerSpecIssues(spec: WorkerSpec): ValidationIssue[] {
  return analyse(spec).issues;
}

/** Every problem of a spec, and the normalised spec when there is none. Internal to core. */
export function analyseWorkerSpec(spec: WorkerSpec): {
  issues: ValidationIssue[];
  validated?: ValidatedWorkerSpec;
} {
  return analyse(spec);
}

/** A plain object (not null, not an array), or undefined. */
function plainObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function analyse(spec: WorkerSpec): { issues: ValidationIssue[]; validated?: ValidatedWorkerSpec } {
  const parsed = v.safeParse(specSchema, spec, { abortPipeEarly: true });
  const input = plainObject(spec);
  if (!input) return { issues: parsed.success ? [] : toValidationIssues(parsed.issues) };
  // The schema checks the shape; the checks below run on every field whose shape is right,
  // whatever else failed, so that one call lists every problem of the spec.
  const issues: ValidationIssue[] = parsed.success ? [] : toValidationIssues(parsed.issues);

  for (const name of Object.keys(plainObject(input.env) ?? {})) {
    if (!envNamePattern.test(name)) {
      issues.push({
        path: `env.${name}`,
        message: "name must match [-._a-zA-Z][-._a-zA-Z0-9]* (no '=')",
      });
    }
  }
  const labels = plainObject(input.labels);
  const annotations = plainObject(input.annotations);
  checkKeys('labels', labels, issues, true);
  checkKeys('annotations', annotations, issues, false);
  const annotationBytes = Object.entries(annotations ?? {}).reduce(
    (sum, [key, value]) =>
      sum + Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0),
    0,
  );
  if (annotationBytes > MAX_ANNOTATIONS_BYTES) {
    issues.push({
      path: 'annotations',
      message: `must total at most ${MAX_ANNOTATIONS_BYTES} bytes (got ${annotationBytes})`,
    });
  }

  const resources = plainObject(input.resources);
  const quantity = (value: unknown) => typeof value === 'number' || typeof value === 'string';
  const cpu = resources?.cpu;
  const cpuMillis = quantity(cpu) ? parseCpuMillis(cpu) : undefined;
  if (quantity(cpu)) {
    if (cpuMillis === undefined) {
      issues.push({
        path: 'resources.cpu',
        message: 'must be a positive number of cores or a quantity such as "500m"',
      });
    } else if (cpuMillis < SpecLimits.minCpuMillis || cpuMillis > SpecLimits.maxCpuMillis) {
      issues.push({
        path: 'resources.cpu',
        message: `must be between 1m and ${SpecLimits.maxCpuMillis / 1000} cores`,
      });
    }
  }
  const memory = resources?.memory;
  const memoryBytes = quantity(memory) ? parseMemoryBytes(memory) : undefined;
  if (quantity(memory)) {
    if (memoryBytes === undefined) {
      issues.push({
        path: 'resources.memory',
        message: 'must be a positive number of bytes or a quantity such as "256Mi"',
      });
    } else if (memoryBytes < SpecLimits.minMemoryBytes || memoryBytes > SpecLimits.maxMemoryBytes) {
      issues.push({ path: 'resources.memory', message: 'must be between 6Mi and 1Ti' });
    }
  }
  const policy = plainObject(input.policy);
  if (policy !== undefined) {
    for (const issue of policyInputIssues(policy)) {
      issues.push({
        path: issue.path === '' ? 'policy' : `policy.${issue.path}`,
        message: issue.message,
      });
    }
  }
  if (issues.length > 0 || !parsed.success) return { issues };

  const output = parsed.output;
  const validated: ValidatedWorkerSpec = {
    image: output.image,
    command: output.command,
    args: output.args,
    env: { ...output.env },
    resources: { cpuMillis, memoryBytes },
    labels: { ...output.labels },
    annotations: { ...output.annotations },
    policy: output.policy as ValidatedWorkerSpec['policy'],
    extensions: { ...output.extensions },
  };
  return { issues, validated };
}

function checkKeys(
  field: 'labels' | 'annotations',
  map: Record<string, unknown> | undefined,
  issues: ValidationIssue[],
  checkValues: boolean,
): void {
  for (const [key, value] of Object.entries(map ?? {})) {
    const path = `${field}.${key}`;
    if (isOwnershipKey(key)) {
      issues.push({ path, message: "keys under 'hodei.io/' are reserved for the ownership stamp" });
      continue;
    }
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) issues.push({ path, message: `key ${keyProblem}` });
    const valueProblem =
      checkValues && typeof value === 'string' ? labelValueProblem(value) : undefined;
    if (valueProblem) issues.push({ path, message: `value ${valueProblem}` });
  }
}
