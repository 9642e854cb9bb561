import { readFileSync } from 'node:fs';
import { InvalidOptionsError } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import { MANIFEST_NAMESPACE, renderRole } from './index.js';

describe('renderRole', () => {
  test('manifests/role.yaml is exactly the rendered Role for the manifest namespace', () => {
    const shipped = readFileSync(new URL('../manifests/role.yaml', import.meta.url), 'utf8');
    expect(shipped).toBe(renderRole({ namespace: MANIFEST_NAMESPACE }).yaml);
  });

  test('grants pods (create, get, list, watch, delete, patch), pods/log (get) and leases (create, list, patch, delete), nothing else', () => {
    const { role, roleBinding, serviceAccount, objects } = renderRole({ namespace: 'ci' });
    expect(role.kind).toBe('Role'); // namespaced: never a ClusterRole
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['pods'],
        verbs: ['create', 'get', 'list', 'watch', 'delete', 'patch'],
      },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['create', 'list', 'patch', 'delete'],
      },
    ]);
    expect(roleBinding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'hodei-lifecycle', namespace: 'ci' },
    ]);
    expect(roleBinding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'hodei-lifecycle',
    });
    expect(serviceAccount?.kind).toBe('ServiceAccount');
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding']);
  });

  test('names, an existing ServiceAccount, and refusal of invalid names', () => {
    const rendered = renderRole({
      namespace: 'jobs',
      name: 'runner',
      serviceAccountName: 'ci-bot',
      createServiceAccount: false,
    });
    expect(rendered.serviceAccount).toBeUndefined();
    expect(rendered.objects.map((o) => o.kind)).toEqual(['Role', 'RoleBinding']);
    expect(rendered.roleBinding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ci-bot', namespace: 'jobs' },
    ]);
    expect(rendered.yaml).toContain('name: runner');
    let error: unknown;
    try {
      renderRole({ namespace: 'Not Valid' });
    } catch (e) {
      error = e;
    }
    expect(InvalidOptionsError.isInstance(error)).toBe(true);
  });
});
