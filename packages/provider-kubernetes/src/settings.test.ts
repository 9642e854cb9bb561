import { InvalidOptionsError, type ValidationIssue } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import { tokenKubeconfig } from '../test/support.js';
import { createKubernetesProvider, type KubernetesProviderSettings } from './index.js';
import { resolveKubernetesSettings } from './settings.js';

function issuesOf(action: () => unknown): readonly ValidationIssue[] {
  try {
    action();
  } catch (error) {
    if (InvalidOptionsError.isInstance(error)) return error.issues;
    throw error;
  }
  throw new Error('expected an InvalidOptionsError');
}

const kubeconfig = tokenKubeconfig('https://127.0.0.1:1', 'Y2E=', 'token', 'team-a');

describe('settings', () => {
  test('defaults', () => {
    const resolved = resolveKubernetesSettings({ kubeconfig });
    expect(resolved).toMatchObject({
      providerId: 'kubernetes',
      namespace: undefined,
      source: { kind: 'string' },
      defaultGracePeriodMs: 30_000,
      forceDeleteAfterMs: 10_000,
      requestTimeoutMs: 30_000,
      watchReconnectTimeoutMs: 60_000,
      watchTimeoutSeconds: 300,
      maxConnections: 64,
    });
  });

  test('every problem is listed, with its path', () => {
    const issues = issuesOf(() =>
      resolveKubernetesSettings({
        namespace: 'Bad_NS',
        providerId: 'not valid!',
        kubeconfig,
        kubeconfigPath: '/x',
        requestTimeoutMs: 0,
        defaultGracePeriodMs: -1,
        watchTimeoutSeconds: 1.5,
        onRequest: 'log' as unknown as () => void,
        color: 'blue',
      } as KubernetesProviderSettings),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'color',
        'namespace',
        'providerId',
        'kubeconfig',
        'requestTimeoutMs',
        'defaultGracePeriodMs',
        'watchTimeoutSeconds',
        'onRequest',
      ].sort(),
    );
  });

  test('the namespace comes from the setting, else the kubeconfig context, else default', () => {
    expect(createKubernetesProvider({ kubeconfig }).namespace).toBe('team-a');
    expect(createKubernetesProvider({ kubeconfig, namespace: 'jobs' }).namespace).toBe('jobs');
    const noNamespace = kubeconfig.replace('    namespace: team-a\n', '');
    expect(createKubernetesProvider({ kubeconfig: noNamespace }).namespace).toBe('default');
  });

  test('an unreadable kubeconfig, an unknown context, or no cluster is an InvalidOptionsError', () => {
    expect(
      issuesOf(() => createKubernetesProvider({ kubeconfigPath: '/nonexistent/kubeconfig' })),
    ).toMatchObject([{ path: 'kubeconfigPath' }]);
    expect(
      issuesOf(() => createKubernetesProvider({ kubeconfig, context: 'elsewhere' })),
    ).toMatchObject([{ path: 'context' }]);
    expect(issuesOf(() => createKubernetesProvider({ kubeconfig: 'not: [yaml' }))).toMatchObject([
      { path: 'kubeconfig' },
    ]);
  });

  test('the provider declares its capabilities and makes no request when created', () => {
    let requests = 0;
    const provider = createKubernetesProvider({ kubeconfig, onRequest: () => requests++ });
    expect(provider.capabilities).toEqual({
      stop: true,
      watch: true,
      logs: true,
      health: true,
      nativeDeadline: true,
      nativeTtl: false,
      leases: true,
      listScopes: true,
    });
    expect(provider.type).toBe('kubernetes');
    expect(requests).toBe(0);
  });
});
