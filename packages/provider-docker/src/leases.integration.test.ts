/**
 * Owner leases on the real engine: a lease container per manager instance that lives while
 * its manager writes heartbeats, and exits when the manager dies (SIGKILL: stdin closes) or
 * stops writing (no heartbeat within the duration).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  containersOf,
  ensureBuilt,
  purgeScopes,
  requireEngine,
  TEST_IMAGE,
  uniqueScope,
  waitUntil,
  worker,
} from '../test/support.js';
import { createDockerProvider } from './index.js';
import { LEASE_LABEL } from './leases.js';

const scopes: string[] = [];
const scope = (prefix: string) => {
  const name = uniqueScope(prefix);
  scopes.push(name);
  return name;
};
const children: ChildProcess[] = [];

beforeAll(async () => {
  await requireEngine();
  ensureBuilt();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await purgeScopes(scopes);
});

const provider = () => createDockerProvider({ providerId: 'docker-it', leaseImage: TEST_IMAGE });

test('a held lease is a labelled container, alive while renewed, not alive once it is not', async () => {
  const p = provider();
  const s = scope('lease');
  await p.leases.hold({ scope: s, owner: 'm-1', durationMs: 2_000 });
  expect(await p.leases.list({ scope: s })).toEqual([
    { scope: s, owner: 'm-1', alive: true, durationMs: 2_000, renewedAt: undefined },
  ]);
  const [container] = await containersOf(s);
  expect(container?.Labels).toMatchObject({
    'hodei.io/managed-by': s,
    'hodei.io/owner': 'm-1',
    [LEASE_LABEL]: '2000',
  });
  // Renewed every half second for twice its duration: alive throughout.
  const until = Date.now() + 4_000;
  while (Date.now() < until) {
    await p.leases.hold({ scope: s, owner: 'm-1', durationMs: 2_000 });
    expect((await p.leases.list({ scope: s }))[0]?.alive).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // No more heartbeats, the connection still open: gone within its duration plus slack.
  const stoppedAt = Date.now();
  await waitUntil(
    'the lease without heartbeats to be not alive (its container exited)',
    async () => (await p.leases.list({ scope: s })).filter((l) => l.alive),
    (alive) => alive.length === 0,
    2_000 + 3_000,
  );
  expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1_000);
  // The next hold takes a new lease.
  await p.leases.hold({ scope: s, owner: 'm-1', durationMs: 2_000 });
  expect((await p.leases.list({ scope: s }))[0]?.alive).toBe(true);
  await p.leases.release({ scope: s, owner: 'm-1' });
  expect(await p.leases.list({ scope: s })).toEqual([]);
  await p.close();
});

test('lease containers are never workers; the workers’ list makes no more calls', async () => {
  const requests: string[] = [];
  const p = createDockerProvider({
    providerId: 'docker-it',
    leaseImage: TEST_IMAGE,
    onRequest: (info) => requests.push(`${info.method} ${info.path}`),
  });
  const s = scope('lease-workers');
  const made = await p.create({
    spec: worker(),
    ownership: {
      scope: s,
      workerId: 'w-1',
      providerId: p.providerId,
      owner: 'm-1',
      expiresAt: new Date(Date.now() + 60_000),
      ttlAfterFinishedSeconds: 1,
    },
  });
  await p.leases.hold({ scope: s, owner: 'm-1', durationMs: 10_000 });
  requests.length = 0;
  expect((await p.list({ scope: s })).map((r) => r.uid)).toEqual([made.uid]);
  expect(requests).toHaveLength(1);
  requests.length = 0;
  await p.leases.hold({ scope: s, owner: 'm-1', durationMs: 10_000 });
  expect(requests, 'a renewal is a heartbeat on the open connection: no request').toEqual([]);
  expect(await p.listScopes()).toContain(s);
  await p.leases.release({ scope: s, owner: 'm-1' });
  await p.remove({ scope: s, workerId: 'w-1' }, { gracePeriodMs: 0 });
  await p.close();
});

test('release ends only its owner’s lease; scopes are apart', async () => {
  const p = provider();
  const a = scope('lease-a');
  const b = scope('lease-b');
  await p.leases.hold({ scope: a, owner: 'm-1', durationMs: 10_000 });
  await p.leases.hold({ scope: a, owner: 'm-2', durationMs: 10_000 });
  await p.leases.hold({ scope: b, owner: 'm-1', durationMs: 10_000 });
  await p.leases.release({ scope: a, owner: 'm-1' });
  await p.leases.release({ scope: a, owner: 'm-1' });
  expect((await p.leases.list({ scope: a })).map((l) => [l.owner, l.alive])).toEqual([
    ['m-2', true],
  ]);
  expect((await p.leases.list({ scope: b })).map((l) => l.owner)).toEqual(['m-1']);
  const all = (await p.leases.list({})).filter((l) => l.scope === a || l.scope === b);
  expect(all).toHaveLength(2);
  await p.close(); // its connections end: the lease containers exit
  const q = provider();
  await waitUntil(
    'the closed provider’s leases to end',
    async () =>
      (await q.leases.list({})).filter((l) => (l.scope === a || l.scope === b) && l.alive),
    (alive) => alive.length === 0,
    5_000,
  );
  await q.close();
});

test('a SIGKILLed manager process: its lease container exits (stdin closes), not left running', async () => {
  const s = scope('lease-kill');
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('../test/fixtures/lease-holder.mjs', import.meta.url))],
    {
      env: {
        ...process.env,
        HODEI_LEASE: JSON.stringify({
          scope: s,
          owner: 'doomed',
          durationMs: 30_000,
          leaseImage: TEST_IMAGE,
        }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(JSON.parse(line.toString())).toEqual({ held: true });
  const p = provider();
  expect((await p.leases.list({ scope: s }))[0]?.alive).toBe(true);
  const killedAt = Date.now();
  child.kill('SIGKILL');
  // Far less than its 30 s duration: the engine closes the container's stdin at once.
  await waitUntil(
    'the SIGKILLed holder’s lease to be not alive',
    async () => (await p.leases.list({ scope: s })).filter((l) => l.alive),
    (alive) => alive.length === 0,
    10_000,
    50,
  );
  const delay = Date.now() - killedAt;
  console.info(`lease end after SIGKILL: ${delay} ms`);
  expect(delay).toBeLessThan(10_000);
  await waitUntil(
    'the lease container to be removed',
    () => containersOf(s),
    (c) => c.length === 0,
    10_000,
  );
  await p.close();
});
