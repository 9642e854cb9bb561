import * as v from 'valibot';
import type { ValidationIssue } from '../errors/errors.js';

/** Converts valibot's issues into the SDK's own, so valibot never shows in a public type. */
export function toValidationIssues(issues: readonly v.BaseIssue<unknown>[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: v.getDotPath(issue) ?? '', message: issue.message }));
}
