import { describe, expect, test } from 'vitest';
import {
  assertOwnershipIds,
  escapeLabelValue,
  InvalidOptionsError,
  labelKeyProblem,
  labelValueProblem,
  mergeWithOwnership,
  type Ownership,
  OwnershipKeys,
  readOwnership,
  stampOwnership,
} from '../provider.js';

const ownership: Ownership = {
  scope: 'ci-runners',
  workerId: 'w-3f9a2c',
  providerId: 'docker-local',
  owner: 'host-a-1234',
  expiresAt: new Date('2026-11-27T10:00:00.000Z'),
  ttlAfterFinishedSeconds: 300,
};

describe('ownership stamp', () => {
  test('uses the same keys on every provider', () => {
    const stamp = stampOwnership(ownership);
    expect(stamp.labels).toEqual({
      'hodei.io/managed-by': 'ci-runners',
      'hodei.io/worker-id': 'w-3f9a2c',
      'hodei.io/provider-id': 'docker-local',
      'hodei.io/owner': 'host-a-1234',
    });
    expect(stamp.annotations).toEqual({
      'hodei.io/expires-at': '2026-11-27T10:00:00.000Z',
      'hodei.io/ttl-after-finished': '300',
    });
  });

  test('round-trips through annotations (Kubernetes) and through labels only (Docker)', () => {
    const stamp = stampOwnership(ownership);
    expect(readOwnership(stamp)).toEqual(ownership);
    const dockerStyle = { labels: { ...stamp.labels, ...stamp.annotations }, annotations: {} };
    expect(readOwnership(dockerStyle)).toEqual(ownership);
  });

  test('leaves out deadline and TTL when there are none', () => {
    const stamp = stampOwnership({
      ...ownership,
      expiresAt: undefined,
      ttlAfterFinishedSeconds: undefined,
    });
    expect(stamp.annotations).toEqual({});
    expect(readOwnership(stamp)).toMatchObject({
      expiresAt: undefined,
      ttlAfterFinishedSeconds: undefined,
    });
  });

  test('a worker without a complete stamp is not ours', () => {
    expect(readOwnership({ labels: {}, annotations: {} })).toBeUndefined();
    const { labels } = stampOwnership(ownership);
    const { [OwnershipKeys.owner]: _dropped, ...withoutOwner } = labels;
    expect(readOwnership({ labels: withoutOwner, annotations: {} })).toBeUndefined();
  });

  test('a garbled deadline or TTL reads as absent, never as a wrong value', () => {
    const { labels } = stampOwnership(ownership);
    const read = readOwnership({
      labels,
      annotations: {
        [OwnershipKeys.expiresAt]: 'tomorrow',
        [OwnershipKeys.ttlAfterFinished]: '-5',
      },
    });
    expect(read?.expiresAt).toBeUndefined();
    expect(read?.ttlAfterFinishedSeconds).toBeUndefined();
  });

  test('refuses ids that are not valid label values', () => {
    expect(() => stampOwnership({ ...ownership, scope: 'has space' })).toThrow(InvalidOptionsError);
    expect(() => assertOwnershipIds('manager options', { scope: '' })).toThrow(
      /scope: must not be empty/,
    );
    expect(() => assertOwnershipIds('manager options', { workerId: 'Upper' })).toThrow(
      InvalidOptionsError,
    );
    expect(() => assertOwnershipIds('manager options', { owner: 'x'.repeat(64) })).toThrow(
      /at most 63/,
    );
  });

  test('refuses a deadline or TTL that could not be read back', () => {
    expect(() => stampOwnership({ ...ownership, ttlAfterFinishedSeconds: 1.5 })).toThrow(
      /ttlAfterFinishedSeconds/,
    );
    expect(() => stampOwnership({ ...ownership, ttlAfterFinishedSeconds: -5 })).toThrow(
      InvalidOptionsError,
    );
    expect(() => stampOwnership({ ...ownership, expiresAt: new Date(Number.NaN) })).toThrow(
      /expiresAt/,
    );
  });

  test('a user label can never overwrite an ownership key', () => {
    const merged = mergeWithOwnership(
      { team: 'infra', 'hodei.io/managed-by': 'someone-else', 'hodei.io/extra': 'x' },
      stampOwnership(ownership).labels,
    );
    expect(merged['hodei.io/managed-by']).toBe('ci-runners');
    expect(merged.team).toBe('infra');
    expect(merged).not.toHaveProperty('hodei.io/extra');
  });
});

describe('platform rules', () => {
  test.each(['', 'a', 'a.b-c_d', 'A1', 'x'.repeat(63)])('label value %j is valid', (value) => {
    expect(labelValueProblem(value)).toBeUndefined();
  });

  test.each(['-a', 'a-', 'a b', 'a/b', 'a:b', 'x'.repeat(64), 'é'])(
    'label value %j is invalid',
    (value) => {
      expect(labelValueProblem(value)).toBeTypeOf('string');
    },
  );

  test.each(['team', 'acme.com/team', 'a-b.c/d_e.f', 'k8s.io/x'])(
    'label key %j is valid',
    (key) => {
      expect(labelKeyProblem(key)).toBeUndefined();
    },
  );

  test.each(['', '/x', 'a/', 'Acme.com/x', 'a/b/c', '-x', `${'a'.repeat(254)}/x`])(
    'label key %j is invalid',
    (key) => {
      expect(labelKeyProblem(key)).toBeTypeOf('string');
    },
  );

  test('escaping yields valid, distinct, deterministic values', () => {
    const inputs = [
      'host:1234',
      'host-1234',
      'my host/pid 7',
      '--x--',
      'ünïcode',
      'x'.repeat(200),
      ':::',
      '',
    ];
    const escaped = inputs.map(escapeLabelValue);
    for (const value of escaped) expect(labelValueProblem(value)).toBeUndefined();
    expect(new Set(escaped).size).toBe(inputs.length);
    expect(escapeLabelValue('host:1234')).toBe(escapeLabelValue('host:1234'));
    expect(escapeLabelValue('already-valid.1')).toBe('already-valid.1');
  });
});
