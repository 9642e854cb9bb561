/**
 * The command in-process on the in-memory provider and a manual clock: every view, sweep and
 * exit code, and that `explain` predicts what `gc` and `reap` then do. No wall clock.
 */

import { fileURLToPath } from 'node:url';
import { type OwnerLeaseV1, ProviderError, type ProviderV1 } from '@hodei/lifecycle-core';
import {
  createManualClock,
  createMemoryProvider,
  type MemoryProvider,
} from '@hodei/lifecycle-testkit';
import { beforeEach, describe, expect, test } from 'vitest';
import { ExitCode, runCli } from './index.js';

const clock = createManualClock();
let provider: MemoryProvider;

beforeEach(() => {
  // Without leases and scope listing, as a provider that predates them (owners: 'unknown').
  provider = createMemoryProvider({
    clock: createManualClockShared(),
    capabilities: { leases: false, listScopes: false },
  });
});

// One clock for every provider of this file: the tests move it forward only.
function createManualClockShared() {
  return clock;
}

interface NewWorker {
  scope?: string;
  owner?: string;
  /** Deadline from now; undefined: none stamped. */
  expiresInMs?: number;
  ttlSeconds?: number;
  runForMs?: number;
  exitCode?: number;
}

async function create(workerId: string, w: NewWorker = {}, on: ProviderV1 = provider) {
  const now = clock.now();
  return on.create({
    spec: {
      image: 'example.com/job:1',
      extensions: {
        memory: {
          readyAfterMs: 0,
          ...(w.runForMs === undefined ? {} : { runForMs: w.runForMs }),
          ...(w.exitCode === undefined ? {} : { exitCode: w.exitCode }),
        },
      },
    },
    ownership: {
      scope: w.scope ?? 'ci',
      workerId,
      providerId: on.providerId,
      owner: w.owner ?? 'manager-a',
      expiresAt: w.expiresInMs === undefined ? undefined : new Date(now + w.expiresInMs),
      ttlAfterFinishedSeconds: w.ttlSeconds,
    },
  });
}

/** The provider with these leases (and listScopes), as the leases capability declares them. */
function withLeases(base: ProviderV1, leases: OwnerLeaseV1[], scopes?: string[]): ProviderV1 {
  return {
    ...base,
    capabilities: { ...base.capabilities, leases: true, listScopes: scopes !== undefined },
    leases: {
      hold: async () => undefined,
      release: async () => undefined,
      list: async ({ scope }: { scope?: string }) =>
        leases.filter((l) => scope === undefined || l.scope === scope),
    },
    ...(scopes === undefined ? {} : { listScopes: async () => scopes }),
  } as ProviderV1;
}

const lease = (owner: string, alive: boolean, scope = 'ci'): OwnerLeaseV1 => ({
  scope,
  owner,
  alive,
  durationMs: 15_000,
  renewedAt: new Date(clock.now()),
});

async function run(
  args: string[],
  on: ProviderV1 = provider,
  extra: Parameters<typeof runCli>[1] = {},
) {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    provider: on,
    now: () => clock.now(),
    env: {},
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    ...extra,
  });
  return { code, out, err, json: () => JSON.parse(out) };
}

const jsonLines = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('ls', () => {
  test('every managed worker of the scopes, with owner state, deadline and TTL; nothing else', async () => {
    await create('job-1', { expiresInMs: 60_000, ttlSeconds: 30 });
    await create('job-2', { runForMs: 1_000, ttlSeconds: 30 });
    await create('other', { scope: 'elsewhere' });
    await clock.advance(2_000);
    const { code, json } = await run(['ls', '--scope', 'ci', '--json']);
    expect(code).toBe(0);
    const views = json();
    expect(views.map((v: { workerId: string }) => v.workerId)).toEqual(['job-1', 'job-2']);
    expect(views[0]).toMatchObject({
      scope: 'ci',
      owner: 'manager-a',
      ownerState: 'unknown',
      phase: 'running',
      state: 'Ready',
      ttlMs: 30_000,
      ttlStamped: true,
    });
    expect(Date.parse(views[0].expiresAt)).toBe(clock.now() + 58_000);
    expect(views[1]).toMatchObject({ phase: 'succeeded', state: 'Terminated' });
    // Finished: its TTL counts from its end, and its removal is due 30 s after.
    expect(Date.parse(views[1].removalDueAt) - Date.parse(views[1].finishedAt)).toBe(30_000);
  });

  test('a human table by default, without colour unless on a terminal', async () => {
    await create('job-1', { expiresInMs: 90_000, ttlSeconds: 60 });
    const { code, out } = await run(['ls', '--scope', 'ci']);
    expect(code).toBe(0);
    expect(out).toMatch(/^SCOPE\s+WORKER\s+OWNER\s+AGE\s+STATE\s+PHASE\s+DEADLINE\s+TTL/);
    expect(out).toContain('manager-a (unknown)');
    expect(out).toContain('in 1m30s');
    expect(out).not.toContain('\u001b[');
    const tty = await run(['ls', '--scope', 'ci'], provider, {
      stdout: { write: () => undefined, isTTY: true },
    });
    expect(tty.code).toBe(0);
  });

  test('NO_COLOR turns colours off on a terminal', async () => {
    await create('job-1', { expiresInMs: 90_000 });
    let colored = '';
    let plain = '';
    await runCli(['ls', '--scope', 'ci'], {
      provider,
      env: {},
      now: () => clock.now(),
      stdout: { write: (t: string) => (colored += t), isTTY: true },
    });
    await runCli(['ls', '--scope', 'ci'], {
      provider,
      env: { NO_COLOR: '1' },
      now: () => clock.now(),
      stdout: { write: (t: string) => (plain += t), isTTY: true },
    });
    expect(colored).toContain('\u001b[');
    expect(plain).not.toContain('\u001b[');
  });

  test('owner liveness from the leases: alive, dead, absent', async () => {
    await create('a', { owner: 'alive-one' });
    await create('b', { owner: 'dead-one' });
    await create('c', { owner: 'gone-one' });
    const leased = withLeases(provider, [lease('alive-one', true), lease('dead-one', false)]);
    const views = (await run(['ls', '--scope', 'ci', '--json'], leased)).json();
    expect(views.map((v: { ownerState: string }) => v.ownerState)).toEqual([
      'alive',
      'dead',
      'absent',
    ]);
  });
});

describe('leases of the memory provider', () => {
  test('a held lease is alive; expired, it is dead; never held, absent', async () => {
    const leased = createMemoryProvider({ clock, providerId: 'leased' });
    await leased.leases!.hold({ scope: 'ci', owner: 'alive-one', durationMs: 15_000 });
    await leased.leases!.hold({ scope: 'ci', owner: 'dead-one', durationMs: 15_000 });
    leased.infrastructure.faults.expireLease('dead-one');
    for (const owner of ['alive-one', 'dead-one', 'gone-one']) {
      await create(`${owner}-w`, { owner, runForMs: 1_000, ttlSeconds: 1 }, leased);
    }
    await clock.advance(5_000);
    const views = (await run(['ls', '--all-scopes', '--json'], leased)).json();
    expect(views.map((v: { ownerState: string }) => v.ownerState)).toEqual([
      'alive',
      'dead',
      'absent',
    ]);
    const reaped = jsonLines((await run(['reap', '--all-scopes', '--json'], leased)).out);
    expect(reaped.filter((l) => l.type === 'action').map((l) => l.workerId)).toEqual(
      expect.arrayContaining(['dead-one-w', 'gone-one-w']),
    );
    expect(reaped.filter((l) => l.type === 'action')).toHaveLength(2);
    await leased.close();
  });
});

describe('scopes and usage', () => {
  test('no scope named: a usage error (exit 2)', async () => {
    const { code, err } = await run(['ls']);
    expect(code).toBe(ExitCode.usage);
    expect(err).toContain('--scope');
  });

  test('--all-scopes needs a provider that lists scopes', async () => {
    const { code, err } = await run(['ls', '--all-scopes']);
    expect(code).toBe(ExitCode.usage);
    expect(err).toContain('cannot list scopes');
    await create('x', { scope: 'one' });
    await create('y', { scope: 'two' });
    const listing = withLeases(provider, [], ['two', 'one']);
    const views = (await run(['ls', '--all-scopes', '--json'], listing)).json();
    expect(views.map((v: { scope: string }) => v.scope)).toEqual(['one', 'two']);
  });

  test('--scope is repeatable', async () => {
    await create('x', { scope: 'one' });
    await create('y', { scope: 'two' });
    await create('z', { scope: 'three' });
    const views = (await run(['ls', '--scope', 'one', '--scope', 'two', '--json'])).json();
    expect(views.map((v: { workerId: string }) => v.workerId)).toEqual(['x', 'y']);
  });

  test('unknown options, commands and durations: exit 2', async () => {
    expect((await run(['ls', '--scope', 'ci', '--nope'])).code).toBe(ExitCode.usage);
    expect((await run(['frobnicate'])).code).toBe(ExitCode.usage);
    expect((await run(['reap', '--scope', 'ci', '--interval', 'soon'])).code).toBe(ExitCode.usage);
  });

  test('an unknown provider type: the registry names the registered ones (exit 2)', async () => {
    let err = '';
    const code = await runCli(['ls', '--provider', 'nomad', '--scope', 'ci'], {
      env: {},
      stdout: { write: () => undefined },
      stderr: { write: (t: string) => (err += t) },
    });
    expect(code).toBe(ExitCode.usage);
    expect(err).toContain("No provider plugin of type 'nomad'");
    expect(err).toContain('docker, kubernetes');
  });

  test('--config: third-party plugins through the registry; an unknown type lists them', async () => {
    const config = fileURLToPath(new URL('../test/fixtures/hodei.config.mjs', import.meta.url));
    const io = (sink: { text: string }) => ({
      env: {},
      stdout: { write: (t: string) => (sink.text += t) },
      stderr: { write: (t: string) => (sink.text += t) },
    });
    const ok = { text: '' };
    expect(await runCli(['ls', '--config', config, '--scope', 'ci'], io(ok))).toBe(0);
    expect(ok.text).toContain('No managed workers.');
    const unknown = { text: '' };
    const code = await runCli(
      ['ls', '--config', config, '--provider', 'nomad', '--scope', 'ci'],
      io(unknown),
    );
    expect(code).toBe(ExitCode.usage);
    expect(unknown.text).toContain('Available types: memory, docker, kubernetes');
    const missing = { text: '' };
    expect(await runCli(['ls', '--config', './nope.mjs', '--scope', 'ci'], io(missing))).toBe(
      ExitCode.usage,
    );
    expect(missing.text).toContain('cannot load --config ./nope.mjs');
  });

  test('--help shows the exit codes (exit 0)', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Exit codes:');
  });

  test('the infrastructure unreachable: exit 3', async () => {
    const broken = {
      ...provider,
      list: async () => {
        throw new ProviderError('memory', 'connect ECONNREFUSED', { retryable: true });
      },
    } as ProviderV1;
    const { code, err } = await run(['ls', '--scope', 'ci'], broken);
    expect(code).toBe(ExitCode.unreachable);
    expect(err).toContain('ECONNREFUSED');
  });
});

describe('explain', () => {
  test('a running worker: stopped at its deadline, removed after its TTL; then it happens so', async () => {
    await create('job', { expiresInMs: 60_000, ttlSeconds: 30 });
    const start = clock.now();
    const explained = (await run(['explain', 'job', '--scope', 'ci', '--json'])).json();
    expect(explained.steps).toEqual([
      {
        at: new Date(start + 60_000).toISOString(),
        action: 'stop',
        rule: 'max-lifetime',
        reason: 'LifetimeExceeded',
        byInfrastructure: false,
      },
      {
        at: new Date(start + 90_000).toISOString(),
        action: 'remove',
        rule: 'ttl-expired',
        reason: 'TtlExpired',
        byInfrastructure: false,
        assumesStopAt: new Date(start + 60_000).toISOString(),
      },
    ]);
    // Nothing to do before its deadline...
    await clock.advanceTo(start + 59_999);
    expect((await run(['gc', '--scope', 'ci', '--json'])).out).toBe('');
    // ...stopped at it...
    await clock.advanceTo(start + 60_000);
    const stop = jsonLines((await run(['gc', '--scope', 'ci', '--json'])).out);
    expect(stop).toMatchObject([{ action: 'stop', reason: 'LifetimeExceeded', outcome: 'done' }]);
    await clock.settle();
    // ...kept for its TTL, and removed at its end.
    await clock.advanceTo(start + 89_999);
    expect((await run(['gc', '--scope', 'ci', '--json'])).out).toBe('');
    // A sweep that sees the stop later than it happened, reported in whole seconds, counts the
    // TTL from a second after the reported end (it may be truncated): never cut short.
    await clock.advanceTo(start + 91_000);
    const removal = jsonLines((await run(['gc', '--scope', 'ci', '--json'])).out);
    expect(removal).toMatchObject([{ action: 'remove', reason: 'TtlExpired', outcome: 'done' }]);
    await clock.runUntilIdle();
    expect(await provider.list({ scope: 'ci' })).toEqual([]);
  });

  test('a finished worker: removed when its TTL ends, counted from its end', async () => {
    await create('done', { runForMs: 5_000, ttlSeconds: 60, exitCode: 0 });
    const start = clock.now();
    await clock.advance(10_000);
    const explained = (await run(['explain', 'done', '--scope', 'ci', '--json'])).json();
    expect(explained.steps).toEqual([
      {
        // It ended at 5 s, reported in whole seconds: the TTL counts from a second later.
        at: new Date(start + 66_000).toISOString(),
        action: 'remove',
        rule: 'ttl-expired',
        reason: 'TtlExpired',
        byInfrastructure: false,
      },
    ]);
    const human = (await run(['explain', 'done', '--scope', 'ci'])).out;
    expect(human).toContain('removed by rule ttl-expired (TtlExpired)');
    expect(human).toContain('in 56s');
  });

  test('no stamped deadline: only its job, its owner or an operator ends it', async () => {
    await create('forever');
    const human = (await run(['explain', 'forever', '--scope', 'ci'])).out;
    expect(human).toContain('No stamped rule ends it');
  });

  test('a live owner may end it earlier: said so', async () => {
    await create('mine', { owner: 'alive-one', expiresInMs: 1_000 });
    const leased = withLeases(provider, [lease('alive-one', true)]);
    const human = (await run(['explain', 'mine', '--scope', 'ci'], leased)).out;
    expect(human).toContain('Its owner is alive');
  });

  test('an unknown worker: exit 1', async () => {
    const { code, err } = await run(['explain', 'nobody', '--scope', 'ci']);
    expect(code).toBe(ExitCode.failure);
    expect(err).toContain('no managed worker nobody');
  });
});

describe('gc', () => {
  test('--dry-run lists exactly what the following gc does', async () => {
    await create('expired', { expiresInMs: 1_000, ttlSeconds: 0 });
    await create('finished', { runForMs: 1_000, ttlSeconds: 1 });
    await create('young', { expiresInMs: 600_000 });
    await create('bystander', { scope: 'other', expiresInMs: 1_000 });
    await clock.advance(5_000);
    const dry = jsonLines((await run(['gc', '--scope', 'ci', '--dry-run', '--json'])).out);
    expect(dry.every((r) => r.outcome === 'planned')).toBe(true);
    const real = jsonLines((await run(['gc', '--scope', 'ci', '--json'])).out);
    const key = (r: { workerId: string; action: string; reason: string; uid: string }) =>
      `${r.workerId} ${r.uid} ${r.action} ${r.reason}`;
    expect(real.map(key)).toEqual(dry.map(key));
    expect(dry.map(key).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^expired .* stop LifetimeExceeded$/)]),
    );
    expect(dry.map((r) => r.workerId).sort()).toEqual(['expired', 'finished']);
    expect(real.every((r) => r.outcome === 'done')).toBe(true);
    expect((await provider.list({ scope: 'other' })).map((r) => r.workerId)).toEqual(['bystander']);
  });

  test('a failed removal is reported and the exit code says partly done (4)', async () => {
    await create('finished', { runForMs: 1_000, ttlSeconds: 1 });
    await clock.advance(5_000);
    const refusing = {
      ...provider,
      remove: async () => {
        throw new ProviderError('memory', 'forbidden', { status: 403 });
      },
    } as ProviderV1;
    const { code, err } = await run(['gc', '--scope', 'ci'], refusing);
    expect(code).toBe(ExitCode.partial);
    expect(err).toContain('failed to remove ci/finished');
  });

  test('removes only the observed incarnation (uid precondition)', async () => {
    const first = await create('again', { runForMs: 1_000, ttlSeconds: 1 });
    await clock.advance(5_000);
    // Between the list and the removal, the worker is replaced by a new one under the same id.
    const racing = {
      ...provider,
      list: async (selector: Parameters<ProviderV1['list']>[0]) => {
        const records = await provider.list(selector);
        await provider.remove({ scope: 'ci', workerId: 'again' });
        await clock.runUntilIdle();
        await create('again', { expiresInMs: 600_000 });
        return records;
      },
    } as ProviderV1;
    const results = jsonLines((await run(['gc', '--scope', 'ci', '--json'], racing)).out);
    expect(results).toMatchObject([{ workerId: 'again', uid: first.uid, outcome: 'done' }]);
    const left = await provider.list({ scope: 'ci' });
    expect(left).toHaveLength(1);
    expect(left[0]!.uid).not.toBe(first.uid);
  });
});

describe('reap', () => {
  test("never a live owner's worker; a dead, absent or unknown owner's at its stamps", async () => {
    for (const owner of ['alive-one', 'dead-one', 'gone-one']) {
      await create(`${owner}-w`, { owner, runForMs: 1_000, ttlSeconds: 1 });
    }
    await create('unlabelled-in-spirit', { owner: 'dead-one', expiresInMs: 600_000 });
    await clock.advance(5_000);
    const leased = withLeases(provider, [lease('alive-one', true), lease('dead-one', false)]);
    const results = jsonLines((await run(['reap', '--scope', 'ci', '--json'], leased)).out);
    const actions = results.filter((r) => r.type === 'action');
    expect(actions.map((r) => `${r.workerId} ${r.ownerState}`).sort()).toEqual([
      'dead-one-w dead',
      'gone-one-w absent',
    ]);
    const pass = results.find((r) => r.type === 'pass');
    expect(pass).toMatchObject({ workers: 4, removed: 2, failed: 0 });
    // gc, unlike the reaper, sweeps by the stamps whoever the owner is.
    const gc = jsonLines((await run(['gc', '--scope', 'ci', '--json'], leased)).out);
    expect(gc.map((r) => r.workerId)).toEqual(['alive-one-w']);
  });

  test('--watch: one list and one lease list per scope per interval; each action at its time; until the signal', async () => {
    const controller = new AbortController();
    const start = clock.now();
    await create('short', { expiresInMs: 25_000, ttlSeconds: 5 });
    await create('finishing', { runForMs: 12_000, ttlSeconds: 3 });
    await create('other-scope', { scope: 'two', expiresInMs: 1_000 });
    const leased = withLeases(provider, []);
    const sleep = async (ms: number) => {
      await clock.advance(ms);
      if (clock.now() >= start + 75_000) controller.abort();
    };
    const { code, out } = await run(
      ['reap', '--scope', 'ci', '--scope', 'two', '--watch', '--interval', '10s', '--json'],
      leased,
      { sleep, signal: controller.signal },
    );
    expect(code).toBe(0);
    const lines = jsonLines(out);
    const passLines = lines.filter((l) => l.type === 'pass');
    expect(passLines).toHaveLength(8);
    for (const p of passLines) {
      expect(p.providerCalls.list).toBe(2);
      expect(p.providerCalls['leases.list']).toBe(2);
    }
    const acted = lines
      .filter((l) => l.type === 'action')
      .map((l) => `${(Date.parse(l.at) - start) / 1000}s ${l.workerId} ${l.action}`);
    // Each action at its time: the ones due before the next list from the last list, pinned to
    // the listed worker; what a list must show first (a finished job) within one interval.
    expect(acted).toEqual([
      '1s other-scope stop', // deadline at 1 s (its removal: the policy's TTL, 5 min, later)
      '20s finishing remove', // finished at 12 s, seen at 20 s; TTL 3 s from 13 s (whole seconds)
      '25s short stop', // deadline at 25 s, scheduled by the list at 20 s
      '31s short remove', // stopped at 25 s, seen at 30 s; TTL 5 s from 26 s
    ]);
    for (const line of lines.filter((l) => l.type === 'action')) {
      expect(Date.parse(line.at) - Date.parse(line.dueAt)).toBeLessThanOrEqual(10_000);
    }
  });

  test('calls per pass do not grow with the number of workers (10, 100, 500)', async () => {
    const counts: Record<number, unknown> = {};
    for (const n of [10, 100, 500]) {
      const own = createMemoryProvider({ clock, providerId: `memory-${n}` });
      for (let i = 0; i < n; i += 1) await create(`w-${i}`, { expiresInMs: 3_600_000 }, own);
      const leased = withLeases(own, []);
      const pass = jsonLines((await run(['reap', '--scope', 'ci', '--json'], leased)).out).find(
        (l) => l.type === 'pass',
      );
      expect(pass.workers).toBe(n);
      counts[n] = pass.providerCalls;
      await own.close();
    }
    expect(counts[10]).toEqual({ total: 2, list: 1, 'leases.list': 1 });
    expect(counts[100]).toEqual(counts[10]);
    expect(counts[500]).toEqual(counts[10]);
  });
});

describe('events', () => {
  test('created, ready, finished, removing, removed as lines of JSON', async () => {
    await create('before', { expiresInMs: 600_000 });
    const controller = new AbortController();
    const running = run(['events', '--scope', 'ci', '--json'], provider, {
      signal: controller.signal,
    });
    await clock.settle();
    await create('job', { runForMs: 1_000 });
    await clock.advance(2_000);
    await provider.remove({ scope: 'ci', workerId: 'job' });
    await clock.runUntilIdle();
    await clock.settle();
    controller.abort();
    const { code, out } = await running;
    expect(code).toBe(0);
    const events = jsonLines(out).map((l) => `${l.workerId} ${l.event}`);
    expect(events[0]).toBe('before seen');
    expect(events).toEqual(expect.arrayContaining(['job created', 'job finished', 'job removed']));
    expect(events.indexOf('job created')).toBeLessThan(events.indexOf('job finished'));
    expect(events.indexOf('job finished')).toBeLessThan(events.indexOf('job removed'));
  });
});

describe('an infrastructure that enforces deadlines itself', () => {
  test('the stop at the deadline is left to it (no call, no right to patch needed); its removal is not', async () => {
    const native = createMemoryProvider({
      clock,
      providerId: 'native',
      capabilities: { nativeDeadline: true },
    });
    await create('job', { expiresInMs: 1_000, ttlSeconds: 0 }, native);
    await create('done', { runForMs: 500, ttlSeconds: 1 }, native);
    const explained = await run(['explain', 'job', '--scope', 'ci'], native);
    expect(explained.err).toBe('');
    const human = explained.out;
    expect(human).toContain('stopped by the infrastructure itself by rule max-lifetime');
    await clock.advance(3_000);
    const actions = jsonLines((await run(['gc', '--scope', 'ci', '--json'], native)).out);
    // 'job' was stopped by the infrastructure at its deadline: only its removal is ours.
    expect(actions.map((a) => `${a.workerId} ${a.action} ${a.rule}`)).toEqual([
      'done remove ttl-expired',
      'job remove ttl-expired',
    ]);
    // Each action says when it was due: the delay is the command's own.
    expect(Date.parse(actions[0].at) - Date.parse(actions[0].dueAt)).toBe(3_000 - 1_500);
    await native.close();
  });
});

describe('in-process (the README snippet)', () => {
  test('runCli on an in-memory provider returns the exit code', async () => {
    const infrastructureProvider = provider;
    await create('job-1', { expiresInMs: 60_000, ttlSeconds: 30 });
    let printed = '';
    const stdout = { write: (text: string) => (printed += text) };
    const workers = await (async () => {
      // #region run-in-process
      // `provider`: any provider (contract v1), e.g. the raw provider under a manager.
      const provider = infrastructureProvider;
      const code = await runCli(['ls', '--scope', 'ci', '--json'], { provider, stdout });
      if (code !== ExitCode.ok) throw new Error(`hodei-lifecycle ls failed: ${code}`);
      const workers = JSON.parse(printed) as { workerId: string; ownerState: string }[];
      // #endregion run-in-process
      return workers;
    })();
    expect(workers.map((w) => w.workerId)).toEqual(['job-1']);
  });
});
