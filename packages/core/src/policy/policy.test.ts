import { describe, expect, test } from 'vitest';
import {
  defaultPolicy,
  definePolicy,
  formatDuration,
  InvalidPolicyError,
  type PolicyInput,
  parseDuration,
  policyPresets,
} from '../index.js';

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (InvalidPolicyError.isInstance(error)) return error.issues;
    throw error;
  }
  throw new Error('expected InvalidPolicyError');
}

describe('durations', () => {
  test.each([
    [0, 0],
    [1500, 1500],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
  ])('%s is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  test.each([
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '5',
    '5 minutes',
    '1h30m',
    '-5m',
    '',
    'm',
    null,
    {},
  ])('%s is refused', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  test('formats for people', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(3_600_000 + 5)).toBe('1h5ms');
  });
});

describe('policy presets', () => {
  test('match the plan', () => {
    expect(policyPresets.kubernetes).toMatchObject({
      maxLifetime: 3_600_000,
      ttlAfterCompletion: 300_000,
      idleTimeout: 600_000,
      orphanDetectionEnabled: true,
      orphanCheckInterval: 60_000,
      gracefulTerminationTimeout: 30_000,
    });
    expect(policyPresets.docker).toMatchObject({
      maxLifetime: 1_800_000,
      ttlAfterCompletion: 120_000,
      idleTimeout: 300_000,
      orphanDetectionEnabled: false,
      orphanCheckInterval: 300_000,
      gracefulTerminationTimeout: 30_000,
    });
    expect(Object.isFrozen(policyPresets.docker)).toBe(true);
  });
});

describe('definePolicy', () => {
  test('fills what is left out from the base, parsing duration strings', () => {
    const policy = definePolicy(
      { maxLifetime: '10m', ttlAfterCompletion: 0, retainOnFailure: '1h' },
      'docker',
    );
    expect(policy).toEqual({
      ...policyPresets.docker,
      maxLifetime: 600_000,
      ttlAfterCompletion: 0,
      retainOnFailure: 3_600_000,
    });
    expect(definePolicy()).toEqual(defaultPolicy);
  });

  test('an explicit undefined keeps the base value', () => {
    expect(definePolicy({ idleTimeout: undefined }, 'kubernetes').idleTimeout).toBe(600_000);
  });

  test.each<[string, PolicyInput, string]>([
    ['negative lifetime', { maxLifetime: -1 }, 'maxLifetime'],
    ['zero lifetime', { maxLifetime: 0 }, 'maxLifetime'],
    ['zero idle timeout', { idleTimeout: '0s' as never }, 'idleTimeout'],
    ['zero check interval', { orphanCheckInterval: 0 }, 'orphanCheckInterval'],
    ['zero startup timeout', { startupTimeout: 0 }, 'startupTimeout'],
    ['zero retainOnFailure', { retainOnFailure: 0 }, 'retainOnFailure'],
    ['negative grace period', { gracefulTerminationTimeout: -5 }, 'gracefulTerminationTimeout'],
    ['fractional milliseconds', { ttlAfterCompletion: 1.5 }, 'ttlAfterCompletion'],
    ['unparseable string', { maxLifetime: '5 minutes' as never }, 'maxLifetime'],
    ['boolean as string', { autoCleanupEnabled: 'yes' as never }, 'autoCleanupEnabled'],
    ['unknown field', { maxLifeTime: '5m' } as never, 'maxLifeTime'],
  ])('refuses %s with a typed error naming the field', (_name, input, path) => {
    const issues = issuesOf(() => definePolicy(input));
    expect(issues.map((issue) => issue.path)).toContain(path);
  });

  test('lists every problem at once', () => {
    const issues = issuesOf(() => definePolicy({ maxLifetime: -1, idleTimeout: 0 }));
    expect(issues.map((issue) => issue.path).sort()).toEqual(['idleTimeout', 'maxLifetime']);
  });

  test('refuses a startup timeout that is not shorter than the lifetime', () => {
    const issues = issuesOf(() => definePolicy({ maxLifetime: '1m', startupTimeout: '2m' }));
    expect(issues).toEqual([
      { path: 'startupTimeout', message: expect.stringContaining('shorter than maxLifetime') },
    ]);
  });

  test('refuses a non-object policy and an unknown preset', () => {
    expect(issuesOf(() => definePolicy(null as never))[0]?.path).toBe('');
    expect(issuesOf(() => definePolicy([] as never))[0]?.path).toBe('');
    expect(issuesOf(() => definePolicy({}, 'nomad' as never))[0]?.message).toContain(
      'kubernetes, docker',
    );
  });

  test('the policy it returns is frozen', () => {
    expect(Object.isFrozen(definePolicy({}))).toBe(true);
  });
});
