// Benchmarks of the Kubernetes provider on the real API server of tools/k8s-env
// (pnpm --filter @hodei/lifecycle-provider-kubernetes bench). Prints one table.
//
//  1. N pods (default 500) created, run to Running and deleted: through the manager versus bare
//     @kubernetes/client-node (same concurrency, same grace period), as a ratio (goal <= 1.05).
//     Rounds alternate bare and manager (HODEI_BENCH_ROUNDS, default 3); the ratio of each
//     pair cancels slow drifts of a shared machine. Both make their calls CONCURRENCY at a
//     time: bare through its lanes, the manager through its `concurrency` option, as the
//     manager's remove resolves only once the pod is gone (a lane per remove would wait out
//     each deletion, which the bare code, deleting all and then waiting, does not).
//  2. API requests per resync interval with 10, 100 and 500 pods (goal: the same at every size).
//  3. Delay from a TTL's deadline to the DELETE request, and from an out-of-band delete to
//     OrphanWorkerDetected (p50, p99; goal p99 < 1 s).
//
// Env: HODEI_K8S_KUBECONFIG (admin kubeconfig), HODEI_BENCH_PODS (default 500),
// HODEI_BENCH_SAMPLES (latency samples, default 50), HODEI_BENCH_ROUNDS (default 3),
// HODEI_BENCH_LOG_TAIL (the manager's logTailLines, default 20).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { withLifecycle } from '@hodei/lifecycle-core';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createKubernetesProvider } from '../dist/index.js';

const KUBECONFIG = process.env.HODEI_K8S_KUBECONFIG ?? '/tmp/hodei-k8s-env/admin.kubeconfig';
const N = Number(process.env.HODEI_BENCH_PODS ?? 500);
const LOG_TAIL = Number(process.env.HODEI_BENCH_LOG_TAIL ?? 20);
const SAMPLES = Number(process.env.HODEI_BENCH_SAMPLES ?? 50);
const ROUNDS = Number(process.env.HODEI_BENCH_ROUNDS ?? 3);
const CONCURRENCY = 32;
const GRACE_S = 1;
const kubeconfigText = readFileSync(KUBECONFIG, 'utf8');
const kc = new KubeConfig();
kc.loadFromString(kubeconfigText);
const core = kc.makeApiClient(CoreV1Api);
/** The bare baseline's own client, counting its requests (client-node authenticates each). */
const bareKc = new KubeConfig();
bareKc.loadFromString(kubeconfigText);
const bareRequests = { perPod: 0, lists: 0 };
let countingBare = false;
const authenticate = bareKc.applySecurityAuthentication.bind(bareKc);
bareKc.applySecurityAuthentication = (context) => {
  if (countingBare) {
    if (context.getHttpMethod?.() === 'GET') bareRequests.lists += 1;
    else bareRequests.perPod += 1;
  }
  return authenticate(context);
};
const bareCore = bareKc.makeApiClient(CoreV1Api);
const hex = () => randomBytes(3).toString('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rows = [];

async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

async function until(what, check, timeoutMs = 300_000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function newNamespace(prefix) {
  const name = `${prefix}-${hex()}`;
  await core.createNamespace({ body: { metadata: { name } } });
  await until(`ServiceAccount ${name}/default`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(
      () => true,
      () => false,
    ),
  );
  return name;
}

async function dropNamespace(namespace) {
  const pods = await core.listNamespacedPod({ namespace }).catch(() => ({ items: [] }));
  await mapLimit(pods.items, CONCURRENCY, (p) =>
    core
      .deleteNamespacedPod({ name: p.metadata.name, namespace, gracePeriodSeconds: 0 })
      .catch(() => undefined),
  );
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}

const podBody = (name) => ({
  metadata: { name, labels: { bench: 'bare' } },
  spec: {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: GRACE_S,
    containers: [{ name: 'worker', image: 'busybox:1.36', command: ['sleep', '3600'] }],
  },
});

// ------------------------------------------------------------------ 1. bare client-node

async function bareRun(n) {
  const namespace = await newNamespace('bench-bare');
  try {
    countingBare = true;
    const started = performance.now();
    const names = Array.from({ length: n }, (_, i) => `bare-${i}`);
    await mapLimit(names, CONCURRENCY, (name) =>
      bareCore.createNamespacedPod({ namespace, body: podBody(name) }),
    );
    await until(`${n} bare pods Running`, async () => {
      const list = await bareCore.listNamespacedPod({ namespace });
      return list.items.filter((p) => p.status?.phase === 'Running').length === n;
    });
    await mapLimit(names, CONCURRENCY, (name) =>
      bareCore.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: GRACE_S }),
    );
    await until(`${n} bare pods gone`, async () => {
      const list = await bareCore.listNamespacedPod({ namespace });
      return list.items.length === 0;
    });
    const elapsed = performance.now() - started;
    countingBare = false;
    return elapsed;
  } finally {
    await dropNamespace(namespace);
  }
}

// ------------------------------------------------------------------ the manager

function managed(namespace, policy, extra = {}) {
  const requests = [];
  const events = [];
  const provider = createKubernetesProvider({
    namespace,
    kubeconfig: kubeconfigText,
    providerId: 'bench',
    defaultGracePeriodMs: GRACE_S * 1000,
    onRequest: (r) => requests.push({ at: performance.now(), wall: Date.now(), ...r }),
  });
  const manager = withLifecycle(provider, {
    scope: `bench-${hex()}`,
    policy: { maxLifetime: '1h', gracefulTerminationTimeout: `${GRACE_S}s`, ...policy },
    publisher: { publish: (e) => void events.push({ ...e, seenAt: Date.now() }) },
    concurrency: CONCURRENCY,
    // The manager's default: the last 20 log lines for each Terminated event, which the bare
    // client does not read (HODEI_BENCH_LOG_TAIL=0 measures without them).
    logTailLines: LOG_TAIL,
    ...extra,
  });
  return { manager, provider, requests, events };
}

async function managerRun(n) {
  const namespace = await newNamespace('bench-mgr');
  const { manager, events, requests } = managed(namespace, {});
  try {
    await manager.start();
    const started = performance.now();
    const from = requests.length;
    const ids = Array.from({ length: n }, (_, i) => `m-${i}`);
    await mapLimit(ids, CONCURRENCY, (workerId) =>
      manager.createWorker({ image: 'busybox:1.36', command: ['sleep', '3600'] }, { workerId }),
    );
    await until(
      `${n} managed workers Ready`,
      async () => manager.workers().filter((w) => w.state === 'Ready').length === n,
    );
    // All at once: the manager makes its calls `concurrency` (CONCURRENCY) at a time.
    await Promise.all(ids.map((workerId) => manager.remove({ scope: manager.scope, workerId })));
    const elapsed = performance.now() - started;
    const cleaned = events.filter((e) => e.type === 'WorkerEphemeralCleanedUp').length;
    if (cleaned !== n) throw new Error(`expected ${n} CleanedUp events, got ${cleaned}`);
    // Requests per pod, by kind (the watch and the resync lists are per manager, not per pod).
    const kinds = new Map();
    for (const r of requests.slice(from)) {
      if (r.watch || r.path.includes('labelSelector')) continue;
      const kind = `${r.method} ${r.path.replace(/\?.*$/, '').replace(/^.*\/pods(\/[^/]+)?/, (_, name) => (name ? 'pods/{name}' : 'pods'))}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    return { elapsed, kinds };
  } finally {
    await manager.close();
    await dropNamespace(namespace);
  }
}

// ------------------------------------------------------------------ 2. requests per resync

async function requestsPerResync(sizes) {
  const namespace = await newNamespace('bench-resync');
  const interval = 1_000;
  const { manager, requests, events } = managed(namespace, {
    orphanDetectionEnabled: true,
    orphanCheckInterval: interval,
  });
  const result = [];
  try {
    await manager.start();
    let made = 0;
    for (const size of sizes) {
      await mapLimit(Array.from({ length: size - made }), CONCURRENCY, () =>
        manager.createWorker({ image: 'busybox:1.36', command: ['sleep', '3600'] }),
      );
      made = size;
      await until(
        `${size} workers Ready`,
        async () => manager.workers().filter((w) => w.state === 'Ready').length === size,
      );
      await sleep(2 * interval); // let status updates settle
      const gcBefore = events.filter((e) => e.type === 'GarbageCollectionCompleted').length;
      const from = requests.length;
      const intervals = 5;
      await until(
        `${intervals} resyncs`,
        async () =>
          events.filter((e) => e.type === 'GarbageCollectionCompleted').length >=
          gcBefore + intervals,
      );
      const made_ = requests.slice(from);
      result.push({
        size,
        perInterval: made_.length / intervals,
        lists:
          made_.filter((r) => r.method === 'GET' && r.path.includes('labelSelector') && !r.watch)
            .length / intervals,
      });
    }
  } finally {
    await manager.close();
    await dropNamespace(namespace);
  }
  return result;
}

// ------------------------------------------------------------------ 3. latencies

async function ttlDelays(samples) {
  const namespace = await newNamespace('bench-ttl');
  const { manager, requests, events } = managed(namespace, { ttlAfterCompletion: '1s' });
  try {
    await manager.start();
    const records = await mapLimit(Array.from({ length: samples }), CONCURRENCY, () =>
      manager.createWorker({
        image: 'busybox:1.36',
        annotations: { 'test.hodei.io/exit-code': '0', 'test.hodei.io/run-for': '2s' },
      }),
    );
    await until(
      `${samples} TTL cleanups`,
      async () => events.filter((e) => e.type === 'WorkerEphemeralCleanedUp').length === samples,
    );
    return records.map((record) => {
      const terminated = events.find(
        (e) => e.type === 'WorkerEphemeralTerminated' && e.workerId === record.workerId,
      );
      const del = requests.find(
        (r) => r.method === 'DELETE' && r.path.includes(`/pods/${record.workerId}-`),
      );
      return del.wall - terminated.ttlExpiresAt.getTime();
    });
  } finally {
    await manager.close();
    await dropNamespace(namespace);
  }
}

async function orphanDelays(samples) {
  const namespace = await newNamespace('bench-orphan');
  const { manager, events } = managed(namespace, {});
  try {
    await manager.start();
    const records = await mapLimit(Array.from({ length: samples }), CONCURRENCY, () =>
      manager.createWorker({ image: 'busybox:1.36', command: ['sleep', '3600'] }),
    );
    await until(
      `${samples} workers Ready`,
      async () => manager.workers().filter((w) => w.state === 'Ready').length === samples,
    );
    const delays = [];
    for (const record of records) {
      const pods = await core.listNamespacedPod({
        namespace,
        labelSelector: `hodei.io/worker-id=${record.workerId}`,
      });
      const deletedAt = Date.now();
      await core.deleteNamespacedPod({
        name: pods.items[0].metadata.name,
        namespace,
        gracePeriodSeconds: 0,
      });
      const orphan = await until(
        `OrphanWorkerDetected for ${record.workerId}`,
        async () =>
          events.find((e) => e.type === 'OrphanWorkerDetected' && e.workerId === record.workerId),
        10_000,
        5,
      );
      delays.push(orphan.seenAt - deletedAt);
    }
    return delays;
  } finally {
    await manager.close();
    await dropNamespace(namespace);
  }
}

// ------------------------------------------------------------------ run

const t0 = Date.now();
const bare = [];
const viaManager = [];
let kinds = new Map();
// CPU of this process (user + system) per round: the client's own cost.
const cpu = { bare: [], managed: [] };
const cpuSince = (before) => {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
};
for (let round = 0; round < ROUNDS; round++) {
  let before = process.cpuUsage();
  bare.push(await bareRun(N));
  cpu.bare.push(cpuSince(before));
  before = process.cpuUsage();
  const run = await managerRun(N);
  cpu.managed.push(cpuSince(before));
  viaManager.push(run.elapsed);
  kinds = run.kinds;
}
const paired = viaManager.map((ms, i) => ms / bare[i]);
const seconds = (values) => values.map((ms) => (ms / 1000).toFixed(2)).join(', ');
rows.push([
  `${N} pods: create, Running, delete (${ROUNDS} rounds each)`,
  `bare ${seconds(bare)} s; manager ${seconds(viaManager)} s`,
  `ratio ${percentile(paired, 50).toFixed(3)} (median of pairs ${paired.map((r) => r.toFixed(3)).join(', ')}; best of each ${(Math.min(...viaManager) / Math.min(...bare)).toFixed(3)})`,
  '<= 1.05',
]);
rows.push([
  'API requests per pod, bare / manager (bare also polls a list every 200 ms)',
  `${(bareRequests.perPod / (N * ROUNDS)).toFixed(2)} (+ ${(bareRequests.lists / ROUNDS).toFixed(0)} lists per round) / ${([...kinds.values()].reduce((a, b) => a + b, 0) / N).toFixed(2)} (${[...kinds].map(([kind, count]) => `${kind} ${(count / N).toFixed(2)}`).join(', ')})`,
  '',
  '',
]);
rows.push([
  'CPU of the client process per round, bare / manager (median)',
  `${percentile(cpu.bare, 50).toFixed(2)} s / ${percentile(cpu.managed, 50).toFixed(2)} s`,
  '',
  '',
]);
const resync = await requestsPerResync(
  [...new Set([10, 100, N].filter((size) => size <= N))].sort((a, b) => a - b),
);
for (const r of resync) {
  rows.push([
    `requests per resync interval, ${r.size} pods`,
    `${r.perInterval.toFixed(2)} (lists ${r.lists.toFixed(2)})`,
    '',
    'same at every size',
  ]);
}
const ttl = await ttlDelays(SAMPLES);
rows.push([
  `TTL deadline -> DELETE (${SAMPLES} workers)`,
  `p50 ${percentile(ttl, 50)} ms, p99 ${percentile(ttl, 99)} ms`,
  '',
  'p99 < 1000 ms',
]);
const orphan = await orphanDelays(SAMPLES);
rows.push([
  `out-of-band delete -> OrphanWorkerDetected (${SAMPLES})`,
  `p50 ${percentile(orphan, 50)} ms, p99 ${percentile(orphan, 99)} ms`,
  '',
  'p99 < 1000 ms',
]);

const widths = [0, 1, 2, 3].map((i) =>
  Math.max(...[['measure', 'result', '', 'goal'], ...rows].map((r) => String(r[i]).length)),
);
const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
console.log(
  `\nKubernetes provider benchmark (${kc.getCurrentCluster()?.server}), ${((Date.now() - t0) / 1000).toFixed(0)} s, manager logTailLines ${LOG_TAIL} (HODEI_BENCH_LOG_TAIL)`,
);
console.log(line(['measure', 'result', '', 'goal']));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
