/**
 * Docker, on the real engine (tools/docker-env/bin/up).
 *
 * Default: three systems on the same work, N workers (100) created, run to ready (healthy: the
 * image's health check) and removed, CONCURRENCY (10) at a time, in interleaved rounds (the
 * order rotates each round; one warm-up round of each first):
 *   - bare dockerode, as an experienced user writes it (one event stream for readiness);
 *   - testcontainers-node (GenericContainer, Wait.forHealthCheck(), stop with remove), without
 *     its Ryuk reaper (TESTCONTAINERS_RYUK_DISABLED=true): the reaper image cannot be pulled here;
 *   - the lifecycle manager on the Docker provider, as configured by default.
 * Per system: time, engine requests and client CPU per worker; ratios within the run. Then the
 * manager's TTL deadline -> container removed, and docker rm -f -> OrphanWorkerDetected.
 *
 * --scale: at 100 and BENCH_DOCKER_SCALE (1,000) long-running containers (no health check: at
 * one probe a second, a thousand would be a thousand execs a second), create throughput against
 * bare dockerode, the manager's requests per resync interval, TTL and orphan delays with all of
 * them tracked, and the manager's heap per tracked worker.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { OwnershipKeys, withLifecycle } from '@hodei/lifecycle-core';
import { createDockerProvider } from '@hodei/lifecycle-provider-docker';
import Docker from 'dockerode';
import { type Cost, measure, setRequestKinds, settledHeap } from '../lib/cost.ts';
import { eventRecorder } from '../lib/events.ts';
import { packageVersion } from '../lib/machine.ts';
import { pool } from '../lib/pool.ts';
import {
  atMost,
  below,
  type Chart,
  type Goal,
  type SuitePart,
  type Table,
} from '../lib/results.ts';
import { fixed, median, p50p99, percentile } from '../lib/stats.ts';
import { profileOf, profileRows, saveProfile, summarise } from '../profile/cpu-profile.ts';
import { dockerRequestKind, engineEvents, IMAGE, observer, purge } from './engine.ts';

// The reaper (testcontainers/ryuk) is pulled from a registry this machine cannot reach.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
// testcontainers looks for the host through the `bridge` network's gateway when it runs in a
// container, as this benchmark does, and the test engine has no bridge (dockerd --bridge=none);
// its fallback would pull alpine. Its documented override names the host instead.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCALE = Number(process.env.BENCH_DOCKER_SCALE ?? 1000);
const GRACE_MS = 1_000;
const PROBE = { command: 'test -f /tmp/ready', intervalMs: 1000, retries: 1 };
const run = randomBytes(3).toString('hex');
const scopes: string[] = [];
const newScope = (name: string) => {
  const scope = `bench-${name}-${run}-${scopes.length}`;
  scopes.push(scope);
  return scope;
};

const labels = (scope: string, workerId: string) => ({
  [OwnershipKeys.managedBy]: scope,
  [OwnershipKeys.workerId]: workerId,
  [OwnershipKeys.providerId]: 'bench',
  [OwnershipKeys.owner]: 'bench',
  [OwnershipKeys.expiresAt]: new Date(Date.now() + 3_600_000).toISOString(),
  [OwnershipKeys.ttlAfterFinished]: '0',
});

/** The container the Docker provider builds for the manager's workers, written by hand. */
function bareConfig(scope: string, workerId: string, healthcheck: boolean) {
  return {
    Image: IMAGE,
    Labels: labels(scope, workerId),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(healthcheck && {
      Healthcheck: {
        Test: ['CMD-SHELL', PROBE.command],
        Interval: PROBE.intervalMs * 1e6,
        Timeout: 5_000 * 1e6,
        Retries: PROBE.retries,
        StartPeriod: 0,
      },
    }),
    HostConfig: {
      NetworkMode: 'none',
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'no' },
      AutoRemove: false,
    },
  };
}

/** The name in the query and the configuration as the body (dockerode's explicit form). */
const createOptions = (name: string, body: object) =>
  ({ _query: { name }, _body: body }) as unknown as Docker.ContainerCreateOptions;

// ------------------------------------------------------------------ the three systems

type System = 'bare dockerode' | 'testcontainers' | 'manager';
const SYSTEMS: System[] = ['bare dockerode', 'testcontainers', 'manager'];

/** Bare dockerode: create, start, wait for the health event, stop, remove. */
async function bareWorkload(n: number): Promise<void> {
  const client = new Docker();
  const scope = newScope('bare');
  const events = await engineEvents(client, scope);
  await pool(n, CONCURRENCY, async (i) => {
    const workerId = `b-${i}`;
    const container = await client.createContainer(
      createOptions(`hodei_${scope}_${workerId}`, bareConfig(scope, workerId, true)),
    );
    await container.start();
    await events.when(container.id, 'healthy');
    await container
      .stop({ t: Math.ceil(GRACE_MS / 1000) })
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 304) throw error;
      });
    await container.remove({ force: true, v: true });
  });
  events.close();
}

/** testcontainers-node: GenericContainer started with a health-check wait, stopped with remove. */
async function testcontainersWorkload(n: number): Promise<void> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const scope = newScope('tc');
  await pool(n, CONCURRENCY, async (i) => {
    const container = await new GenericContainer(IMAGE)
      .withLabels(labels(scope, `t-${i}`))
      .withNetworkMode('none')
      .withHealthCheck({
        test: ['CMD-SHELL', PROBE.command],
        interval: PROBE.intervalMs,
        timeout: 5_000,
        retries: PROBE.retries,
        startPeriod: 0,
      })
      .withWaitStrategy(Wait.forHealthCheck())
      .start();
    await container.stop({ timeout: GRACE_MS, remove: true, removeVolumes: true });
  });
}

/** The manager on the Docker provider, as configured by default (log tail of 20 lines). */
async function managerWorkload(n: number): Promise<void> {
  const scope = newScope('mgr');
  const recorder = eventRecorder();
  const manager = withLifecycle(createDockerProvider({ providerId: 'bench' }), {
    scope,
    publisher: recorder,
    policy: { maxLifetime: '1h', ttlAfterCompletion: 0, gracefulTerminationTimeout: GRACE_MS },
  });
  await manager.start();
  await pool(n, CONCURRENCY, async () => {
    const record = await manager.createWorker({
      image: IMAGE,
      extensions: { docker: { healthcheck: PROBE } },
    });
    await recorder.waitFor('WorkerEphemeralReady', record.workerId);
    await manager.remove({ scope, workerId: record.workerId });
  });
  await manager.close();
}

const WORKLOADS: Record<System, (n: number) => Promise<void>> = {
  'bare dockerode': bareWorkload,
  testcontainers: testcontainersWorkload,
  manager: managerWorkload,
};

// ------------------------------------------------------------------ TTL and orphans

/** TTL deadline (ttlExpiresAt of the Terminated event) -> the engine's destroy event. */
async function ttlDelays(
  manager: ReturnType<typeof withLifecycle>,
  recorder: ReturnType<typeof eventRecorder>,
  events: Awaited<ReturnType<typeof engineEvents>>,
  count: number,
): Promise<number[]> {
  return pool(count, CONCURRENCY, async () => {
    const record = await manager.createWorker({ image: IMAGE, env: { WORKER_SLEEP: '1' } });
    const terminated = await recorder.waitFor('WorkerEphemeralTerminated', record.workerId);
    const removedAt = await events.when(record.uid, 'destroy');
    return removedAt - terminated.ttlExpiresAt!.getTime();
  });
}

/** docker rm -f of tracked workers, one at a time -> OrphanWorkerDetected. */
async function orphanDelays(
  ids: readonly { workerId: string; uid: string }[],
  recorder: ReturnType<typeof eventRecorder>,
  events: Awaited<ReturnType<typeof engineEvents>>,
): Promise<number[]> {
  const delays: number[] = [];
  for (const { workerId, uid } of ids) {
    await observer.getContainer(uid).remove({ force: true });
    const removedAt = await events.when(uid, 'destroy');
    const orphan = await recorder.waitFor('OrphanWorkerDetected', workerId);
    delays.push(orphan.seenAt - removedAt);
    await sleep(20);
  }
  return delays;
}

function lifecycleManager(scope: string, policy: Record<string, unknown>) {
  const recorder = eventRecorder();
  const manager = withLifecycle(createDockerProvider({ providerId: 'bench' }), {
    scope,
    publisher: recorder,
    policy: { maxLifetime: '1h', gracefulTerminationTimeout: GRACE_MS, ...policy },
  });
  return { manager, recorder };
}

async function latencies(samples: { ttl: number; orphans: number }) {
  const scope = newScope('lat');
  const events = await engineEvents(observer, scope);
  const { manager, recorder } = lifecycleManager(scope, {
    ttlAfterCompletion: '1s',
    orphanDetectionEnabled: true,
  });
  await manager.start();
  const ttl = await ttlDelays(manager, recorder, events, samples.ttl);
  const live = await pool(samples.orphans, CONCURRENCY, async () => {
    const record = await manager.createWorker({ image: IMAGE });
    await recorder.waitFor('WorkerEphemeralReady', record.workerId);
    return { workerId: record.workerId, uid: record.uid };
  });
  const orphans = await orphanDelays(live, recorder, events);
  await manager.close();
  events.close();
  return { ttl, orphans };
}

// ------------------------------------------------------------------ default run

async function peers() {
  const costs = new Map<System, Cost[]>(SYSTEMS.map((s) => [s, []]));
  for (const system of SYSTEMS) await WORKLOADS[system](WORKERS); // warm-up, not counted
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = SYSTEMS.map((_, i) => SYSTEMS[(i + round) % SYSTEMS.length]!);
    for (const system of order) {
      const { cost } = await measure(() => WORKLOADS[system](WORKERS));
      costs.get(system)!.push(cost);
      console.log(
        `[docker] round ${round + 1} ${system}: ${fixed(cost.seconds)} s, CPU ${fixed(cost.cpuSeconds)} s, ${cost.requests} requests`,
      );
    }
  }
  return costs;
}

async function profiles() {
  const out: Table[] = [];
  for (const system of ['manager', 'bare dockerode'] as const) {
    const { profile } = await profileOf(() => WORKLOADS[system](WORKERS));
    const saved = saveProfile(profile, `docker-${system.replace(/[^a-z]+/g, '-')}`);
    const s = summarise(profile, 10);
    out.push({
      title: `CPU profile of one ${system} round (${WORKERS} workers): self time by package`,
      columns: [
        'package (its own code)',
        'self time',
        'share',
        'package (nearest on the stack)',
        'its time',
        'its share',
      ],
      rows: profileRows(s),
      note: `Busy (sampled, not idle) time ${fixed(s.busyMs, 0)} ms; the raw profile (Chrome DevTools, or \`--cpu-prof\` tools) is saved to ${saved}. Top functions: ${s.byFunction
        .slice(0, 8)
        .map((f) => `${f.name} (${f.where}) ${fixed(f.ms, 0)} ms`)
        .join('; ')}.`,
    });
  }
  return out;
}

async function defaultRun() {
  const costs = await peers();
  const lat = await latencies({ ttl: Math.min(WORKERS, 50), orphans: Math.min(WORKERS, 30) });
  const prof = await profiles();
  const per = (c: Cost, key: 'seconds' | 'cpuSeconds' | 'requests') => c[key] / WORKERS;
  const med = (system: System, key: 'seconds' | 'cpuSeconds' | 'requests') =>
    median(costs.get(system)!.map((c) => per(c, key)));
  const paired = (system: System, key: 'seconds' | 'cpuSeconds') =>
    costs.get('manager')!.map((c, i) => c[key] / costs.get(system)![i]![key]);
  const timeRatio = median(paired('bare dockerode', 'seconds'));
  const cpuRatio = median(paired('bare dockerode', 'cpuSeconds'));
  const tcTime = median(
    costs.get('manager')!.map((c, i) => c.seconds / costs.get('testcontainers')![i]!.seconds),
  );
  const tcCpu = median(
    costs.get('manager')!.map((c, i) => c.cpuSeconds / costs.get('testcontainers')![i]!.cpuSeconds),
  );
  const kinds = (system: System) => {
    const last = costs.get(system)!;
    const total = new Map<string, number>();
    for (const c of last)
      for (const [k, v] of Object.entries(c.kinds)) total.set(k, (total.get(k) ?? 0) + v);
    return [...total].map(([k, v]) => `${k} ${fixed(v / (WORKERS * last.length), 2)}`).join(', ');
  };
  const tables: Table[] = [
    {
      title: `${WORKERS} workers created, run to healthy and removed, ${CONCURRENCY} at a time: per worker (median of ${ROUNDS} interleaved rounds)`,
      columns: [
        'system',
        'time per worker',
        'client CPU per worker',
        'engine requests per worker',
        'rounds (s)',
      ],
      rows: SYSTEMS.map((s) => [
        s,
        `${fixed(med(s, 'seconds') * 1000, 1)} ms`,
        `${fixed(med(s, 'cpuSeconds') * 1000, 2)} ms`,
        fixed(med(s, 'requests'), 2),
        costs
          .get(s)!
          .map((c) => fixed(c.seconds))
          .join(', '),
      ]),
      note: "Time per worker is the round's wall time divided by the workers (10 run at once). CPU is this process's user + system time. Requests are every HTTP request the process sent to the engine during the round, counted the same way for the three (Node's diagnostics channels).",
    },
    {
      title: "Ratios, manager against each peer (median of the rounds' ratios)",
      columns: ['ratio', 'time', 'client CPU', 'per-round values (time)'],
      rows: [
        [
          'manager / bare dockerode',
          fixed(timeRatio, 3),
          fixed(cpuRatio, 3),
          paired('bare dockerode', 'seconds')
            .map((r) => fixed(r, 3))
            .join(', '),
        ],
        [
          'manager / testcontainers',
          fixed(tcTime, 3),
          fixed(tcCpu, 3),
          costs
            .get('manager')!
            .map((c, i) => fixed(c.seconds / costs.get('testcontainers')![i]!.seconds, 3))
            .join(', '),
        ],
      ],
    },
    {
      title: 'Engine requests per worker, by kind (all counted rounds)',
      columns: ['system', 'requests'],
      rows: SYSTEMS.map((s) => [s, kinds(s)]),
    },
    {
      title: "The manager's own delays",
      columns: ['measure', 'p50 / p99'],
      rows: [
        [`TTL deadline -> container destroyed (${lat.ttl.length} workers)`, p50p99(lat.ttl)],
        [
          `docker rm -f -> OrphanWorkerDetected (${lat.orphans.length} workers)`,
          p50p99(lat.orphans),
        ],
      ],
      note: "Neither peer has a TTL or orphan detection to compare with: testcontainers' reaper removes a session's containers when the session ends, not after a TTL.",
    },
    ...prof,
  ];
  const goals: Goal[] = [
    atMost(
      'Docker: time, manager / bare dockerode',
      timeRatio,
      1.05,
      `${fixed(timeRatio, 3)} (median of ${ROUNDS} paired rounds)`,
    ),
    atMost(
      'Docker: client CPU per worker, manager / bare dockerode',
      cpuRatio,
      1.3,
      `${fixed(cpuRatio, 3)} (${fixed(med('manager', 'cpuSeconds') * 1000, 2)} / ${fixed(med('bare dockerode', 'cpuSeconds') * 1000, 2)} ms)`,
    ),
    below(
      'Docker: TTL deadline -> removed, p99',
      percentile(lat.ttl, 99),
      1000,
      `${fixed(percentile(lat.ttl, 99), 0)} ms`,
      ' ms',
    ),
  ];
  const charts: Chart[] = [
    {
      kind: 'bars',
      file: 'docker-peers.svg',
      title: `Docker: ${WORKERS} workers created, healthy, removed (median of ${ROUNDS} rounds)`,
      groups: [
        {
          label: 'time per worker',
          unit: 'ms',
          bars: SYSTEMS.map((s) => ({ label: s, value: med(s, 'seconds') * 1000 })),
        },
        {
          label: 'client CPU per worker',
          unit: 'ms',
          bars: SYSTEMS.map((s) => ({ label: s, value: med(s, 'cpuSeconds') * 1000 })),
        },
        {
          label: 'engine requests per worker',
          unit: 'count',
          bars: SYSTEMS.map((s) => ({ label: s, value: med(s, 'requests') })),
        },
      ],
    },
    {
      kind: 'distribution',
      file: 'docker-delays.svg',
      title: "Docker: the manager's delays",
      unit: 'ms',
      series: [
        { label: 'TTL deadline -> destroyed', values: lat.ttl },
        { label: 'rm -f -> OrphanWorkerDetected', values: lat.orphans },
      ],
    },
  ];
  return { tables, goals, charts };
}

// ------------------------------------------------------------------ scale

async function scaleAt(n: number) {
  // Bare: create and start n long-running containers; the time until every one runs.
  const bareScope = newScope('sbare');
  const client = new Docker();
  const bare = await measure(() =>
    pool(n, CONCURRENCY, async (i) => {
      const container = await client.createContainer(
        createOptions(`hodei_${bareScope}_b-${i}`, bareConfig(bareScope, `b-${i}`, false)),
      );
      await container.start();
      return container;
    }),
  );
  await pool(bare.result.length, CONCURRENCY, (i) =>
    bare.result[i]!.remove({ force: true, v: true }),
  );

  const scope = newScope('smgr');
  const events = await engineEvents(observer, scope);
  const interval = 5_000;
  const { manager, recorder } = lifecycleManager(scope, {
    ttlAfterCompletion: '1s',
    orphanDetectionEnabled: true,
    orphanCheckInterval: interval,
  });
  await manager.start();
  const heapBefore = settledHeap();
  const created = await measure(() =>
    pool(n, CONCURRENCY, async () => {
      const record = await manager.createWorker({ image: IMAGE });
      await recorder.waitFor('WorkerEphemeralReady', record.workerId, 600_000);
      return { workerId: record.workerId, uid: record.uid };
    }),
  );
  const heapPerWorker = (settledHeap() - heapBefore) / n;
  // Requests per resync interval, idle, with n tracked: from one resync's end to the end of
  // the `intervals`-th after it.
  const intervals = 3;
  const first = recorder.count('GarbageCollectionCompleted') + 1;
  await recorder.untilCount('GarbageCollectionCompleted', first, 120_000);
  const resync = await measure(() =>
    recorder.untilCount('GarbageCollectionCompleted', first + intervals, 300_000),
  );
  const ttl = await ttlDelays(manager, recorder, events, 30);
  const orphans = await orphanDelays(created.result.slice(0, 20), recorder, events);
  await pool(n - 20, 32, (i) =>
    manager.remove({ scope, workerId: created.result[i + 20]!.workerId }),
  );
  await manager.close();
  events.close();
  return {
    n,
    bareRate: n / bare.cost.seconds,
    managerRate: n / created.cost.seconds,
    bareCpu: bare.cost.cpuSeconds / n,
    managerCpu: created.cost.cpuSeconds / n,
    perResync: resync.cost.requests / intervals,
    resyncKinds: resync.cost.kinds,
    heapPerWorker,
    ttl,
    orphans,
  };
}

async function scaleRun() {
  const sizes = [...new Set([100, SCALE])];
  const at: Awaited<ReturnType<typeof scaleAt>>[] = [];
  for (const n of sizes) {
    console.log(`[docker] scale: ${n} containers`);
    at.push(await scaleAt(n));
  }
  const tables: Table[] = [
    {
      title: 'Docker at scale: long-running containers (no health check), created 10 at a time',
      columns: [
        'containers',
        'create rate, bare / manager (per s)',
        'ratio',
        'client CPU per worker, bare / manager',
        'requests per resync interval',
        'TTL deadline -> destroyed p50 / p99',
        'rm -f -> OrphanWorkerDetected p50 / p99',
        'manager heap per tracked worker',
      ],
      rows: at.map((s) => [
        String(s.n),
        `${fixed(s.bareRate, 1)} / ${fixed(s.managerRate, 1)}`,
        fixed(s.bareRate / s.managerRate, 3),
        `${fixed(s.bareCpu * 1000, 2)} / ${fixed(s.managerCpu * 1000, 2)} ms`,
        `${fixed(s.perResync, 1)} (${Object.entries(s.resyncKinds)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
        p50p99(s.ttl),
        p50p99(s.orphans),
        `${fixed(s.heapPerWorker, 0)} B`,
      ]),
      note: "Ratio: time per worker, manager / bare (bare create rate over the manager's). TTL and orphan delays are measured with every container of the row tracked (30 TTL samples, 20 orphans). Requests per resync interval: everything the idle manager sent over 3 intervals of 5 s, divided by 3.",
    },
  ];
  const biggest = at[at.length - 1]!;
  const goals: Goal[] = [
    atMost(
      `Docker ${biggest.n} containers: create time per worker, manager / bare`,
      biggest.bareRate / biggest.managerRate,
      1.05,
      fixed(biggest.bareRate / biggest.managerRate, 3),
    ),
    below(
      `Docker ${biggest.n} containers: TTL deadline -> removed, p99`,
      percentile(biggest.ttl, 99),
      1000,
      `${fixed(percentile(biggest.ttl, 99), 0)} ms`,
      ' ms',
    ),
    atMost(
      `Docker: requests per resync interval, ${biggest.n} / ${at[0]!.n} containers (same at every size)`,
      biggest.perResync / at[0]!.perResync,
      1,
      fixed(biggest.perResync / at[0]!.perResync, 2),
    ),
  ];
  const charts: Chart[] = [
    {
      kind: 'scale',
      file: 'docker-scale-cost.svg',
      title: 'Docker: client CPU per created worker against scale',
      xLabel: 'containers',
      yLabel: 'ms of CPU per worker',
      series: [
        {
          label: 'bare dockerode',
          points: at.map((s) => [s.n, Number((s.bareCpu * 1000).toFixed(2))]),
        },
        {
          label: 'manager',
          points: at.map((s) => [s.n, Number((s.managerCpu * 1000).toFixed(2))]),
        },
      ],
    },
    {
      kind: 'scale',
      file: 'docker-scale-heap.svg',
      title: "Docker: the manager's heap per tracked worker against scale",
      xLabel: 'containers',
      yLabel: 'bytes per worker',
      series: [{ label: 'manager', points: at.map((s) => [s.n, Math.round(s.heapPerWorker)]) }],
    },
    {
      kind: 'distribution',
      file: 'docker-scale-delays.svg',
      title: `Docker: delays with ${at.map((s) => s.n).join(' and ')} containers tracked`,
      unit: 'ms',
      series: at.flatMap((s) => [
        { label: `TTL -> destroyed, ${s.n}`, values: s.ttl },
        { label: `rm -f -> orphan, ${s.n}`, values: s.orphans },
      ]),
    },
  ];
  return { tables, goals, charts };
}

export async function runDocker(options: { scale: boolean }): Promise<SuitePart> {
  setRequestKinds(dockerRequestKind);
  await observer.ping().catch((error: Error) => {
    throw new Error(`no Docker engine answers: run tools/docker-env/bin/up (${error.message})`);
  });
  await observer.getImage(IMAGE).inspect();
  const version = await observer.version();
  try {
    const part = options.scale ? await scaleRun() : await defaultRun();
    return {
      suite: 'docker' as const,
      title: options.scale
        ? 'Docker, at scale'
        : 'Docker: the manager against bare dockerode and testcontainers-node',
      versions: {
        'Docker engine': `${version.Version} (API ${version.ApiVersion}), storage ${(await observer.info()).Driver}`,
        dockerode: packageVersion('dockerode'),
        testcontainers: `${packageVersion('testcontainers')} (without Ryuk)`,
        '@hodei/lifecycle-core': packageVersion('@hodei/lifecycle-core'),
        '@hodei/lifecycle-provider-docker': packageVersion('@hodei/lifecycle-provider-docker'),
      },
      settings: options.scale
        ? { sizes: `100, ${SCALE}`, concurrency: CONCURRENCY }
        : {
            workers: WORKERS,
            concurrency: CONCURRENCY,
            rounds: ROUNDS,
            'grace period': `${GRACE_MS} ms`,
            'health check interval': `${PROBE.intervalMs} ms`,
          },
      notes: [
        "testcontainers-node runs with TESTCONTAINERS_HOST_OVERRIDE=localhost: in a container it otherwise looks up the `bridge` network's gateway, and the test engine has no bridge network (its fallback would pull alpine).",
        'testcontainers-node runs without its Ryuk reaper (TESTCONTAINERS_RYUK_DISABLED=true): the reaper image cannot be pulled on this machine, which reaches no image registry. With Ryuk it would also start one reaper container per session.',
        'The manager runs as configured by default: it reads the last 20 log lines of each worker for its Terminated event; the peers read none.',
      ],
      ...part,
    };
  } finally {
    await purge(scopes);
  }
}
