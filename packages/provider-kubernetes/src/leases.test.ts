import { describe, expect, test } from 'vitest';
import { type LeaseObject, leaseName, leaseToOwnerLease } from './leases.js';

const lease = (overrides: Partial<LeaseObject['metadata']>, renewTime: string): LeaseObject => ({
  metadata: {
    labels: { 'hodei.io/managed-by': 'ci', 'hodei.io/owner': 'm-1' },
    creationTimestamp: '2026-01-01T00:00:00Z',
    ...overrides,
  },
  spec: { holderIdentity: 'm-1', leaseDurationSeconds: 15, renewTime },
});

describe('leaseToOwnerLease: alive on the server clock only', () => {
  const serverNow = Date.parse('2026-01-01T00:01:00Z');
  test('a writer whose clock runs ahead cannot keep a lease alive: the server stamps decide', () => {
    const skewed = lease(
      { managedFields: [{ manager: 'hodei-lifecycle', time: '2026-01-01T00:00:30Z' }] },
      '2026-01-01T00:05:00.000000Z', // the writer's clock: 5 minutes ahead
    );
    expect(leaseToOwnerLease(skewed, serverNow)).toMatchObject({
      scope: 'ci',
      owner: 'm-1',
      alive: false,
      durationMs: 15_000,
      renewedAt: new Date('2026-01-01T00:00:30Z'),
    });
  });
  test('a writer whose clock runs behind is still alive while the server saw it renew', () => {
    const behind = lease(
      { managedFields: [{ time: '2026-01-01T00:00:50Z' }, { time: '2026-01-01T00:00:10Z' }] },
      '2026-01-01T00:00:00.000000Z',
    );
    expect(leaseToOwnerLease(behind, serverNow)?.alive).toBe(true);
  });
  test('stamps are whole seconds: the renewal counts from the end of its second', () => {
    const edge = lease({ managedFields: [{ time: '2026-01-01T00:00:45Z' }] }, '');
    expect(leaseToOwnerLease(edge, serverNow)?.alive).toBe(true); // 45.999 + 15 > 60
    expect(leaseToOwnerLease(edge, serverNow + 999)?.alive).toBe(false);
  });
  test('a Lease without the ownership labels is not an owner lease', () => {
    expect(leaseToOwnerLease({ metadata: {}, spec: { leaseDurationSeconds: 1 } }, 0)).toBe(
      undefined,
    );
  });
  test('names are valid DNS names, one per scope and owner', () => {
    expect(leaseName('ci', 'm-1')).toMatch(/^hodei-lease-[0-9a-f]{24}$/);
    expect(leaseName('ci', 'm-1')).not.toBe(leaseName('ci', 'm-2'));
    expect(leaseName('ci', 'm-1')).not.toBe(leaseName('c', 'im-1'));
  });
});
