import { OwnershipKeys } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import type { PodObject } from './pod.js';
import { WatchedPods } from './watched-pods.js';

const pod = (uid: string, scope: string, workerId: string, resourceVersion = '1'): PodObject => ({
  metadata: {
    name: `${workerId}-pod`,
    uid,
    resourceVersion,
    labels: { [OwnershipKeys.managedBy]: scope, [OwnershipKeys.workerId]: workerId },
  },
  status: { phase: 'Running' },
});

describe('WatchedPods', () => {
  test('finds a pod only as the worker it was seen as, and only while its watch runs', () => {
    const watched = new WatchedPods();
    const view = watched.open();
    view.seen(pod('u1', 'a', 'w1', '7'));
    expect(watched.find('u1', 'a', 'w1')).toMatchObject({
      name: 'w1-pod',
      resourceVersion: '7',
      phase: 'Running',
      deleting: false,
    });
    expect(watched.find('u1', 'b', 'w1')).toBeUndefined();
    expect(watched.find('u1', 'a', 'w2')).toBeUndefined();
    expect(watched.find('u2', 'a', 'w1')).toBeUndefined();
    view.close();
    expect(watched.find('u1', 'a', 'w1')).toBeUndefined();
  });

  test('a view forgets a pod that is gone or no longer a worker, and everything on clear', () => {
    const watched = new WatchedPods();
    const view = watched.open();
    view.seen(pod('u1', 'a', 'w1'));
    view.seen(pod('u2', 'a', 'w2'));
    view.gone('u1');
    expect(watched.find('u1', 'a', 'w1')).toBeUndefined();
    view.seen({ metadata: { name: 'x', uid: 'u2', resourceVersion: '2', labels: {} } });
    expect(watched.find('u2', 'a', 'w2')).toBeUndefined();
    view.seen(pod('u3', 'a', 'w3'));
    view.clear();
    expect(watched.find('u3', 'a', 'w3')).toBeUndefined();
  });

  test('a deletion under way is part of what was seen', () => {
    const watched = new WatchedPods();
    const view = watched.open();
    const deleting = pod('u1', 'a', 'w1');
    view.seen({ ...deleting, metadata: { ...deleting.metadata, deletionTimestamp: 'soon' } });
    expect(watched.find('u1', 'a', 'w1')?.deleting).toBe(true);
  });
});
