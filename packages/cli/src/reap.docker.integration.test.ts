/**
 * The reaper on a real Docker engine, as the built command in a child process: a manager is
 * SIGKILLed with 20 workers (half finishing, half running) and never restarts; `reap --watch`
 * removes every one within one interval of its stamped time, and `explain` predicted each
 * end; another scope's worker and unlabelled containers survive. Then `gc --dry-run` lists
 * exactly what `gc` does. The reaper runs with the command line of the shipped systemd unit,
 * and `events` follows the scope throughout: each worker created, finished, removed.
 */
import { readFileSync } from 'node:fs';
import { createDockerProvider } from '@hodei/lifecycle-provider-docker';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  actionsOf,
  delayOf,
  ensureBuilt,
  kill,
  type ManagerProcess,
  percentile,
  type RunningBin,
  runBin,
  startBin,
  startManager,
  uniqueName,
  waitUntil,
} from '../test/support.js';

const IMAGE = 'hodei-test-worker:1';
const INTERVAL_MS = 2_000;
/** A pass lists, decides and acts: it may take a moment beyond the interval itself. */
const SLACK_MS = 1_500;
const docker = new Docker();
const scope = uniqueName('e2e-reap');
const otherScope = uniqueName('e2e-other');
const gcScope = uniqueName('e2e-gc');
const halfScope = uniqueName('e2e-half');
const unlabelled: string[] = [];
let manager: ManagerProcess | undefined;
let reaper: RunningBin | undefined;

const containersOf = (s: string) =>
  docker.listContainers({ all: true, filters: { label: [`hodei.io/managed-by=${s}`] } });

beforeAll(async () => {
  try {
    await docker.ping();
    await docker.getImage(IMAGE).inspect();
  } catch (error) {
    throw new Error(
      `no Docker engine with ${IMAGE} on ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}: run tools/docker-env/bin/up (${String(error)})`,
    );
  }
  ensureBuilt();
});

afterAll(async () => {
  if (manager) await kill(manager.child);
  await reaper?.stop().catch(() => undefined);
  for (const s of [scope, otherScope, gcScope, halfScope]) {
    for (const info of await containersOf(s)) {
      await docker
        .getContainer(info.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    }
  }
  for (const id of unlabelled) {
    await docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
});

/** The shipped systemd unit's command line, for this test's scope and interval. */
function unitCommandLine(): string[] {
  const unit = readFileSync(
    new URL('../../../deploy/docker/hodei-reaper.service', import.meta.url),
    'utf8',
  );
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1];
  if (!execStart) throw new Error('deploy/docker/hodei-reaper.service has no ExecStart');
  const words = execStart.trim().split(/\s+/);
  expect(words.slice(0, 2)).toEqual(['/usr/bin/env', 'hodei-lifecycle']);
  const args = words.slice(2);
  args[args.indexOf('--interval') + 1] = `${INTERVAL_MS / 1000}s`;
  args[args.indexOf('--scope') + 1] = scope;
  return args;
}

async function bystanders(): Promise<string[]> {
  // Another scope's worker, its deadline long past: not the reaper's scope.
  const other = createDockerProvider({ providerId: 'bystander' });
  await other.create({
    spec: { image: IMAGE },
    ownership: {
      scope: otherScope,
      workerId: 'other-scope-worker',
      providerId: 'bystander',
      owner: 'gone-manager',
      expiresAt: new Date(Date.now() - 60_000),
      ttlAfterFinishedSeconds: 0,
    },
  });
  await other.close();
  // Unlabelled, and labelled with the scope but no complete stamp: never the reaper's.
  const ids: string[] = [];
  const labelSets: Record<string, string>[] = [{}, { 'hodei.io/managed-by': scope }];
  for (const labels of labelSets) {
    const container: Docker.Container = await docker.createContainer({
      Image: IMAGE,
      Labels: labels,
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    ids.push(container.id);
  }
  unlabelled.push(...ids);
  return ids;
}

test('a SIGKILLed manager with 20 workers and no successor: reap --watch removes each within one interval of its stamped time; bystanders survive', async () => {
  const marks: [string, string][] = [];
  const mark = (what: string) => marks.push([what, new Date().toISOString()]);
  mark('start');
  // `events` follows the scope from before the manager starts to the end.
  const events = startBin(['events', '--provider', 'docker', '--scope', scope, '--json']);
  await waitUntil(
    'events to start',
    () => events.child.exitCode === null && events.stderr() === '',
    (ok) => ok,
    5_000,
  );
  const running = Array.from({ length: 10 }, () => ({ image: IMAGE }));
  const finishing = Array.from({ length: 10 }, () => ({
    image: IMAGE,
    env: { WORKER_SLEEP: '1' },
  }));
  manager = await startManager({
    provider: 'docker',
    scope,
    instanceId: 'doomed-manager',
    // Its owner lease runs out 3 s after the SIGKILL, long before any stamp is due: until then
    // the reaper leaves its workers to it.
    lease: { durationMs: 3_000 },
    // Long enough for the explanations and the reaper's start before anything is due.
    policy: { maxLifetime: '25s', ttlAfterCompletion: '12s', gracefulTerminationTimeout: '1s' },
    specs: [...finishing, ...running],
  });
  mark('manager printed');
  await kill(manager.child);
  const workers = manager.workers;
  expect(workers).toHaveLength(20);
  const kept = await bystanders();

  // explain, once the finishing ones have finished: each worker's predicted end.
  await waitUntil(
    'the 10 finishing workers to exit',
    async () => (await containersOf(scope)).filter((c) => c.State === 'exited').length,
    (n) => n >= 10,
    30_000,
  );
  mark('finished');
  // One run for all of them: one list.
  const explained = await runBin([
    'explain',
    ...workers.map((w) => w.workerId),
    ...['--provider', 'docker', '--scope', scope, '--json'],
  ]);
  expect(explained.code, explained.err).toBe(0);
  const predicted = new Map<string, { action: string; reason: string; at: string }[]>(
    (JSON.parse(explained.out) as { view: { workerId: string }; steps: [] }[]).map((e) => [
      e.view.workerId,
      e.steps,
    ]),
  );
  expect(predicted.size).toBe(20);
  const firstDue = Math.min(
    ...[...predicted.values()].map((steps) => Date.parse(steps[0]?.at ?? 'none')),
  );
  // The reaper starts before anything is due (else the delays would measure this test).
  expect(firstDue - Date.now()).toBeGreaterThan(INTERVAL_MS);
  mark('explained');
  reaper = startBin([...unitCommandLine(), '--json']);
  const ids = new Set(workers.map((w) => w.uid));
  await waitUntil(
    `the reaper to remove the 20 workers of ${scope} (stderr: ${reaper.stderr().slice(-500)})`,
    async () => (await containersOf(scope)).filter((c) => ids.has(c.Id)).length,
    (n) => n === 0,
    60_000,
  );
  expect(await reaper.stop()).toBe(0);

  const actions = actionsOf(reaper.lines);
  // The owner is dead (its lease ran out) or absent (its lease is gone), never alive.
  expect(new Set(actions.map((a) => (a as { ownerState?: string }).ownerState))).not.toContain(
    'alive',
  );
  if (process.env.HODEI_DEBUG) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      process.env.HODEI_DEBUG,
      JSON.stringify({ marks, lines: reaper.lines, predicted: [...predicted] }),
    );
  }
  expect(actions.every((a) => a.outcome === 'done')).toBe(true);
  const removals = actions.filter((a) => a.action === 'remove');
  expect(new Set(removals.map((a) => a.uid))).toEqual(ids);
  for (const action of actions) {
    expect(delayOf(action), `${action.workerId} ${action.action}`).toBeLessThanOrEqual(
      INTERVAL_MS + SLACK_MS,
    );
    expect(delayOf(action)).toBeGreaterThanOrEqual(0);
  }
  // explain predicted each end: the same action and reason, within one interval of its time
  // (a step after a stop counts from when the stop really happened, as explain assumed).
  for (const { workerId } of workers) {
    const steps = predicted.get(workerId)!;
    const done = actions.filter((a) => a.workerId === workerId);
    expect(done.map((a) => `${a.action} ${a.reason}`)).toEqual(
      steps.map((s) => `${s.action} ${s.reason}`),
    );
    let shift = 0;
    for (const [i, step] of steps.entries()) {
      const actual = Date.parse(done[i]!.at);
      const off = actual - (Date.parse(step.at) + shift);
      const what = `${workerId} ${step.action}: predicted ${step.at} (+${shift} ms), done ${done[i]!.at}`;
      expect(off, what).toBeGreaterThanOrEqual(-SLACK_MS);
      expect(off, what).toBeLessThanOrEqual(INTERVAL_MS + SLACK_MS);
      shift = actual - Date.parse(step.at);
    }
  }
  // One list per scope per interval: the pass summaries say so.
  const passes = reaper.lines.filter((l) => l.type === 'pass') as {
    providerCalls: Record<string, number>;
    httpRequests: number;
  }[];
  expect(passes.length).toBeGreaterThan(2);
  for (const pass of passes) expect(pass.providerCalls.list).toBe(1);

  const remove = removals.map(delayOf);
  const stop = actions.filter((a) => a.action === 'stop').map(delayOf);
  console.log(
    `[measure] docker reaper, interval ${INTERVAL_MS} ms: TTL end -> removal p50 ${percentile(remove, 50)} ms, max ${Math.max(...remove)} ms; deadline -> stop p50 ${percentile(stop, 50)} ms, max ${Math.max(...stop)} ms; HTTP requests per pass: ${[...new Set(passes.map((p) => p.httpRequests))].join(', ')}`,
  );

  // events saw each worker created, the finishing ones finish, and each removed, in that order.
  await waitUntil(
    'events to report the 20 removals',
    () => events.lines.filter((l) => l.event === 'removed').length,
    (n) => n >= 20,
    10_000,
  );
  expect(await events.stop()).toBe(0);
  for (const { workerId, uid } of workers) {
    const seen = events.lines.filter((l) => l.uid === uid).map((l) => l.event);
    expect(seen[0], workerId).toBe('created');
    expect(seen.at(-1), workerId).toBe('removed');
    expect(
      seen.filter((e) => e === 'finished'),
      workerId,
    ).toHaveLength(1);
  }

  // Bystanders: another scope's expired worker and the unlabelled containers are untouched.
  expect((await containersOf(otherScope)).map((c) => c.Labels['hodei.io/worker-id'])).toEqual([
    'other-scope-worker',
  ]);
  for (const id of kept) expect((await docker.getContainer(id).inspect()).State.Running).toBe(true);
});

test('gc --dry-run lists exactly what the following gc does', async () => {
  const provider = createDockerProvider({ providerId: 'gc-e2e' });
  const stamp = (workerId: string, expiresInMs: number, ttl: number) => ({
    scope: gcScope,
    workerId,
    providerId: 'gc-e2e',
    owner: 'gone-manager',
    expiresAt: new Date(Date.now() + expiresInMs),
    ttlAfterFinishedSeconds: ttl,
  });
  await provider.create({ spec: { image: IMAGE }, ownership: stamp('expired', -1_000, 0) });
  await provider.create({
    spec: { image: IMAGE, env: { WORKER_SLEEP: '0' } },
    ownership: stamp('finished', 600_000, 0),
  });
  await provider.create({ spec: { image: IMAGE }, ownership: stamp('young', 600_000, 60) });
  await waitUntil(
    "'finished' to exit",
    async () => (await provider.get({ scope: gcScope, workerId: 'finished' }))?.phase,
    (phase) => phase === 'succeeded',
  );
  const args = ['--provider', 'docker', '--scope', gcScope, '--json'];
  const dry = await runBin(['gc', '--dry-run', ...args]);
  expect(dry.code, dry.err).toBe(0);
  const real = await runBin(['gc', ...args]);
  expect(real.code, real.err).toBe(0);
  const key = (l: string) => {
    const a = JSON.parse(l);
    return `${a.workerId} ${a.uid} ${a.action} ${a.reason}`;
  };
  const planned = dry.out.trim().split('\n').map(key).sort();
  expect(planned).toEqual(real.out.trim().split('\n').map(key).sort());
  expect(planned.map((k) => k.split(' ')[0])).toEqual(['expired', 'finished']);
  // Done as said: 'finished' is gone, 'expired' stopped, 'young' untouched.
  expect(await provider.get({ scope: gcScope, workerId: 'finished' })).toBeUndefined();
  expect((await provider.get({ scope: gcScope, workerId: 'expired' }))?.phase).not.toBe('running');
  expect((await provider.get({ scope: gcScope, workerId: 'young' }))?.phase).toBe('running');
  await provider.close();
});

test('a half-made worker (created, never started: its manager died between create and start) past its deadline is removed by reap, not stopped for ever', async () => {
  const labels = {
    'hodei.io/managed-by': halfScope,
    'hodei.io/worker-id': 'half-made',
    'hodei.io/provider-id': 'docker',
    'hodei.io/owner': 'a-dead-manager',
    'hodei.io/expires-at': new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    'hodei.io/ttl-after-finished': '1',
  };
  const created = await docker.createContainer({
    Image: IMAGE,
    Labels: labels,
    HostConfig: { NetworkMode: 'none' },
  });
  const reaped = await runBin(['reap', '--provider', 'docker', '--scope', halfScope, '--json']);
  expect(reaped.code, reaped.err).toBe(0);
  const actions = reaped.out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((line) => line.type === 'action' || line.action !== undefined);
  expect(actions.map((a) => `${a.workerId} ${a.action} ${a.reason}`)).toEqual([
    'half-made remove NormalTermination',
  ]);
  await expect(docker.getContainer(created.id).inspect()).rejects.toMatchObject({
    statusCode: 404,
  });
});
