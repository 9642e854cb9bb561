import { createMemoryProvider } from '@hodei/lifecycle-testkit';
import { describe, expect, test } from 'vitest';
import { definePolicy, InvalidSpecError, type WorkerSpec, withLifecycle } from '../index.js';
import { validateWorkerRequest, workerIdProblem } from '../provider.js';

const basePolicy = definePolicy({ maxLifetime: '10m', ttlAfterCompletion: '1m' });

function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (InvalidSpecError.isInstance(error)) return error.issues;
    throw error;
  }
  throw new Error('expected InvalidSpecError');
}

const paths = (run: () => unknown) => issuesOf(run).map((issue) => issue.path);

describe('validateWorkerRequest', () => {
  test('returns the spec normalised and the base policy with the override applied', () => {
    const { spec, policy } = validateWorkerRequest(
      { image: 'busybox:1.36', resources: { cpu: '500m' }, policy: { maxLifetime: '1m' } },
      { workerId: 'w-1', basePolicy },
    );
    expect(spec.resources.cpuMillis).toBe(500);
    expect(policy).toEqual({ ...basePolicy, maxLifetime: 60_000 });
    expect(validateWorkerRequest({ image: 'a' }, { basePolicy }).policy).toBe(basePolicy);
  });

  test('one InvalidSpecError lists the problems of the spec, its policy and the worker id', () => {
    const spec = {
      image: '',
      env: { '1X': 'y' },
      labels: { 'hodei.io/x': 'v' },
      resources: { cpu: '-1' },
      policy: { maxLifetime: 0, ttl: '5m' },
    } as unknown as WorkerSpec;
    expect(
      paths(() => validateWorkerRequest(spec, { workerId: 'Not_OK', basePolicy })).sort(),
    ).toEqual([
      'env.1X',
      'image',
      'labels.hodei.io/x',
      'policy.maxLifetime',
      'policy.ttl',
      'resources.cpu',
      'workerId',
    ]);
  });

  test('the cross-field policy rules run against the base policy, beside the spec problems', () => {
    const spec: WorkerSpec = { image: 'Bad Image', policy: { startupTimeout: '20m' } };
    expect(paths(() => validateWorkerRequest(spec, { basePolicy }))).toEqual([
      'image',
      'policy.startupTimeout',
    ]);
  });

  test('a bad worker id alone is an InvalidSpecError naming workerId', () => {
    expect(
      paths(() => validateWorkerRequest({ image: 'a' }, { workerId: 'Not_OK', basePolicy })),
    ).toEqual(['workerId']);
    expect(
      paths(() => validateWorkerRequest({ image: 'a' }, { workerId: 42, basePolicy })),
    ).toEqual(['workerId']);
  });

  test('workerIdProblem: a lowercase DNS label of at most 48 characters', () => {
    expect(workerIdProblem('w-1')).toBeUndefined();
    expect(workerIdProblem('a'.repeat(48))).toBeUndefined();
    expect(workerIdProblem('a'.repeat(49))).toMatch(/48/);
    expect(workerIdProblem('-a')).toBeDefined();
    expect(workerIdProblem('')).toBeDefined();
  });
});

describe('createWorker: one call, one error, every problem', () => {
  const multiProblemSpecs: [string, WorkerSpec, string | undefined, string[]][] = [
    [
      'spec and worker id',
      { image: '', env: { '1X': 'y' } },
      'Bad_Id',
      ['env.1X', 'image', 'workerId'],
    ],
    [
      'labels, resources and a cross-field policy',
      {
        image: 'a',
        labels: { team: 'a b' },
        resources: { memory: '1Ki' },
        policy: { maxLifetime: '1m', startupTimeout: '5m' },
      },
      undefined,
      ['labels.team', 'policy.startupTimeout', 'resources.memory'],
    ],
    [
      'an unknown field, a policy field and the memory extension untouched',
      { image: 'a', imagePullPolicy: 'x', policy: { idleTimeout: -1 } } as unknown as WorkerSpec,
      'w-ok',
      ['imagePullPolicy', 'policy.idleTimeout'],
    ],
  ];

  for (const enabled of [true, false]) {
    test.each(multiProblemSpecs)(
      `${enabled ? 'manager' : 'passthrough'}: %s`,
      async (_name, spec, workerId, expected) => {
        const provider = createMemoryProvider();
        const manager = withLifecycle(provider, { policy: { maxLifetime: '10m' }, enabled });
        let caught: unknown;
        await manager
          .createWorker(spec, workerId === undefined ? {} : { workerId })
          .catch((error) => {
            caught = error;
          });
        expect(InvalidSpecError.isInstance(caught)).toBe(true);
        expect((caught as InvalidSpecError).issues.map((i) => i.path).sort()).toEqual(expected);
        expect(provider.infrastructure.calls.create).toBe(0);
        expect(provider.infrastructure.workers()).toEqual([]);
        await manager.close();
      },
    );
  }
});
