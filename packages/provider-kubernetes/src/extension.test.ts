import { describe, expect, test } from 'vitest';
import { validateKubernetesExtension } from './extension.js';

const paths = (raw: unknown) => validateKubernetesExtension(raw).issues.map((i) => i.path);

describe('extensions.kubernetes', () => {
  test('accepts every documented field', () => {
    const raw = {
      nodeSelector: { type: 'kwok', 'kubernetes.io/os': 'linux' },
      tolerations: [
        { key: 'dedicated', operator: 'Equal', value: 'ci', effect: 'NoSchedule' },
        { operator: 'Exists' },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 30,
        },
      ],
      serviceAccountName: 'runner',
      automountServiceAccountToken: true,
      priorityClassName: 'batch-low',
      runtimeClassName: 'gvisor',
      imagePullPolicy: 'IfNotPresent',
      imagePullSecrets: ['registry-cred'],
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 2000,
        readOnlyRootFilesystem: true,
        dropAllCapabilities: true,
      },
    };
    const { extension, issues } = validateKubernetesExtension(raw);
    expect(issues).toEqual([]);
    expect(extension).toBe(raw);
    expect(validateKubernetesExtension(undefined)).toEqual({ extension: {}, issues: [] });
  });

  test('refuses what the API server would refuse, with paths', () => {
    expect(paths('x')).toEqual(['extensions.kubernetes']);
    expect(paths({ hostNetwork: true })).toEqual(['extensions.kubernetes.hostNetwork']);
    expect(paths({ nodeSelector: { 'bad key!': 'x', ok: 'bad value!' } })).toEqual([
      'extensions.kubernetes.nodeSelector.bad key!',
      'extensions.kubernetes.nodeSelector.ok',
    ]);
    expect(paths({ tolerations: [{ key: 'a', operator: 'Exists', value: 'b' }] })).toEqual([
      'extensions.kubernetes.tolerations.0.value',
    ]);
    expect(paths({ tolerations: [{ value: 'b' }] })).toEqual([
      'extensions.kubernetes.tolerations.0.operator',
    ]);
    expect(
      paths({ tolerations: [{ key: 'a', effect: 'NoSchedule', tolerationSeconds: 5 }] }),
    ).toEqual(['extensions.kubernetes.tolerations.0.tolerationSeconds']);
    expect(paths({ tolerations: [{ key: 'a', effect: 'Sometimes' }] })).toEqual([
      'extensions.kubernetes.tolerations.0.effect',
    ]);
    expect(paths({ serviceAccountName: 'Upper' })).toEqual([
      'extensions.kubernetes.serviceAccountName',
    ]);
    expect(paths({ imagePullPolicy: 'Sometimes' })).toEqual([
      'extensions.kubernetes.imagePullPolicy',
    ]);
    expect(paths({ imagePullSecrets: ['ok', 'Not OK'] })).toEqual([
      'extensions.kubernetes.imagePullSecrets.1',
    ]);
    expect(paths({ automountServiceAccountToken: 'yes' })).toEqual([
      'extensions.kubernetes.automountServiceAccountToken',
    ]);
    expect(
      paths({ securityContext: { runAsUser: -1, runAsGroup: 1.5, privileged: true } }),
    ).toEqual([
      'extensions.kubernetes.securityContext.privileged',
      'extensions.kubernetes.securityContext.runAsUser',
      'extensions.kubernetes.securityContext.runAsGroup',
    ]);
    expect(paths({ securityContext: { runAsNonRoot: true, runAsUser: 0 } })).toEqual([
      'extensions.kubernetes.securityContext.runAsUser',
    ]);
  });
});
