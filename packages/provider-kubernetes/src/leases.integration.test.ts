/**
 * Owner leases on the real API server, under the shipped Role's token: a Lease per manager
 * instance, judged on the server's clock (managedFields time and the Date header).
 */
import { pollUntil } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  admin,
  createWorkerNamespace,
  deleteNamespace,
  providerFor,
  uniqueName,
  type WorkerNamespace,
  worker,
} from '../test/support.js';
import { leaseName } from './leases.js';

let ns: WorkerNamespace;
beforeAll(async () => {
  ns = await createWorkerNamespace('it-leases');
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns.namespace);
});

test('a held lease is a labelled Lease, alive on the server clock, renewed, then not alive, released', async () => {
  const { provider } = providerFor(ns);
  const scope = uniqueName('lease');
  const owner = 'manager-1';
  await provider.leases.hold({ scope, owner, durationMs: 2_000 });
  const [lease] = await provider.leases.list({ scope });
  expect(lease).toMatchObject({ scope, owner, alive: true, durationMs: 2_000 });
  expect(lease?.renewedAt).toBeInstanceOf(Date);

  // The Lease as any Kubernetes tool sees it.
  const { kc } = await admin();
  const { CoordinationV1Api } = await import('@kubernetes/client-node');
  const raw = await kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: leaseName(scope, owner), namespace: ns.namespace });
  expect(raw.metadata?.labels).toMatchObject({
    'hodei.io/managed-by': scope,
    'hodei.io/owner': owner,
  });
  expect(raw.spec).toMatchObject({ holderIdentity: owner, leaseDurationSeconds: 2 });

  // Renewed every half second for 4 s: alive throughout (twice its duration).
  const until = Date.now() + 4_000;
  while (Date.now() < until) {
    await provider.leases.hold({ scope, owner, durationMs: 2_000 });
    expect((await provider.leases.list({ scope }))[0]?.alive).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // Not renewed: not alive within its duration plus the server stamps' second, plus slack.
  const stoppedAt = Date.now();
  await pollUntil(
    'the lease, no longer renewed, to be reported not alive',
    async () => (await provider.leases.list({ scope }))[0]?.alive,
    (alive) => alive === false,
    { timeoutMs: 2_000 + 1_000 + 2_000, intervalMs: 100 },
  );
  expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1_000);

  await provider.leases.release({ scope, owner });
  await provider.leases.release({ scope, owner });
  expect(await provider.leases.list({ scope })).toEqual([]);
  await provider.close();
});

test('scopes are apart; release never touches another owner; listScopes names pods’ and leases’ scopes', async () => {
  const { provider } = providerFor(ns);
  const a = uniqueName('scope-a');
  const b = uniqueName('scope-b');
  await provider.leases.hold({ scope: a, owner: 'm-1', durationMs: 10_000 });
  await provider.leases.hold({ scope: a, owner: 'm-2', durationMs: 10_000 });
  await provider.leases.hold({ scope: b, owner: 'm-1', durationMs: 10_000 });
  await provider.leases.release({ scope: a, owner: 'm-1' });
  expect((await provider.leases.list({ scope: a })).map((l) => l.owner)).toEqual(['m-2']);
  expect((await provider.leases.list({ scope: b })).map((l) => l.owner)).toEqual(['m-1']);
  const all = await provider.leases.list({});
  expect(all.filter((l) => l.scope === a || l.scope === b)).toHaveLength(2);

  const c = uniqueName('scope-c');
  await provider.create({
    spec: worker(),
    ownership: {
      scope: c,
      workerId: 'scoped-1',
      providerId: provider.providerId,
      owner: 'm-3',
      expiresAt: new Date(Date.now() + 60_000),
      ttlAfterFinishedSeconds: 1,
    },
  });
  const scopes = await provider.listScopes();
  expect(scopes).toEqual(expect.arrayContaining([a, b, c]));
  await provider.remove({ scope: c, workerId: 'scoped-1' }, { gracePeriodMs: 0 });
  await provider.close();
});
