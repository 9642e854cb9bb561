/**
 * What every record and observation must look like, checked on each one the suite reads (from
 * create, get, list and watch), so a malformed record fails the test that met it, with where
 * it came from.
 */
import { AssertionError } from 'node:assert';
import {
  OwnershipKeys,
  type WorkerObservationV1,
  type WorkerRecordV1,
  type WorkerRefV1,
  type WorkerSelectorV1,
} from '@hodei/lifecycle-core';
import { describeValue } from '../poll/poll-until.js';

const phases = ['pending', 'running', 'succeeded', 'failed', 'unknown'];

const isFinished = (record: WorkerRecordV1) =>
  record.phase === 'succeeded' || record.phase === 'failed';
const absent = (value: unknown) => value === undefined || value === null;
const isDate = (value: unknown) => value instanceof Date && Number.isFinite(value.getTime());
const isStringMap = (value: unknown) =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string');

/** The problems of one record: its fields and their types, and the rules between them. */
export function recordProblems(record: WorkerRecordV1): string[] {
  if (record === null || typeof record !== 'object') return ['is not an object'];
  const problems: string[] = [];
  const r = record as unknown as Record<string, unknown>;
  if (typeof r.workerId !== 'string' || r.workerId === '') {
    problems.push('workerId must be a non-empty string');
  }
  if (typeof r.uid !== 'string' || r.uid === '') problems.push('uid must be a non-empty string');
  if (!phases.includes(r.phase as string))
    problems.push(`phase must be one of ${phases.join(', ')}`);
  if (typeof r.ready !== 'boolean') problems.push('ready must be true or false');
  if (typeof r.removing !== 'boolean') problems.push('removing must be true or false');
  if (!absent(r.exitCode) && !Number.isInteger(r.exitCode)) {
    problems.push('exitCode must be a whole number when present');
  }
  if (!absent(r.reason) && typeof r.reason !== 'string') {
    problems.push('reason must be a string when present');
  }
  if (!isDate(r.createdAt)) problems.push('createdAt must be a valid Date');
  for (const field of ['startedAt', 'finishedAt']) {
    if (!absent(r[field]) && !isDate(r[field])) {
      problems.push(`${field} must be a valid Date when present`);
    }
  }
  if (!isStringMap(r.labels)) problems.push('labels must be an object of strings');
  if (!isStringMap(r.annotations)) problems.push('annotations must be an object of strings');
  if (problems.length > 0) return problems;

  if (record.ready && record.phase !== 'running') {
    problems.push(
      `ready is true while the phase is ${record.phase}: only a running worker is ready`,
    );
  }
  if (record.phase === 'succeeded' && record.exitCode !== 0) {
    problems.push(`phase succeeded with exit code ${record.exitCode}: succeeded means exit 0`);
  }
  if (record.phase === 'failed' && record.exitCode === 0) {
    problems.push('phase failed with exit code 0: exit 0 is succeeded');
  }
  if (isFinished(record) && !isDate(record.finishedAt)) {
    problems.push(`a ${record.phase} worker must have finishedAt`);
  }
  if (record.phase === 'running' && !isDate(record.startedAt)) {
    problems.push('a running worker must have startedAt');
  }
  // In order, give or take a second of clock granularity (a pod's timestamps are whole seconds).
  if (
    isDate(record.startedAt) &&
    record.startedAt!.getTime() < record.createdAt.getTime() - 1_000
  ) {
    problems.push('startedAt is before createdAt');
  }
  if (isDate(record.finishedAt)) {
    const from = (isDate(record.startedAt) ? record.startedAt! : record.createdAt).getTime();
    if (record.finishedAt!.getTime() < from - 1_000) {
      problems.push('finishedAt is before startedAt (or createdAt)');
    }
  }
  const labelledId = record.labels[OwnershipKeys.workerId];
  if (labelledId !== undefined && labelledId !== record.workerId) {
    problems.push(
      `workerId ${record.workerId} differs from its label ${OwnershipKeys.workerId}=${labelledId}`,
    );
  }
  return problems;
}

/** Fails unless the record is well formed. */
export function checkRecord(record: WorkerRecordV1, where: string): void {
  const problems = recordProblems(record);
  if (problems.length > 0) {
    throw new AssertionError({
      message: `malformed record from ${where}: ${problems.join('; ')}; record: ${describeValue(record)}`,
    });
  }
}

/** Fails unless the record belongs to the selector: its scope and every label it names. */
export function checkSelected(record: WorkerRecordV1, selector: WorkerSelectorV1, where: string) {
  const scope = record.labels?.[OwnershipKeys.managedBy];
  if (scope !== selector.scope) {
    throw new AssertionError({
      message: `${where} returned a worker of another scope: asked for scope ${selector.scope}, got worker ${record.workerId} of scope ${describeValue(scope)}`,
    });
  }
  for (const [key, value] of Object.entries(selector.labels ?? {})) {
    if (record.labels[key] !== value) {
      throw new AssertionError({
        message: `${where} returned worker ${record.workerId} without the selector's label ${key}=${value} (it has ${describeValue(record.labels[key])})`,
      });
    }
  }
}

/** Fails unless the record is the worker the ref names: its scope, its id and, if given, its uid. */
export function checkReferenced(record: WorkerRecordV1, ref: WorkerRefV1, where: string): void {
  checkSelected(record, { scope: ref.scope }, where);
  if (record.workerId !== ref.workerId) {
    throw new AssertionError({
      message: `${where} for worker ${ref.workerId} returned another worker, ${record.workerId}`,
    });
  }
  if (ref.uid !== undefined && record.uid !== ref.uid) {
    throw new AssertionError({
      message: `${where} with uid ${ref.uid} returned another incarnation (uid ${record.uid}): a ref with a uid names that incarnation only`,
    });
  }
}

/** Fails unless the observation is well formed and belongs to the selector. */
export function checkObservation(
  observation: WorkerObservationV1,
  selector: WorkerSelectorV1,
): void {
  if (observation?.type === 'upsert') {
    checkRecord(observation.worker, 'watch');
    checkSelected(observation.worker, selector, 'watch');
    return;
  }
  if (observation?.type === 'removed') {
    if (typeof observation.workerId !== 'string' || observation.workerId === '') {
      throw new AssertionError({
        message: `malformed removed observation from watch (workerId): ${describeValue(observation)}`,
      });
    }
    if (typeof observation.uid !== 'string' || observation.uid === '') {
      throw new AssertionError({
        message: `malformed removed observation from watch (uid): ${describeValue(observation)}`,
      });
    }
    return;
  }
  throw new AssertionError({
    message: `watch delivered something that is neither an upsert nor a removed observation: ${describeValue(observation)}`,
  });
}
