import { InvalidSpecError, ProviderError } from '@hodei/lifecycle-core';
import {
  dnsLabelProblem,
  stampOwnership,
  validateWorkerSpec,
} from '@hodei/lifecycle-core/provider';
import { describe, expect, test } from 'vitest';
import { createErrorOf, KubeHttpError, KubeTransportError, toLifecycleError } from './errors.js';
import { buildPod, deadlineSeconds, type PodObject, podName, podToRecord } from './pod.js';

const now = Date.parse('2026-01-01T00:00:00Z');
const ownership = {
  scope: 'ci',
  workerId: 'w-1',
  providerId: 'kubernetes',
  owner: 'manager-1',
  expiresAt: new Date(now + 90_500),
  ttlAfterFinishedSeconds: 300,
};

describe('pod names', () => {
  test('a DNS-1123 label of at most 63 characters, distinct per scope', () => {
    const longest = 'w'.repeat(48);
    for (const scope of ['a', 'Scope_With.Dots-and_UPPER', 'x'.repeat(63)]) {
      const name = podName(scope, longest);
      expect(dnsLabelProblem(name, 63)).toBeUndefined();
    }
    expect(podName('a', 'w-1')).not.toBe(podName('b', 'w-1'));
    expect(podName('a', 'w-1')).toBe(podName('a', 'w-1'));
  });
});

describe('the pod of a worker', () => {
  test('builds the documented pod', () => {
    const spec = validateWorkerSpec({
      image: 'busybox:1.36',
      command: ['sh', '-c'],
      args: ['echo hi'],
      env: { A: '1' },
      resources: { cpu: '500m', memory: '64Mi' },
      labels: { team: 'ci' },
      annotations: { note: 'kept' },
    });
    const pod = buildPod({
      namespace: 'jobs',
      spec,
      ownership,
      stamp: stampOwnership(ownership),
      extension: {
        nodeSelector: { type: 'kwok' },
        tolerations: [{ operator: 'Exists' }],
        serviceAccountName: 'runner',
        securityContext: { runAsNonRoot: true, dropAllCapabilities: true },
      },
      terminationGracePeriodSeconds: 30,
      now,
    });
    expect(pod.metadata).toEqual({
      name: podName('ci', 'w-1'),
      namespace: 'jobs',
      labels: {
        team: 'ci',
        'hodei.io/managed-by': 'ci',
        'hodei.io/worker-id': 'w-1',
        'hodei.io/provider-id': 'kubernetes',
        'hodei.io/owner': 'manager-1',
      },
      annotations: {
        note: 'kept',
        'hodei.io/expires-at': '2026-01-01T00:01:30.500Z',
        'hodei.io/ttl-after-finished': '300',
      },
    });
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      activeDeadlineSeconds: 91,
      terminationGracePeriodSeconds: 30,
      automountServiceAccountToken: false,
      serviceAccountName: 'runner',
      nodeSelector: { type: 'kwok' },
      tolerations: [{ operator: 'Exists' }],
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'worker',
          image: 'busybox:1.36',
          command: ['sh', '-c'],
          args: ['echo hi'],
          env: [{ name: 'A', value: '1' }],
          resources: {
            limits: { cpu: '500m', memory: String(64 * 2 ** 20) },
            requests: { cpu: '500m', memory: String(64 * 2 ** 20) },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    });
  });

  test('activeDeadlineSeconds is at least 1, even past the deadline', () => {
    expect(deadlineSeconds(new Date(now - 5_000), now)).toBe(1);
    expect(deadlineSeconds(new Date(now + 1), now)).toBe(1);
    expect(deadlineSeconds(new Date(now + 3_600_000), now)).toBe(3_600);
  });
});

describe('the record of a pod', () => {
  const base: PodObject = {
    metadata: {
      name: 'w-1-abc',
      uid: 'uid-1',
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { 'hodei.io/worker-id': 'w-1', 'hodei.io/managed-by': 'ci' },
      annotations: { a: 'b' },
    },
  };

  test('pending, then running and ready', () => {
    expect(podToRecord(base)).toMatchObject({
      workerId: 'w-1',
      uid: 'uid-1',
      phase: 'pending',
      ready: false,
      removing: false,
      annotations: { a: 'b' },
    });
    const running = podToRecord({
      ...base,
      status: {
        phase: 'Running',
        startTime: '2026-01-01T00:00:01Z',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          { name: 'worker', state: { running: { startedAt: '2026-01-01T00:00:01Z' } } },
        ],
      },
    });
    expect(running).toMatchObject({ phase: 'running', ready: true, exitCode: undefined });
    expect(running?.startedAt?.toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });

  test('failed by the deadline, with the exit code and reason; removing once deleted', () => {
    const record = podToRecord({
      ...base,
      metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:01:00Z' },
      status: {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'worker',
            state: {
              terminated: { exitCode: 137, reason: 'Error', finishedAt: '2026-01-01T00:00:30Z' },
            },
          },
        ],
      },
    });
    expect(record).toMatchObject({
      phase: 'failed',
      ready: false,
      exitCode: 137,
      reason: 'DeadlineExceeded',
      removing: true,
    });
    expect(record?.finishedAt?.toISOString()).toBe('2026-01-01T00:00:30.000Z');
  });

  test('a pod without the worker id label is no worker', () => {
    expect(podToRecord({ metadata: { uid: 'x', labels: {} } })).toBeUndefined();
  });
});

describe('errors', () => {
  test('5xx, 429 and transport failures are retryable; 4xx are not; status kept', () => {
    const e503 = toLifecycleError('k', 'list', new KubeHttpError(503, undefined, 'GET', '/x'));
    expect(ProviderError.isInstance(e503) && e503.retryable && e503.status === 503).toBe(true);
    const e429 = toLifecycleError('k', 'list', new KubeHttpError(429, undefined, 'GET', '/x'));
    expect((e429 as ProviderError).retryable).toBe(true);
    const e403 = toLifecycleError(
      'k',
      'list',
      new KubeHttpError(403, { reason: 'Forbidden' }, 'GET', '/x'),
    );
    expect(ProviderError.isInstance(e403) && !e403.retryable && e403.status === 403).toBe(true);
    const refused = toLifecycleError(
      'k',
      'list',
      new KubeTransportError('ECONNREFUSED', 'refused'),
    );
    expect(
      ProviderError.isInstance(refused) && refused.retryable && refused.status === 'ECONNREFUSED',
    ).toBe(true);
  });

  test('a 422 on create is an InvalidSpecError listing the causes', () => {
    const error = createErrorOf(
      'k',
      'create',
      new KubeHttpError(
        422,
        {
          reason: 'Invalid',
          details: { causes: [{ field: 'spec.containers[0].image', message: 'Required value' }] },
        },
        'POST',
        '/pods',
      ),
    );
    expect(InvalidSpecError.isInstance(error)).toBe(true);
    expect((error as InvalidSpecError).issues).toEqual([
      { path: 'spec.containers[0].image', message: 'refused by the API server: Required value' },
    ]);
  });
});
