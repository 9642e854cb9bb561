import { describe, expect, test } from 'vitest';
import {
  InvalidSpecError,
  validateWorkerSpec,
  type WorkerSpec,
  workerSpecIssues,
} from '../provider.js';

function pathsOf(spec: unknown): string[] {
  try {
    validateWorkerSpec(spec as WorkerSpec);
  } catch (error) {
    if (InvalidSpecError.isInstance(error)) return error.issues.map((issue) => issue.path);
    throw error;
  }
  throw new Error('expected InvalidSpecError');
}

describe('validateWorkerSpec', () => {
  test('normalises a valid spec', () => {
    const spec = validateWorkerSpec({
      image: 'ghcr.io/acme/job-runner:1.2.3',
      command: ['/bin/sh', '-c'],
      args: ['echo hi'],
      env: { JOB_ID: '42', 'dotted.name': 'x' },
      resources: { cpu: '500m', memory: '256Mi' },
      labels: { team: 'infra', 'acme.com/cost-center': 'c-42' },
      annotations: { 'acme.com/description': 'free text: anything goes' },
      policy: { maxLifetime: '10m' },
      extensions: { kubernetes: { nodeSelector: { pool: 'ci' } } },
    });
    expect(spec.resources).toEqual({ cpuMillis: 500, memoryBytes: 268_435_456 });
    expect(spec.env.JOB_ID).toBe('42');
    expect(spec.extensions).toEqual({ kubernetes: { nodeSelector: { pool: 'ci' } } });
  });

  test.each([
    ['busybox'],
    ['busybox:1.36'],
    ['library/busybox:latest'],
    ['localhost:5000/team/app:v1'],
    [`alpine@sha256:${'a'.repeat(64)}`],
    ['hodei-test-worker:1'],
  ])('accepts image %s', (image) => {
    expect(validateWorkerSpec({ image }).image).toBe(image);
  });

  test.each([
    ['', 'image'],
    ['Busybox', 'image'],
    ['busy box', 'image'],
    ['busybox:', 'image'],
    ['busybox@sha256:short', 'image'],
    ['-leading-dash', 'image'],
  ])('refuses image %j', (image, path) => {
    expect(pathsOf({ image })).toEqual([path]);
  });

  test.each<[string, unknown, string]>([
    ['missing image', {}, 'image'],
    ['non-string command', { image: 'a', command: ['ok', 3] }, 'command.1'],
    ['NUL in args', { image: 'a', args: ['a\0b'] }, 'args.0'],
    ['env value not a string', { image: 'a', env: { A: 1 } }, 'env.A'],
    ['env name with =', { image: 'a', env: { 'A=B': 'x' } }, 'env.A=B'],
    ['env name starting with a digit', { image: 'a', env: { '1A': 'x' } }, 'env.1A'],
    [
      'reserved label',
      { image: 'a', labels: { 'hodei.io/managed-by': 'other' } },
      'labels.hodei.io/managed-by',
    ],
    [
      'reserved annotation',
      { image: 'a', annotations: { 'hodei.io/expires-at': 'never' } },
      'annotations.hodei.io/expires-at',
    ],
    ['label value with space', { image: 'a', labels: { team: 'a b' } }, 'labels.team'],
    ['label value too long', { image: 'a', labels: { team: 'x'.repeat(64) } }, 'labels.team'],
    [
      'label key with bad prefix',
      { image: 'a', labels: { 'Acme.com/x': 'y' } },
      'labels.Acme.com/x',
    ],
    [
      'label key too long',
      { image: 'a', labels: { ['k'.repeat(64)]: 'y' } },
      `labels.${'k'.repeat(64)}`,
    ],
    ['empty label key', { image: 'a', labels: { '': 'y' } }, 'labels.'],
    ['cpu zero', { image: 'a', resources: { cpu: 0 } }, 'resources.cpu'],
    ['cpu negative', { image: 'a', resources: { cpu: -1 } }, 'resources.cpu'],
    ['cpu fraction of a milli-core', { image: 'a', resources: { cpu: '0.5m' } }, 'resources.cpu'],
    ['cpu too many', { image: 'a', resources: { cpu: 5000 } }, 'resources.cpu'],
    ['cpu garbage', { image: 'a', resources: { cpu: 'lots' } }, 'resources.cpu'],
    [
      'memory below Docker minimum',
      { image: 'a', resources: { memory: '1Mi' } },
      'resources.memory',
    ],
    ['memory too large', { image: 'a', resources: { memory: '2Ti' } }, 'resources.memory'],
    ['memory garbage', { image: 'a', resources: { memory: '12 GB' } }, 'resources.memory'],
    ['unknown resource', { image: 'a', resources: { gpu: 1 } }, 'resources.gpu'],
    ['unknown field', { image: 'a', imagePullPolicy: 'Always' }, 'imagePullPolicy'],
    ['invalid policy override', { image: 'a', policy: { maxLifetime: 0 } }, 'policy.maxLifetime'],
    ['unknown policy field', { image: 'a', policy: { ttl: '5m' } }, 'policy.ttl'],
    ['extensions not an object', { image: 'a', extensions: 'docker' }, 'extensions'],
  ])('refuses %s with a typed error naming the field', (_name, spec, path) => {
    expect(pathsOf(spec)).toContain(path);
  });

  test('refuses annotations over the Kubernetes size limit', () => {
    expect(
      pathsOf({ image: 'a', annotations: { 'acme.com/big': 'x'.repeat(300 * 1024) } }),
    ).toEqual(['annotations']);
  });

  test('lists every problem at once', () => {
    expect(
      pathsOf({ image: 'a', labels: { team: 'a b' }, resources: { memory: 1 } }).sort(),
    ).toEqual(['labels.team', 'resources.memory']);
  });

  test.each<[string, unknown, string[]]>([
    [
      'image, env, reserved label and cpu (the shape is wrong in one field only)',
      { image: '', env: { '1X': 'y' }, labels: { 'hodei.io/x': 'v' }, resources: { cpu: '-1' } },
      ['env.1X', 'image', 'labels.hodei.io/x', 'resources.cpu'],
    ],
    [
      'an unknown field beside bad labels and memory',
      { image: 'a', imagePullPolicy: 'Always', labels: { team: 'a b' }, resources: { memory: 1 } },
      ['imagePullPolicy', 'labels.team', 'resources.memory'],
    ],
    [
      'a non-string env value beside a bad env name and a bad policy',
      { image: 'a', env: { A: 1, '=B': 'x' }, policy: { maxLifetime: -1 } },
      ['env.=B', 'env.A', 'policy.maxLifetime'],
    ],
    [
      'a bad command, a reserved annotation and an unknown resource',
      {
        image: 'Bad Image',
        command: [1],
        annotations: { 'hodei.io/owner': 'me' },
        resources: { gpu: 1, cpu: 0 },
      },
      ['annotations.hodei.io/owner', 'command.0', 'image', 'resources.cpu', 'resources.gpu'],
    ],
    [
      'extensions of the wrong type beside a label value of the wrong type',
      { image: 'a', extensions: 'docker', labels: { team: 3, 'Bad Key': 'x' } },
      ['extensions', 'labels.Bad Key', 'labels.team'],
    ],
  ])('lists every problem of one spec at once: %s', (_name, spec, paths) => {
    expect([...new Set(pathsOf(spec))].sort()).toEqual(paths);
  });

  test('refuses a non-object spec', () => {
    expect(pathsOf(null)).toEqual(['']);
    expect(pathsOf('busybox')).toEqual(['']);
  });
});

describe('workerSpecIssues and provider issues', () => {
  test('lists the problems without throwing', () => {
    expect(workerSpecIssues({ image: 'ok:1' })).toEqual([]);
    expect(workerSpecIssues({ image: '' }).map((issue) => issue.path)).toEqual(['image']);
  });

  test("a provider's own problems join the same error", () => {
    try {
      validateWorkerSpec({ image: '', labels: { team: 'a b' } }, [
        { path: 'extensions.docker.network', message: 'unknown network' },
      ]);
      expect.unreachable();
    } catch (error) {
      expect(InvalidSpecError.isInstance(error)).toBe(true);
      expect((error as InvalidSpecError).issues.map((issue) => issue.path)).toEqual([
        'image',
        'labels.team',
        'extensions.docker.network',
      ]);
    }
    expect(() => validateWorkerSpec({ image: 'ok:1' }, [{ path: 'x', message: 'bad' }])).toThrow(
      InvalidSpecError,
    );
  });
});
