/**
 * `spec.extensions.memory`: how a fake worker behaves. Validated like every other part of the
 * spec, so a typo in a test fixture is an InvalidSpecError, never a silently different worker.
 */
import { InvalidSpecError, type ValidationIssue } from '@hodei/lifecycle-core';

export interface MemoryWorkerBehaviour {
  /** Time spent pending before the process runs. Default 0: running as soon as created. */
  readonly startupDelayMs?: number;
  /** Time from running to ready. Default 0: ready as soon as running. */
  readonly readyAfterMs?: number;
  /** Never becomes ready (a failing readiness probe). */
  readonly neverReady?: boolean;
  /** The process exits this long after it starts running. Absent: runs until stopped. */
  readonly runForMs?: number;
  /** Exit code when `runForMs` elapses (and the default of `complete()`). 0 = succeeded. Default 0. */
  readonly exitCode?: number;
  /** Lines the process prints when it starts running. */
  readonly logLines?: readonly string[];
  /** The process ignores SIGTERM: a stop waits the whole grace period, then kills it (exit 137). */
  readonly ignoreStop?: boolean;
}

const durationFields = ['startupDelayMs', 'readyAfterMs', 'runForMs'] as const;
const booleanFields = ['neverReady', 'ignoreStop'] as const;
const knownFields: readonly string[] = [
  ...durationFields,
  ...booleanFields,
  'exitCode',
  'logLines',
];

/** Largest delay a Node.js timer accepts; beyond it setTimeout fires at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Problems of the `memory` extension, with paths relative to the spec. */
export function memoryExtensionIssues(value: unknown): ValidationIssue[] {
  const base = 'extensions.memory';
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ path: base, message: 'must be an object' }];
  }
  const input = value as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(input)) {
    if (!knownFields.includes(key)) {
      issues.push({
        path: `${base}.${key}`,
        message: `unknown field (allowed: ${knownFields.join(', ')})`,
      });
    }
  }
  for (const field of durationFields) {
    const v = input[field];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_DELAY_MS) {
      issues.push({
        path: `${base}.${field}`,
        message: `must be a number of milliseconds between 0 and ${MAX_DELAY_MS}`,
      });
    }
  }
  for (const field of booleanFields) {
    const v = input[field];
    if (v !== undefined && typeof v !== 'boolean') {
      issues.push({ path: `${base}.${field}`, message: 'must be true or false' });
    }
  }
  const exitCode = input.exitCode;
  if (
    exitCode !== undefined &&
    (typeof exitCode !== 'number' || !Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255)
  ) {
    issues.push({ path: `${base}.exitCode`, message: 'must be a whole number from 0 to 255' });
  }
  const logLines = input.logLines;
  if (logLines !== undefined) {
    if (!Array.isArray(logLines)) {
      issues.push({ path: `${base}.logLines`, message: 'must be an array of strings' });
    } else {
      logLines.forEach((line, index) => {
        if (typeof line !== 'string' || line.includes('\n')) {
          issues.push({
            path: `${base}.logLines.${index}`,
            message: 'must be a string without line breaks (one entry per line)',
          });
        }
      });
    }
  }
  if (input.neverReady === true && input.readyAfterMs !== undefined) {
    issues.push({
      path: `${base}.readyAfterMs`,
      message: 'contradicts neverReady: true (give one or the other)',
    });
  }
  return issues;
}

/** Reads and validates the extension; throws InvalidSpecError listing every problem. */
export function parseMemoryExtension(value: unknown): MemoryWorkerBehaviour {
  const issues = memoryExtensionIssues(value);
  if (issues.length > 0) throw new InvalidSpecError(issues);
  const input = (value ?? {}) as MemoryWorkerBehaviour;
  return Object.freeze({
    ...input,
    logLines: input.logLines === undefined ? undefined : Object.freeze([...input.logLines]),
  });
}
