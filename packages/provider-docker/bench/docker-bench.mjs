// Benchmarks against the real engine (tools/docker-env/bin/up), on the built packages:
//   pnpm --filter @hodei/lifecycle-provider-docker bench
// 1. N workers created, run to ready and removed through the manager, versus bare dockerode
//    with the same container configuration (goal: ratio <= 1.05).
// 2. The delay from a TTL's deadline to the container's removal (goal: p99 < 1 s).
// 3. The delay from an out-of-band removal (docker rm -f) to OrphanWorkerDetected.
// Environment: BENCH_WORKERS (default 100), BENCH_CONCURRENCY (10), BENCH_ROUNDS (5),
// HODEI_BENCH_LOG_TAIL (the manager's logTailLines, default 20).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { OwnershipKeys, withLifecycle } from '@hodei/lifecycle-core';
import { createDockerProvider } from '@hodei/lifecycle-provider-docker';
import Docker from 'dockerode';

const IMAGE = 'hodei-test-worker:1';
const WORKERS = Number(process.env.BENCH_WORKERS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GRACE_MS = 1_000;
const LOG_TAIL = Number(process.env.HODEI_BENCH_LOG_TAIL ?? 20);
const PROBE = {
  command: 'test -f /tmp/ready',
  intervalMs: Number(process.env.BENCH_PROBE_MS ?? 1000),
  retries: 1,
};
const run = randomBytes(3).toString('hex');
const docker = new Docker();
/** The bare baseline's own client, counting its requests to the engine. */
const bareDocker = new Docker();
let bareRequests = 0;
const bareDial = bareDocker.modem.dial.bind(bareDocker.modem);
bareDocker.modem.dial = (options, callback) => {
  bareRequests += 1;
  return bareDial(options, callback);
};
const scopes = [];

const newScope = (name) => {
  const scope = `bench-${name}-${run}`;
  scopes.push(scope);
  return scope;
};

/** Runs `task(i)` for i < count, `limit` at a time. */
async function pool(count, limit, task) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  });
  await Promise.all(lanes);
}

const percentile = (values, p) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, rank)];
};

/** Engine events of a scope: resolves waiters on (uid, action). */
async function engineEvents(scope) {
  const stream = await docker.getEvents({
    filters: {
      type: ['container'],
      label: [`${OwnershipKeys.managedBy}=${scope}`],
      event: ['destroy', 'health_status'],
    },
  });
  const seen = new Map();
  const waiters = new Map();
  let pending = '';
  stream.on('data', (chunk) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (!line.trim()) continue;
      const event = JSON.parse(line);
      const action = event.Action.startsWith('health_status: healthy') ? 'healthy' : event.Action;
      const key = `${event.Actor.ID}:${action}`;
      const at = event.timeNano / 1e6;
      seen.set(key, at);
      waiters.get(key)?.(at);
      waiters.delete(key);
    }
  });
  stream.on('error', () => {});
  return {
    /** Resolves with the engine time (ms) of the event. */
    when(uid, action, timeoutMs = 60_000) {
      const key = `${uid}:${action}`;
      if (seen.has(key)) return Promise.resolve(seen.get(key));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${action} of ${uid}`)),
          timeoutMs,
        );
        waiters.set(key, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
    close: () => stream.destroy(),
  };
}

/** Resolves with the first event matching; rejects after timeoutMs, saying what it waited for. */
function eventWaiter() {
  const events = [];
  const waiters = new Set();
  return {
    publish(event) {
      events.push(event);
      for (const waiter of waiters) if (waiter.accepts(event)) waiter.resolve(event);
    },
    events,
    waitFor(type, workerId, timeoutMs = 60_000) {
      const accepts = (e) => e.type === type && e.workerId === workerId;
      const found = events.find(accepts);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          accepts,
          resolve: (e) => {
            waiters.delete(waiter);
            clearTimeout(timer);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${type} of ${workerId}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

// ------------------------------------------------------------------ 1. overhead

/** The container the provider builds for worker() (see src/container-config.ts). */
function bareConfig(scope, workerId) {
  return {
    Image: IMAGE,
    Env: [],
    Labels: {
      [OwnershipKeys.managedBy]: scope,
      [OwnershipKeys.workerId]: workerId,
      [OwnershipKeys.providerId]: 'bench',
      [OwnershipKeys.owner]: 'bench',
      [OwnershipKeys.expiresAt]: new Date(Date.now() + 3_600_000).toISOString(),
      [OwnershipKeys.ttlAfterFinished]: '0',
    },
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Healthcheck: {
      Test: ['CMD-SHELL', PROBE.command],
      Interval: PROBE.intervalMs * 1e6,
      Timeout: 5_000 * 1e6,
      Retries: PROBE.retries,
      StartPeriod: 0,
    },
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

async function bareRound() {
  const scope = newScope('bare');
  const events = await engineEvents(scope);
  const started = performance.now();
  await pool(WORKERS, CONCURRENCY, async (i) => {
    const workerId = `b-${i}`;
    const container = await bareDocker.createContainer({
      _query: { name: `hodei_${scope}_${workerId}` },
      _body: bareConfig(scope, workerId),
    });
    await container.start();
    await events.when(container.id, 'healthy');
    await container.stop({ t: Math.ceil(GRACE_MS / 1000) }).catch((error) => {
      if (error.statusCode !== 304) throw error;
    });
    await container.remove({ force: true, v: true });
  });
  const seconds = (performance.now() - started) / 1000;
  events.close();
  return seconds;
}

/** Engine requests per kind ("POST /containers/{id}/start") in the manager rounds. */
const managerRequests = new Map();
function count({ method, path }) {
  const kind = `${method} ${path.replace(/\?.*$/, '').replace(/^\/containers\/(?!create$|json$)[^/]+/, '/containers/{id}')}`;
  managerRequests.set(kind, (managerRequests.get(kind) ?? 0) + 1);
}

async function managerRound() {
  const scope = newScope('mgr');
  const recorder = eventWaiter();
  const manager = withLifecycle(createDockerProvider({ providerId: 'bench', onRequest: count }), {
    scope,
    publisher: recorder,
    policy: { maxLifetime: '1h', ttlAfterCompletion: 0, gracefulTerminationTimeout: GRACE_MS },
    // The manager reads the last log lines for each Terminated event; bare dockerode reads none.
    logTailLines: LOG_TAIL,
  });
  await manager.start();
  const started = performance.now();
  await pool(WORKERS, CONCURRENCY, async () => {
    const record = await manager.createWorker({
      image: IMAGE,
      extensions: { docker: { healthcheck: PROBE } },
    });
    await recorder.waitFor('WorkerEphemeralReady', record.workerId);
    await manager.remove({ scope, workerId: record.workerId });
  });
  const seconds = (performance.now() - started) / 1000;
  await manager.close();
  return seconds;
}

// ------------------------------------------------------------------ 2. TTL delay

async function ttlDelays(count) {
  const scope = newScope('ttl');
  const engine = await engineEvents(scope);
  const recorder = eventWaiter();
  const manager = withLifecycle(createDockerProvider({ providerId: 'bench' }), {
    scope,
    publisher: recorder,
    policy: { maxLifetime: '1h', ttlAfterCompletion: '1s', gracefulTerminationTimeout: GRACE_MS },
  });
  await manager.start();
  const delays = [];
  await pool(count, CONCURRENCY, async () => {
    const record = await manager.createWorker({
      image: IMAGE,
      env: { WORKER_SLEEP: '1' },
    });
    const terminated = await recorder.waitFor('WorkerEphemeralTerminated', record.workerId);
    const removedAt = await engine.when(record.uid, 'destroy');
    delays.push(removedAt - terminated.ttlExpiresAt.getTime());
  });
  await manager.close();
  engine.close();
  return delays;
}

// ------------------------------------------------------------------ 3. orphan delay

async function orphanDelays(count) {
  const scope = newScope('orphan');
  const engine = await engineEvents(scope);
  const recorder = eventWaiter();
  const manager = withLifecycle(createDockerProvider({ providerId: 'bench' }), {
    scope,
    publisher: recorder,
    policy: { maxLifetime: '1h', ttlAfterCompletion: 0, orphanDetectionEnabled: true },
  });
  await manager.start();
  const records = [];
  await pool(count, CONCURRENCY, async () => {
    const record = await manager.createWorker({ image: IMAGE });
    await recorder.waitFor('WorkerEphemeralReady', record.workerId);
    records.push(record);
  });
  const delays = [];
  for (const record of records) {
    await docker.getContainer(record.uid).remove({ force: true });
    const removedAt = await engine.when(record.uid, 'destroy');
    const orphan = await recorder.waitFor('OrphanWorkerDetected', record.workerId);
    delays.push(orphan.occurredAt.getTime() - removedAt);
    await delay(20);
  }
  await manager.close();
  engine.close();
  return delays;
}

// ------------------------------------------------------------------ main

async function purge() {
  for (const scope of scopes) {
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${OwnershipKeys.managedBy}=${scope}`] },
    });
    for (const info of left) {
      await docker
        .getContainer(info.Id)
        .remove({ force: true, v: true })
        .catch(() => {});
    }
  }
}

async function main() {
  await docker.ping().catch((error) => {
    throw new Error(`no Docker engine answers: run tools/docker-env/bin/up (${error.message})`);
  });
  await docker.getImage(IMAGE).inspect();
  console.log(
    `docker bench: ${WORKERS} workers, ${CONCURRENCY} at a time, ${ROUNDS} rounds per mode, manager logTailLines ${LOG_TAIL} (HODEI_BENCH_LOG_TAIL)`,
  );
  const bare = [];
  const managed = [];
  // Interleaved rounds, so a drift of the engine affects both modes alike.
  // Warm-up, not counted: one round of each mode, so neither pays for first-run costs (JIT,
  // the engine's caches) in a counted round.
  await bareRound();
  await managerRound();
  // CPU of this process (user + system) per round: the client's own cost, which shares the
  // machine with the engine.
  const cpu = { bare: [], managed: [] };
  const cpuOf = async (round) => {
    const before = process.cpuUsage();
    const seconds = await round();
    const used = process.cpuUsage(before);
    return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  };
  for (let round = 0; round < ROUNDS; round++) {
    const b = await cpuOf(bareRound);
    bare.push(b.seconds);
    cpu.bare.push(b.cpuSeconds);
    const m = await cpuOf(managerRound);
    managed.push(m.seconds);
    cpu.managed.push(m.cpuSeconds);
  }
  const best = (values) => Math.min(...values);
  console.log(`overhead rounds done: bare ${bare.join(', ')} s; manager ${managed.join(', ')} s`);
  const ttl = await ttlDelays(Math.min(WORKERS, 50));
  console.log('TTL delays measured');
  const orphans = await orphanDelays(Math.min(WORKERS, 30));
  const ratio = best(managed) / best(bare);
  // Each manager round runs right after a bare one: their ratio cancels slow drifts of the
  // machine's load, which on a shared 2-core host move whole rounds by 10-15%.
  const paired = managed.map((seconds, i) => seconds / bare[i]);
  // Both counts include the warm-up rounds: ROUNDS + 1 rounds of each mode.
  const counted = WORKERS * (ROUNDS + 1);
  const barePerWorker = bareRequests / counted;
  const perWorker = [...managerRequests]
    .filter(([kind]) => kind !== 'GET /events' && kind !== 'GET /containers/json')
    .map(([kind, n]) => `${kind} ${(n / counted).toFixed(2)}`);
  const perWorkerTotal =
    [...managerRequests]
      .filter(([kind]) => kind !== 'GET /events' && kind !== 'GET /containers/json')
      .reduce((sum, [, n]) => sum + n, 0) / counted;

  const rows = [
    ['measure', 'result', 'goal'],
    [
      `${WORKERS} workers create -> ready -> remove, bare dockerode (best of ${ROUNDS})`,
      `${best(bare).toFixed(2)} s  (rounds: ${bare.map((s) => s.toFixed(2)).join(', ')})`,
      '',
    ],
    [
      `${WORKERS} workers create -> ready -> remove, through the manager (best of ${ROUNDS})`,
      `${best(managed).toFixed(2)} s  (rounds: ${managed.map((s) => s.toFixed(2)).join(', ')})`,
      '',
    ],
    ['ratio manager / bare (best of each)', ratio.toFixed(3), '<= 1.05'],
    [
      'ratio manager / bare (median of the rounds run back to back)',
      `${percentile(paired, 50).toFixed(3)}  (rounds: ${paired.map((r) => r.toFixed(3)).join(', ')})`,
      '<= 1.05',
    ],
    [
      'engine requests per worker, bare / manager (besides one event stream and list per round)',
      `${barePerWorker.toFixed(2)} / ${perWorkerTotal.toFixed(2)}  (${perWorker.join(', ')})`,
      '',
    ],
    [
      'CPU of the client process per round, bare / manager (median)',
      `${percentile(cpu.bare, 50).toFixed(2)} s / ${percentile(cpu.managed, 50).toFixed(2)} s`,
      '',
    ],
    [
      `TTL deadline -> container removed (${ttl.length} workers), p50 / p99`,
      `${percentile(ttl, 50).toFixed(0)} ms / ${percentile(ttl, 99).toFixed(0)} ms`,
      'p99 < 1000 ms',
    ],
    [
      `docker rm -f -> OrphanWorkerDetected (${orphans.length} workers), p50 / p99`,
      `${percentile(orphans, 50).toFixed(0)} ms / ${percentile(orphans, 99).toFixed(0)} ms`,
      '',
    ],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(rows[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}

try {
  await main();
} finally {
  await purge();
}
process.exit(0);
