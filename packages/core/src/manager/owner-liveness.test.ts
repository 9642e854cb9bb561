import { describe, expect, test } from 'vitest';
import { setup, workerSpec } from '../../test/lifecycle-setup.js';
import { InvalidOptionsError, withLifecycle } from '../index.js';
import { adoptionOf, ownerLiveness } from './decision/adoption.js';

const second = 1_000;
const resync = 30 * second; // testPolicy.orphanCheckInterval
const lease = 15 * second; // the default duration

/** Manager A with workers, and manager B of the same scope on the same infrastructure. */
async function twoManagers(
  a: Parameters<typeof setup>[0] = {},
  b: Parameters<typeof setup>[0] = {},
) {
  const first = setup(a);
  await first.manager.createWorker(workerSpec(), { workerId: 'a-1' });
  await first.manager.createWorker(workerSpec(), { workerId: 'a-2' });
  const next = setup({
    ...b,
    infrastructure: first.infrastructure,
    clock: first.clock,
    options: { instanceId: 'manager-b', ...b.options },
  });
  await next.manager.createWorker(workerSpec(), { workerId: 'b-1' });
  return { a: first, b: next, clock: first.clock, infrastructure: first.infrastructure };
}

describe('owner liveness', () => {
  test('the lease is taken at start, renewed every third of its duration, released on close', async () => {
    const { manager, infrastructure, clock } = setup();
    await manager.start();
    expect(infrastructure.leases()).toEqual([
      expect.objectContaining({
        scope: 'test',
        owner: 'manager-a',
        alive: true,
        durationMs: lease,
      }),
    ]);
    infrastructure.resetCalls();
    await clock.advance(lease);
    expect(infrastructure.calls.leaseHold).toBe(3);
    expect(infrastructure.leases()[0]?.alive).toBe(true);
    await manager.close();
    expect(infrastructure.leases()).toEqual([]);
  });

  test('two live managers of one scope never report each other’s workers as orphans', async () => {
    const { a, b, clock } = await twoManagers();
    for (let i = 0; i < 6; i += 1) await clock.advance(resync);
    expect(a.events.ofType('OrphanWorkerDetected')).toEqual([]);
    expect(b.events.ofType('OrphanWorkerDetected')).toEqual([]);
    expect(b.manager.worker('a-1')).toBeUndefined();
    expect(a.manager.worker('b-1')).toBeUndefined();
    // Each one's summaries say so too.
    expect(
      b.events.ofType('GarbageCollectionCompleted').every((e) => e.orphansDetected === 0),
    ).toBe(true);
  });

  test('a partitioned owner’s workers are adopted within one lease duration plus one resync', async () => {
    const { a, b, clock, infrastructure } = await twoManagers();
    const cutAt = clock.now();
    infrastructure.faults.partitionLease('manager-a'); // its renewals fail from now on
    let adoptedAt: number | undefined;
    while (adoptedAt === undefined && clock.now() - cutAt <= lease + resync + second) {
      await clock.advance(second);
      if (b.events.ofType('OrphanWorkerDetected').length === 2) adoptedAt = clock.now();
    }
    expect(adoptedAt, 'B adopted A’s two workers').toBeDefined();
    expect(adoptedAt! - cutAt).toBeLessThanOrEqual(lease + resync);
    expect(b.events.ofType('OrphanWorkerDetected').map((e) => [e.workerId, e.kind])).toEqual([
      ['a-1', 'orphan-resource'],
      ['a-2', 'orphan-resource'],
    ]);
    expect(b.manager.worker('a-1')).toMatchObject({ adopted: true, owner: 'manager-a' });
    // A never took B's worker for an orphan meanwhile: B's lease stayed alive.
    expect(a.events.ofType('OrphanWorkerDetected')).toEqual([]);
  });

  test('an expired lease (a missed renewal) lets the next re-list adopt; a renewed one does not', async () => {
    const { a, b, clock, infrastructure } = await twoManagers();
    await clock.advance(resync - 2 * second); // just before B's first resync
    infrastructure.faults.expireLease('manager-a');
    await b.manager.collectGarbage();
    expect(b.events.ofType('OrphanWorkerDetected').map((e) => e.workerId)).toEqual(['a-1', 'a-2']);
    // A renews at its next tick; its lease is alive again and A still owns its workers.
    await clock.advance(lease / 3);
    expect(infrastructure.leases().find((l) => l.owner === 'manager-a')?.alive).toBe(true);
    expect(() => a.manager.markIdle('a-1')).not.toThrow();
  });

  test('a failed read of the leases defers adopting other owners’ workers to the next re-list', async () => {
    const { a, b, infrastructure } = await twoManagers();
    await a.manager.close(); // released: A's workers are now an absent owner's
    infrastructure.faults.failCalls('leaseList', 1);
    const failed = await b.manager.collectGarbage();
    expect(failed.errors.join()).toMatch(/leases/);
    expect(b.events.ofType('OrphanWorkerDetected')).toEqual([]);
    await b.manager.collectGarbage();
    expect(b.events.ofType('OrphanWorkerDetected').map((e) => e.workerId)).toEqual(['a-1', 'a-2']);
  });

  test('a manager with lease: false looks absent: its workers are adopted', async () => {
    const { b } = await twoManagers({ options: { lease: false } });
    expect(b.events.ofType('OrphanWorkerDetected').map((e) => e.workerId)).toEqual(['a-1', 'a-2']);
  });

  test('without leases the behaviour is unchanged: every untracked worker is adopted at start', async () => {
    const noLeases = { capabilities: { leases: false, listScopes: false } };
    const { b, infrastructure } = await twoManagers(noLeases, noLeases);
    expect(b.events.ofType('OrphanWorkerDetected').map((e) => e.workerId)).toEqual(['a-1', 'a-2']);
    expect(infrastructure.calls.leaseHold + infrastructure.calls.leaseList).toBe(0);
  });

  test('the lease option is checked at construction', () => {
    const { provider } = setup();
    for (const bad of [{ durationMs: 999 }, { durationMs: 1.5e3 + 0.5 }, { every: 1 }, 'yes']) {
      expect(() => withLifecycle(provider, { lease: bad as never })).toThrow(InvalidOptionsError);
    }
    expect(() => withLifecycle(provider, { lease: { durationMs: 2_000 } })).not.toThrow();
  });

  test('a lease of a custom duration is held for that duration', async () => {
    const { manager, infrastructure } = setup({ options: { lease: { durationMs: 3_000 } } });
    await manager.start();
    expect(infrastructure.leases()[0]?.durationMs).toBe(3_000);
  });
});

describe('adoptionOf (pure)', () => {
  const leases = [
    { scope: 's', owner: 'live', alive: true, durationMs: 1, renewedAt: undefined },
    { scope: 's', owner: 'dead', alive: false, durationMs: 1, renewedAt: undefined },
  ];
  test.each([
    ['me', 'alive', true, 'own'],
    ['live', 'alive', false, 'owner-alive'],
    ['dead', 'dead', true, 'owner-dead'],
    ['gone', 'absent', true, 'owner-absent'],
  ] as const)('owner %s is %s: adopt %s (%s)', (owner, liveness, adopt, reason) => {
    expect(ownerLiveness(owner, owner === 'me' ? [] : leases)).toBe(
      owner === 'me' ? 'absent' : liveness,
    );
    expect(adoptionOf({ owner, self: 'me', liveness: ownerLiveness(owner, leases) })).toEqual({
      adopt,
      reason,
    });
  });
  test('without leases liveness is unknown and the worker is adopted', () => {
    expect(ownerLiveness('x', undefined)).toBe('unknown');
    expect(adoptionOf({ owner: 'x', self: 'me', liveness: 'unknown' })).toEqual({
      adopt: true,
      reason: 'owner-unknown',
    });
  });
});
