/**
 * Owner leases (`capabilities.leases`) and `listScopes`: a manager instance says it is alive,
 * judged by the infrastructure's clock. Run in real time: a lease lasts at least a second.
 */
import assert from 'node:assert/strict';
import { InvalidOptionsError, type OwnerLeaseV1, type ProviderV1 } from '@hodei/lifecycle-core';
import { pause } from '../../suite/time-limit.js';
import type { ContractCase } from '../contract-case.js';
import type { ContractContext } from '../contract-context.js';

/** The duration the cases hold leases for: two seconds (infrastructures count in seconds). */
const DURATION_MS = 2_000;
/** Beyond a lease's end, how long it may still look alive: stamps in whole seconds, polls. */
const SLACK_MS = 2_000;

function leasesOf(ctx: ContractContext): NonNullable<ProviderV1['leases']> {
  const leases = ctx.provider.leases;
  assert.ok(leases, 'capabilities.leases is true but provider.leases is missing');
  return leases;
}

/** A fresh owner id (a manager instance), released when the test ends. */
function owner(ctx: ContractContext, leases: NonNullable<ProviderV1['leases']>, scope = ctx.scope) {
  const id = `owner-${ctx.newWorkerId()}`.slice(0, 60);
  ctx.defer(() => leases.release({ scope, owner: id }).catch(() => undefined));
  return id;
}

const find = (listed: readonly OwnerLeaseV1[], scope: string, who: string) =>
  listed.filter((l) => l.scope === scope && l.owner === who);
const isAlive = (listed: readonly OwnerLeaseV1[], scope: string, who: string) =>
  find(listed, scope, who).some((l) => l.alive);

export const leaseCases: ContractCase[] = [
  {
    id: 'leases.hold',
    group: 'Owner leases',
    capability: 'leases',
    promise:
      'a held lease is listed in its scope, alive, with its scope, owner and duration (rounded up to whole seconds at most)',
    async run(ctx) {
      const leases = leasesOf(ctx);
      const who = owner(ctx, leases);
      await leases.hold({ scope: ctx.scope, owner: who, durationMs: DURATION_MS });
      const listed = find(await leases.list({ scope: ctx.scope }), ctx.scope, who);
      assert.ok(listed.length > 0, `the lease of ${who} is not listed in scope ${ctx.scope}`);
      const live = listed.find((l) => l.alive);
      assert.ok(live, `the lease of ${who} is listed but not alive right after hold`);
      assert.ok(
        live.durationMs >= DURATION_MS && live.durationMs < DURATION_MS + 1_000,
        `the lease's durationMs is ${live.durationMs}, not ${DURATION_MS} (rounded up to whole seconds at most)`,
      );
    },
  },
  {
    id: 'leases.renew',
    group: 'Owner leases',
    capability: 'leases',
    promise:
      'renewed (hold again) well within its duration, a lease stays alive past its first duration',
    async run(ctx) {
      const leases = leasesOf(ctx);
      const who = owner(ctx, leases);
      const hold = () => leases.hold({ scope: ctx.scope, owner: who, durationMs: DURATION_MS });
      await hold();
      const until = Date.now() + 2 * DURATION_MS;
      while (Date.now() < until) {
        await pause(DURATION_MS / 4);
        await hold();
        assert.ok(
          isAlive(await leases.list({ scope: ctx.scope }), ctx.scope, who),
          `the lease of ${who}, renewed every ${DURATION_MS / 4} ms, was not alive ${DURATION_MS * 2 - (until - Date.now())} ms after it was first held`,
        );
      }
    },
  },
  {
    id: 'leases.expire',
    group: 'Owner leases',
    capability: 'leases',
    promise:
      'a lease no longer renewed is not alive (or gone) once its duration has passed, give or take a few seconds',
    async run(ctx) {
      const leases = leasesOf(ctx);
      const who = owner(ctx, leases);
      await leases.hold({ scope: ctx.scope, owner: who, durationMs: DURATION_MS });
      await ctx.pollUntil(
        `the lease of ${who}, not renewed, to be not alive within ${DURATION_MS} ms + ${SLACK_MS} ms`,
        () => leases.list({ scope: ctx.scope }),
        (listed) => !isAlive(listed, ctx.scope, who),
        DURATION_MS + SLACK_MS,
      );
    },
  },
  {
    id: 'leases.release',
    group: 'Owner leases',
    capability: 'leases',
    promise:
      "release ends the lease now (not alive, or gone), is idempotent, and leaves another owner's lease alive",
    async run(ctx) {
      const leases = leasesOf(ctx);
      const mine = owner(ctx, leases);
      const theirs = owner(ctx, leases);
      await leases.hold({ scope: ctx.scope, owner: mine, durationMs: 60_000 });
      await leases.hold({ scope: ctx.scope, owner: theirs, durationMs: 60_000 });
      await leases.release({ scope: ctx.scope, owner: mine });
      await leases.release({ scope: ctx.scope, owner: mine });
      const listed = await leases.list({ scope: ctx.scope });
      assert.ok(!isAlive(listed, ctx.scope, mine), `the released lease of ${mine} is still alive`);
      assert.ok(
        isAlive(listed, ctx.scope, theirs),
        `releasing ${mine}'s lease ended ${theirs}'s as well`,
      );
    },
  },
  {
    id: 'leases.scopes',
    group: 'Owner leases',
    capability: 'leases',
    promise:
      "the leases of one scope never list another scope's; the leases of every scope (`list({})`) show both",
    async run(ctx) {
      const leases = leasesOf(ctx);
      const other = ctx.newScope();
      const mine = owner(ctx, leases);
      const theirs = owner(ctx, leases, other);
      await leases.hold({ scope: ctx.scope, owner: mine, durationMs: 60_000 });
      await leases.hold({ scope: other, owner: theirs, durationMs: 60_000 });
      const ofMine = await leases.list({ scope: ctx.scope });
      assert.ok(
        ofMine.every((l) => l.scope === ctx.scope),
        `list({ scope: ${ctx.scope} }) showed a lease of scope ${ofMine.find((l) => l.scope !== ctx.scope)?.scope}`,
      );
      assert.ok(isAlive(ofMine, ctx.scope, mine), `the lease of ${mine} is missing from its scope`);
      const all = await leases.list({});
      assert.ok(
        isAlive(all, ctx.scope, mine) && isAlive(all, other, theirs),
        'list({}) does not show the leases of both scopes',
      );
    },
  },
  {
    id: 'leases.inputs',
    group: 'Owner leases',
    capability: 'leases',
    promise:
      'malformed lease calls (an empty or invalid scope or owner, a duration under 1000 ms or not whole, no selector) are refused with InvalidOptionsError',
    async run(ctx) {
      const leases = leasesOf(ctx);
      const refusals: [string, () => Promise<unknown>][] = [
        [
          'hold with an empty owner',
          () => leases.hold({ scope: ctx.scope, owner: '', durationMs: 5_000 }),
        ],
        [
          'hold with an invalid scope',
          () => leases.hold({ scope: 'not a scope!', owner: 'm', durationMs: 5_000 }),
        ],
        ['hold for 999 ms', () => leases.hold({ scope: ctx.scope, owner: 'm', durationMs: 999 })],
        [
          'hold for 1500.5 ms',
          () => leases.hold({ scope: ctx.scope, owner: 'm', durationMs: 1500.5 }),
        ],
        ['release without an owner', () => leases.release({ scope: ctx.scope } as never)],
        ['list without a selector', () => leases.list(undefined as never)],
      ];
      for (const [what, call] of refusals) {
        const outcome = await call().then(
          () => 'resolved',
          (error: unknown) => error,
        );
        assert.ok(
          InvalidOptionsError.isInstance(outcome),
          `${what} was not refused with InvalidOptionsError: ${outcome === 'resolved' ? 'it resolved' : String(outcome)}`,
        );
      }
    },
  },
  {
    id: 'listScopes.workers',
    group: 'Owner leases',
    capability: 'listScopes',
    promise:
      'listScopes names every scope that has workers (and no scope that has none), each once',
    async run(ctx) {
      const listScopes = ctx.provider.listScopes;
      assert.ok(listScopes, 'capabilities.listScopes is true but listScopes() is missing');
      const empty = ctx.newScope();
      await ctx.create(ctx.fixtures.longRunning);
      const scopes = await listScopes.call(ctx.provider);
      assert.ok(
        scopes.includes(ctx.scope),
        `listScopes() misses scope ${ctx.scope}, which has a worker`,
      );
      assert.ok(!scopes.includes(empty), `listScopes() names scope ${empty}, which has nothing`);
      assert.equal(new Set(scopes).size, scopes.length, 'listScopes() names a scope twice');
    },
  },
];
