/**
 * Kubernetes, on the real API server of tools/k8s-env (kwok plays the node).
 *
 * Default:
 *  1. N pods (500) created, run to Running and deleted: the manager against the strong bare
 *     baseline, @kubernetes/client-node with an informer (list + watch, as an experienced user
 *     writes it), the same concurrency (32) and grace period (1 s), in interleaved rounds. Time,
 *     API requests and client CPU per pod of both; the ratio within the run (goal <= 1.05).
 *  2. Kubernetes' own TTL against the manager's: SAMPLES (100) Jobs with ttlSecondsAfterFinished
 *     (kube-controller-manager's TTL-after-finished controller) against the manager's
 *     ttlAfterCompletion on bare pods, same pod, same TTL: pod finished + TTL -> deletion.
 *  3. Jobs' activeDeadlineSeconds (the job controller) against the manager's maxLifetime:
 *     deadline -> the pod stopped.
 *  4. The manager's requests per resync interval at 10, 100 and N pods, and out-of-band delete
 *     -> OrphanWorkerDetected.
 * Every delay in 2 and 3 is seen by the same observer (its own informer), so both systems are
 * measured alike.
 *
 * --scale: at 500 and HODEI_BENCH_K8S_SCALE (5,000) pods under one manager: create throughput
 * against the informer baseline, requests per resync interval, TTL deadline -> deletion,
 * out-of-band delete -> OrphanWorkerDetected, and the manager's heap per tracked worker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { withLifecycle } from '@hodei/lifecycle-core';
import { createKubernetesProvider } from '@hodei/lifecycle-provider-kubernetes';
import {
  CoreV1Api,
  makeInformer,
  type V1Job,
  type V1Pod,
  VersionApi,
} from '@kubernetes/client-node';
import { type Cost, measure, setRequestKinds, settledHeap } from '../lib/cost.ts';
import { eventRecorder } from '../lib/events.ts';
import { packageVersion } from '../lib/machine.ts';
import { deferred, pollUntil, pool } from '../lib/pool.ts';
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
import {
  batch,
  controllerManagerThrottling,
  core,
  dropNamespace,
  hex,
  KUBECONFIG_PATH,
  kubeConfig,
  kubeconfigText,
  kubeRequestKind,
  newNamespace,
  observe,
} from './cluster.ts';

const PODS = Number(process.env.HODEI_BENCH_PODS ?? 500);
const ROUNDS = Number(process.env.HODEI_BENCH_ROUNDS ?? 3);
const SAMPLES = Number(process.env.HODEI_BENCH_SAMPLES ?? 100);
const SCALE = Number(process.env.HODEI_BENCH_K8S_SCALE ?? 5000);
const CONCURRENCY = 32;
const GRACE_S = 1;
const TTL_S = 1;
const DEADLINE_S = 3;
const IMAGE = 'busybox:1.36';
const namespaces: string[] = [];

async function namespace(prefix: string): Promise<string> {
  const ns = await newNamespace(prefix);
  namespaces.push(ns);
  return ns;
}

async function drop(ns: string): Promise<void> {
  await dropNamespace(ns);
  namespaces.splice(namespaces.indexOf(ns), 1);
}

const podBody = (name: string) => ({
  metadata: { name, labels: { bench: 'informer' } },
  spec: {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: GRACE_S,
    containers: [{ name: 'worker', image: IMAGE, command: ['sleep', '3600'] }],
  },
});

// ------------------------------------------------------------------ the two systems

/**
 * The bare baseline: client-node with an informer on the namespace's pods. Creates n pods,
 * waits until the informer has seen each Running, deletes them, waits until it has seen each
 * deleted. Returns the pods' names once they run, for `keep` (the scale run keeps them).
 */
async function informerWorkload(ns: string, n: number, keep = false) {
  const kc = kubeConfig();
  const api = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${ns}/pods`, () =>
    api.listNamespacedPod({ namespace: ns }),
  );
  const running = new Set<string>();
  const gone = new Set<string>();
  const allRunning = deferred<void>(`${n} pods Running (informer)`, 600_000);
  const allGone = deferred<void>(`${n} pods deleted (informer)`, 600_000);
  const onChange = (pod: V1Pod) => {
    if (pod.status?.phase === 'Running' && !running.has(pod.metadata!.name!)) {
      running.add(pod.metadata!.name!);
      if (running.size === n) allRunning.resolve();
    }
  };
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('delete', (pod) => {
    gone.add(pod.metadata!.name!);
    if (gone.size === n) allGone.resolve();
  });
  informer.on('error', (error) => allRunning.reject(new Error(`informer failed: ${error}`)));
  await informer.start();
  const names = Array.from({ length: n }, (_, i) => `inf-${i}`);
  const created = await measure(async () => {
    await pool(n, CONCURRENCY, (i) =>
      api.createNamespacedPod({ namespace: ns, body: podBody(names[i]!) }),
    );
    await allRunning.promise;
  });
  if (keep) return { created: created.cost, informer };
  await pool(n, CONCURRENCY, (i) =>
    api.deleteNamespacedPod({ name: names[i]!, namespace: ns, gracePeriodSeconds: GRACE_S }),
  );
  await allGone.promise;
  await informer.stop();
  return { created: created.cost, informer: undefined };
}

function lifecycleManager(ns: string, policy: Record<string, unknown>) {
  const recorder = eventRecorder();
  const manager = withLifecycle(
    createKubernetesProvider({
      namespace: ns,
      kubeconfig: kubeconfigText(),
      providerId: 'bench',
      defaultGracePeriodMs: GRACE_S * 1000,
    }),
    {
      scope: `bench-${hex()}`,
      policy: { maxLifetime: '1h', gracefulTerminationTimeout: `${GRACE_S}s`, ...policy },
      publisher: recorder,
      concurrency: CONCURRENCY,
    },
  );
  return { manager, recorder };
}

/** The manager, as configured by default (log tail of 20 lines on Terminated). */
async function managerWorkload(ns: string, n: number) {
  const { manager, recorder } = lifecycleManager(ns, {});
  await manager.start();
  const ids = Array.from({ length: n }, (_, i) => `m-${i}`);
  await pool(n, CONCURRENCY, (i) =>
    manager.createWorker({ image: IMAGE, command: ['sleep', '3600'] }, { workerId: ids[i]! }),
  );
  await recorder.untilCount('WorkerEphemeralReady', n);
  // All at once: the manager makes its calls `concurrency` (32) at a time; each remove resolves
  // once the pod is gone.
  await Promise.all(ids.map((workerId) => manager.remove({ scope: manager.scope, workerId })));
  const cleaned = recorder.count('WorkerEphemeralCleanedUp');
  if (cleaned !== n) throw new Error(`expected ${n} CleanedUp events, got ${cleaned}`);
  await manager.close();
}

type System = 'informer' | 'manager';
const SYSTEMS: System[] = ['informer', 'manager'];

async function roundOf(system: System, n: number): Promise<Cost> {
  const ns = await namespace(`bench-${system === 'manager' ? 'mgr' : 'inf'}`);
  try {
    const { cost } = await measure(() =>
      system === 'manager' ? managerWorkload(ns, n) : informerWorkload(ns, n).then(() => {}),
    );
    return cost;
  } finally {
    await drop(ns);
  }
}

async function peers() {
  const costs = new Map<System, Cost[]>(SYSTEMS.map((s) => [s, []]));
  for (const system of SYSTEMS) await roundOf(system, Math.min(PODS, 100)); // warm-up
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? SYSTEMS : [...SYSTEMS].reverse();
    for (const system of order) {
      const cost = await roundOf(system, PODS);
      costs.get(system)!.push(cost);
      console.log(
        `[kubernetes] round ${round + 1} ${system}: ${fixed(cost.seconds)} s, CPU ${fixed(cost.cpuSeconds)} s, ${cost.requests} requests`,
      );
    }
  }
  return costs;
}

// ------------------------------------------------------------------ Kubernetes' own controllers

const jobBody = (name: string, kind: 'ttl' | 'deadline'): V1Job => ({
  metadata: { name },
  spec: {
    backoffLimit: 0,
    ...(kind === 'ttl'
      ? { ttlSecondsAfterFinished: TTL_S }
      : { activeDeadlineSeconds: DEADLINE_S }),
    template: {
      metadata: {
        annotations: (kind === 'ttl'
          ? { 'test.hodei.io/exit-code': '0', 'test.hodei.io/run-for': '2s' }
          : {}) as Record<string, string>,
      },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: GRACE_S,
        containers: [{ name: 'worker', image: IMAGE, command: ['sleep', '3600'] }],
      },
    },
  },
});

/** TTL: pod finished (as observed) + TTL -> the pod's deletion (as observed), per system. */
async function ttlComparison(samples: number) {
  const result: Record<'Job ttlSecondsAfterFinished' | 'manager ttlAfterCompletion', number[]> = {
    'Job ttlSecondsAfterFinished': [],
    'manager ttlAfterCompletion': [],
  };
  // The Job's delay in three parts, each seen: the job controller marks the Job Complete, the
  // TTL controller deletes it (in the foreground), the garbage collector deletes its pod.
  const jobParts = { complete: [] as number[], ttl: [] as number[], collected: [] as number[] };
  const throttledBefore = await controllerManagerThrottling();
  let throttled: { seconds: number; requests: number } | undefined;
  {
    const ns = await namespace('bench-jobttl');
    const seen = await observe(ns);
    await pool(samples, CONCURRENCY, (i) =>
      batch.createNamespacedJob({ namespace: ns, body: jobBody(`ttl-${i}`, 'ttl') }),
    );
    await pollUntil(
      `${samples} Job pods deleted by the TTL-after-finished controller`,
      () =>
        [...seen.pods.values()].filter((p) => seen.deletedAt(p) !== undefined).length >= samples,
      { timeoutMs: 300_000, intervalMs: 200 },
    );
    for (const p of seen.pods.values()) {
      result['Job ttlSecondsAfterFinished'].push(seen.deletedAt(p)! - p.finishedAt! - TTL_S * 1000);
      const job = seen.jobs.get(p.job!);
      if (job?.finishedAt !== undefined) jobParts.complete.push(job.finishedAt - p.finishedAt!);
      if (job?.finishedAt !== undefined && job.deletingAt !== undefined) {
        jobParts.ttl.push(job.deletingAt - job.finishedAt - TTL_S * 1000);
        jobParts.collected.push(seen.deletedAt(p)! - job.deletingAt);
      }
    }
    const after = await controllerManagerThrottling();
    if (throttledBefore && after) {
      throttled = {
        seconds: after.seconds - throttledBefore.seconds,
        requests: after.requests - throttledBefore.requests,
      };
    }
    await seen.stop();
    await drop(ns);
  }
  {
    const ns = await namespace('bench-mgrttl');
    const seen = await observe(ns);
    const { manager, recorder } = lifecycleManager(ns, { ttlAfterCompletion: `${TTL_S}s` });
    await manager.start();
    await pool(samples, CONCURRENCY, () =>
      manager.createWorker({
        image: IMAGE,
        annotations: { 'test.hodei.io/exit-code': '0', 'test.hodei.io/run-for': '2s' },
      }),
    );
    await pollUntil(
      `${samples} TTL cleanups by the manager`,
      () => recorder.count('WorkerEphemeralCleanedUp') >= samples,
      { timeoutMs: 300_000, intervalMs: 200 },
    );
    await manager.close();
    for (const p of seen.pods.values()) {
      result['manager ttlAfterCompletion'].push(seen.deletedAt(p)! - p.finishedAt! - TTL_S * 1000);
    }
    await seen.stop();
    await drop(ns);
  }
  return { result, jobParts, throttled };
}

/** Deadline: the deadline as each system defines it -> the pod stopped (as observed). */
async function deadlineComparison(samples: number) {
  const result: Record<'Job activeDeadlineSeconds' | 'manager maxLifetime', number[]> = {
    'Job activeDeadlineSeconds': [],
    'manager maxLifetime': [],
  };
  // The manager's delay in two parts: its own reaction (deadline -> activeDeadlineSeconds
  // lowered, seen) and the node's (lowered -> pod Failed, seen).
  const parts = {
    requested: [] as number[],
    enforced: [] as number[],
    /** The job controller marks the Job Failed (DeadlineExceeded), seen. */
    jobFailed: [] as number[],
  };
  const stoppedAt = (p: { finishedAt?: number; deletingAt?: number; goneAt?: number }) =>
    Math.min(p.finishedAt ?? Infinity, p.deletingAt ?? Infinity, p.goneAt ?? Infinity);
  {
    const ns = await namespace('bench-jobdl');
    const seen = await observe(ns);
    await pool(samples, CONCURRENCY, (i) =>
      batch.createNamespacedJob({ namespace: ns, body: jobBody(`dl-${i}`, 'deadline') }),
    );
    await pollUntil(
      `${samples} Job pods stopped by the job controller`,
      () => [...seen.pods.values()].filter((p) => Number.isFinite(stoppedAt(p))).length >= samples,
      { timeoutMs: 300_000, intervalMs: 200 },
    );
    for (const p of seen.pods.values()) {
      const job = seen.jobs.get(p.job!);
      // The job controller enforces status.startTime + activeDeadlineSeconds.
      const deadline = job!.startTime! + DEADLINE_S * 1000;
      result['Job activeDeadlineSeconds'].push(stoppedAt(p) - deadline);
      if (job?.decidedAt !== undefined) parts.jobFailed.push(job.decidedAt - deadline);
    }
    await seen.stop();
    await drop(ns);
  }
  {
    const ns = await namespace('bench-mgrdl');
    const seen = await observe(ns);
    const { manager, recorder } = lifecycleManager(ns, {
      maxLifetime: `${DEADLINE_S}s`,
      ttlAfterCompletion: 0,
    });
    await manager.start();
    await pool(samples, CONCURRENCY, () =>
      manager.createWorker({ image: IMAGE, command: ['sleep', '3600'] }),
    );
    await pollUntil(
      `${samples} workers past maxLifetime cleaned up`,
      () => recorder.count('WorkerEphemeralCleanedUp') >= samples,
      { timeoutMs: 300_000, intervalMs: 200 },
    );
    await manager.close();
    for (const p of seen.pods.values()) {
      const deadline = Date.parse(p.annotations['hodei.io/expires-at']!);
      result['manager maxLifetime'].push(stoppedAt(p) - deadline);
      if (p.deadlineLoweredAt !== undefined) {
        parts.requested.push(p.deadlineLoweredAt - deadline);
        if (p.finishedAt !== undefined) parts.enforced.push(p.finishedAt - p.deadlineLoweredAt);
      }
    }
    await seen.stop();
    await drop(ns);
  }
  return { result, parts };
}

// ------------------------------------------------------------------ the manager alone

async function requestsPerResync(sizes: number[], intervalMs = 1_000, intervals = 5) {
  const ns = await namespace('bench-resync');
  const { manager, recorder } = lifecycleManager(ns, {
    orphanDetectionEnabled: true,
    orphanCheckInterval: intervalMs,
  });
  const out: { size: number; perInterval: number; kinds: Record<string, number> }[] = [];
  try {
    await manager.start();
    let made = 0;
    for (const size of sizes) {
      await pool(size - made, CONCURRENCY, () =>
        manager.createWorker({ image: IMAGE, command: ['sleep', '3600'] }),
      );
      made = size;
      await pollUntil(
        `${size} workers Ready`,
        () => recorder.count('WorkerEphemeralReady') >= size,
        {
          timeoutMs: 600_000,
        },
      );
      await sleep(2 * intervalMs); // let status updates settle
      // Whole intervals: from one resync's end to the end of the `intervals`-th after it.
      const first = recorder.count('GarbageCollectionCompleted') + 1;
      await recorder.untilCount('GarbageCollectionCompleted', first, 60_000);
      const { cost } = await measure(() =>
        recorder.untilCount('GarbageCollectionCompleted', first + intervals, 300_000),
      );
      out.push({ size, perInterval: cost.requests / intervals, kinds: cost.kinds });
    }
  } finally {
    await manager.close();
    await drop(ns);
  }
  return out;
}

/** Out-of-band deletes of tracked workers, one at a time -> OrphanWorkerDetected. */
async function orphanDelays(
  ns: string,
  manager: ReturnType<typeof lifecycleManager>['manager'],
  recorder: ReturnType<typeof eventRecorder>,
  workerIds: readonly string[],
): Promise<number[]> {
  const delays: number[] = [];
  for (const workerId of workerIds) {
    const pods = await core.listNamespacedPod({
      namespace: ns,
      labelSelector: `hodei.io/worker-id=${workerId}`,
    });
    const deletedAt = Date.now();
    await core.deleteNamespacedPod({
      name: pods.items[0]!.metadata!.name!,
      namespace: ns,
      gracePeriodSeconds: 0,
    });
    const orphan = await recorder.waitFor('OrphanWorkerDetected', workerId, 30_000);
    delays.push(orphan.seenAt - deletedAt);
  }
  void manager;
  return delays;
}

async function orphanRun(samples: number): Promise<number[]> {
  const ns = await namespace('bench-orphan');
  const { manager, recorder } = lifecycleManager(ns, {});
  try {
    await manager.start();
    const records = await pool(samples, CONCURRENCY, () =>
      manager.createWorker({ image: IMAGE, command: ['sleep', '3600'] }),
    );
    await pollUntil(
      `${samples} workers Ready`,
      () => recorder.count('WorkerEphemeralReady') >= samples,
    );
    return await orphanDelays(
      ns,
      manager,
      recorder,
      records.map((r) => r.workerId),
    );
  } finally {
    await manager.close();
    await drop(ns);
  }
}

async function profiles(): Promise<Table[]> {
  const out: Table[] = [];
  const n = Math.min(PODS, 500);
  for (const system of SYSTEMS) {
    const ns = await namespace('bench-prof');
    try {
      const { profile } = await profileOf(() =>
        system === 'manager' ? managerWorkload(ns, n) : informerWorkload(ns, n).then(() => {}),
      );
      const saved = saveProfile(profile, `kubernetes-${system}`);
      const s = summarise(profile, 10);
      out.push({
        title: `CPU profile of one ${system} round (${n} pods): self time by package`,
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
    } finally {
      await drop(ns);
    }
  }
  return out;
}

// ------------------------------------------------------------------ default run

async function defaultRun() {
  const costs = await peers();
  const { result: ttl, jobParts, throttled } = await ttlComparison(SAMPLES);
  const { result: deadline, parts: deadlineParts } = await deadlineComparison(SAMPLES);
  const resync = await requestsPerResync([...new Set([10, 100, PODS])].sort((a, b) => a - b));
  const orphans = await orphanRun(Math.min(SAMPLES, 50));
  const prof = await profiles();
  const per = (system: System, key: 'seconds' | 'cpuSeconds' | 'requests') =>
    median(costs.get(system)!.map((c) => c[key] / PODS));
  const pairs = (key: 'seconds' | 'cpuSeconds') =>
    costs.get('manager')!.map((c, i) => c[key] / costs.get('informer')![i]![key]);
  const timeRatio = median(pairs('seconds'));
  const cpuRatio = median(pairs('cpuSeconds'));
  const kinds = (system: System) => {
    const all = costs.get(system)!;
    const total = new Map<string, number>();
    for (const c of all)
      for (const [k, v] of Object.entries(c.kinds)) total.set(k, (total.get(k) ?? 0) + v);
    return [...total].map(([k, v]) => `${k} ${fixed(v / (PODS * all.length), 3)}`).join(', ');
  };
  const tables: Table[] = [
    {
      title: `${PODS} pods created, Running and deleted, ${CONCURRENCY} calls at a time: per pod (median of ${ROUNDS} interleaved rounds)`,
      columns: [
        'system',
        'time per pod',
        'client CPU per pod',
        'API requests per pod',
        'rounds (s)',
      ],
      rows: SYSTEMS.map((s) => [
        s === 'informer' ? 'client-node + informer' : 'manager',
        `${fixed(per(s, 'seconds') * 1000, 2)} ms`,
        `${fixed(per(s, 'cpuSeconds') * 1000, 3)} ms`,
        fixed(per(s, 'requests'), 3),
        costs
          .get(s)!
          .map((c) => fixed(c.seconds))
          .join(', '),
      ]),
      note: "Requests are every HTTP request the process sent to the API server in the round (lists and watches included), counted the same way for both (Node's diagnostics channels).",
    },
    {
      title: "Ratios, manager / informer baseline (median of the rounds' ratios)",
      columns: ['time', 'client CPU', 'per-round time ratios'],
      rows: [
        [
          fixed(timeRatio, 3),
          fixed(cpuRatio, 3),
          pairs('seconds')
            .map((r) => fixed(r, 3))
            .join(', '),
        ],
      ],
    },
    {
      title: 'API requests per pod, by kind (all counted rounds)',
      columns: ['system', 'requests'],
      rows: SYSTEMS.map((s) => [s, kinds(s)]),
    },
    {
      title: `Kubernetes' own controllers against the manager, ${SAMPLES} workers each (this machine's milliseconds)`,
      columns: ['measure', 'system', 'p50 / p99', 'max'],
      rows: [
        ...Object.entries(ttl).map(([system, v]) => [
          `pod finished + TTL (${TTL_S} s) -> deletion`,
          system,
          p50p99(v),
          `${fixed(Math.max(...v), 0)} ms`,
        ]),
        ...(
          [
            ['pod finished -> Job Complete (job controller)', jobParts.complete],
            ['Job Complete + TTL -> Job deleted (TTL-after-finished controller)', jobParts.ttl],
            ['Job deleted -> pod deleted (garbage collector)', jobParts.collected],
          ] as const
        ).map(([what, v]) => [
          `  of which: ${what}`,
          'Job ttlSecondsAfterFinished',
          p50p99(v),
          `${fixed(Math.max(...v), 0)} ms`,
        ]),
        ...Object.entries(deadline).map(([system, v]) => [
          `deadline (${DEADLINE_S} s) -> pod stopped`,
          system,
          p50p99(v),
          `${fixed(Math.max(...v), 0)} ms`,
        ]),
        [
          `  of which: deadline -> activeDeadlineSeconds lowered (the manager's stop; ${deadlineParts.requested.length} of ${SAMPLES} pods, the others ended by their own activeDeadlineSeconds first)`,
          'manager maxLifetime',
          p50p99(deadlineParts.requested),
          `${fixed(Math.max(...deadlineParts.requested), 0)} ms`,
        ],
        [
          `  of which: lowered -> pod Failed (kwok playing the kubelet, seen)`,
          'manager maxLifetime',
          p50p99(deadlineParts.enforced),
          `${fixed(Math.max(...deadlineParts.enforced), 0)} ms`,
        ],
        [
          '  of which: deadline -> Job failing (job controller: FailureTarget or Failed)',
          'Job activeDeadlineSeconds',
          p50p99(deadlineParts.jobFailed),
          `${fixed(Math.max(...deadlineParts.jobFailed), 0)} ms`,
        ],
      ],
      note:
        "Seen by one observer (the benchmark's own informer, this machine's clock) for both systems. Finished: the pod's phase Succeeded first seen. Deletion: its deletionTimestamp (or its removal) first seen. Stopped: phase Failed, a deletionTimestamp or its removal, whichever is seen first. The Job's deadline is its status.startTime (whole seconds) + activeDeadlineSeconds, which is when the job controller acts; the manager's is its hodei.io/expires-at annotation. A negative delay means the system acted before the observer saw the pod finish (the Job's completion time is stored in whole seconds)." +
        (throttled
          ? ` While the ${SAMPLES} Jobs ran to their deletion, kube-controller-manager's API clients (its default rate limit: 20 requests/s, burst 30, shared by the job, TTL-after-finished and garbage collector controllers) waited ${fixed(throttled.seconds, 1)} s in total in their client-side rate limiter, over ${throttled.requests} requests (its metric rest_client_rate_limiter_duration_seconds).`
          : ''),
    },
    {
      title: "The manager's requests per resync interval (1 s) and orphan detection",
      columns: ['measure', 'result'],
      rows: [
        ...resync.map((r) => [
          `requests per resync interval, ${r.size} pods`,
          `${fixed(r.perInterval, 2)} (${Object.entries(r.kinds)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`,
        ]),
        [
          `out-of-band delete -> OrphanWorkerDetected (${orphans.length} workers), p50 / p99`,
          p50p99(orphans),
        ],
      ],
    },
    ...prof,
  ];
  const goals: Goal[] = [
    atMost(
      'Kubernetes: time, manager / informer baseline',
      timeRatio,
      1.05,
      `${fixed(timeRatio, 3)} (median of ${ROUNDS} paired rounds)`,
    ),
    atMost(
      'Kubernetes: client CPU per pod, manager / informer baseline',
      cpuRatio,
      1.3,
      `${fixed(cpuRatio, 3)} (${fixed(per('manager', 'cpuSeconds') * 1000, 3)} / ${fixed(per('informer', 'cpuSeconds') * 1000, 3)} ms)`,
    ),
    below(
      'Kubernetes: manager TTL, finished + TTL -> deletion, p99',
      percentile(ttl['manager ttlAfterCompletion'], 99),
      1000,
      `${fixed(percentile(ttl['manager ttlAfterCompletion'], 99), 0)} ms (Job TTL controller: ${fixed(percentile(ttl['Job ttlSecondsAfterFinished'], 99), 0)} ms)`,
      ' ms',
    ),
    below(
      'Kubernetes: manager maxLifetime, deadline -> stopped, p99',
      percentile(deadline['manager maxLifetime'], 99),
      1000,
      `${fixed(percentile(deadline['manager maxLifetime'], 99), 0)} ms (Job activeDeadlineSeconds: ${fixed(percentile(deadline['Job activeDeadlineSeconds'], 99), 0)} ms)`,
      ' ms',
    ),
    below(
      'Kubernetes: out-of-band delete -> OrphanWorkerDetected, p99',
      percentile(orphans, 99),
      1000,
      `${fixed(percentile(orphans, 99), 0)} ms`,
      ' ms',
    ),
    atMost(
      `Kubernetes: requests per resync interval, ${resync[resync.length - 1]!.size} / ${resync[0]!.size} pods (same at every size)`,
      resync[resync.length - 1]!.perInterval / resync[0]!.perInterval,
      1,
      fixed(resync[resync.length - 1]!.perInterval / resync[0]!.perInterval, 2),
    ),
  ];
  const charts: Chart[] = [
    {
      kind: 'bars',
      file: 'kubernetes-peers.svg',
      title: `Kubernetes: ${PODS} pods created, Running, deleted (median of ${ROUNDS} rounds)`,
      groups: [
        {
          label: 'time per pod',
          unit: 'ms',
          bars: SYSTEMS.map((s) => ({ label: s, value: per(s, 'seconds') * 1000 })),
        },
        {
          label: 'client CPU per pod',
          unit: 'ms',
          bars: SYSTEMS.map((s) => ({ label: s, value: per(s, 'cpuSeconds') * 1000 })),
        },
        {
          label: 'API requests per pod',
          unit: 'count',
          bars: SYSTEMS.map((s) => ({ label: s, value: per(s, 'requests') })),
        },
      ],
    },
    {
      kind: 'distribution',
      file: 'kubernetes-ttl.svg',
      title: `Kubernetes: pod finished + TTL -> deletion (${SAMPLES} workers each)`,
      unit: 'ms after the TTL ran out',
      series: Object.entries(ttl).map(([label, values]) => ({ label, values })),
    },
    {
      kind: 'distribution',
      file: 'kubernetes-deadline.svg',
      title: `Kubernetes: deadline -> pod stopped (${SAMPLES} workers each)`,
      unit: 'ms after the deadline',
      series: Object.entries(deadline).map(([label, values]) => ({ label, values })),
    },
    {
      kind: 'distribution',
      file: 'kubernetes-orphans.svg',
      title: 'Kubernetes: out-of-band delete -> OrphanWorkerDetected',
      unit: 'ms',
      series: [{ label: 'manager', values: orphans }],
    },
  ];
  return { tables, goals, charts };
}

// ------------------------------------------------------------------ scale

async function scaleAt(n: number) {
  // The informer baseline: n pods created until its informer has seen each Running. Only its
  // cost is kept, so that nothing of it is left on the heap when the manager's is measured.
  const inf = await (async () => {
    const infNs = await namespace('bench-sinf');
    const run = await informerWorkload(infNs, n, true);
    await run.informer?.stop();
    await drop(infNs);
    return { created: run.created };
  })();

  const ns = await namespace('bench-smgr');
  const intervalMs = 10_000;
  const { manager, recorder } = lifecycleManager(ns, {
    orphanDetectionEnabled: true,
    orphanCheckInterval: intervalMs,
    ttlAfterCompletion: `${TTL_S}s`,
  });
  let seen: Awaited<ReturnType<typeof observe>> | undefined;
  try {
    await manager.start();
    // Let the baseline's connections close before the heap is read.
    await sleep(3_000);
    const heapBefore = settledHeap();
    const created = await measure(async () => {
      const records = await pool(n, CONCURRENCY, (i) =>
        manager.createWorker({ image: IMAGE, command: ['sleep', '3600'] }, { workerId: `s-${i}` }),
      );
      await recorder.untilCount('WorkerEphemeralReady', n, 900_000);
      return records;
    });
    const heapPerWorker = (settledHeap() - heapBefore) / n;
    // The observer (the TTL delays below) starts only now: its cache of every pod is not the
    // manager's heap.
    seen = await observe(ns);
    const observed = seen;
    // Requests over whole resync intervals: from one resync's end to the end of the
    // `intervals`-th after it.
    const intervals = 2;
    const first = recorder.count('GarbageCollectionCompleted') + 1;
    await recorder.untilCount('GarbageCollectionCompleted', first, 120_000);
    const resync = await measure(() =>
      recorder.untilCount('GarbageCollectionCompleted', first + intervals, 300_000),
    );
    // TTL with n tracked: 50 more that finish after 2 s; TTL deadline -> deletion seen.
    const ttlRecords = await pool(50, CONCURRENCY, () =>
      manager.createWorker({
        image: IMAGE,
        annotations: { 'test.hodei.io/exit-code': '0', 'test.hodei.io/run-for': '2s' },
      }),
    );
    const terminated = await Promise.all(
      ttlRecords.map((r) =>
        recorder
          .waitFor('WorkerEphemeralCleanedUp', r.workerId, 300_000)
          .then(() => recorder.waitFor('WorkerEphemeralTerminated', r.workerId)),
      ),
    );
    const ttl = terminated.map((t) => {
      const pod = [...observed.pods.values()].find(
        (p) => p.labels['hodei.io/worker-id'] === t.workerId,
      )!;
      return observed.deletedAt(pod)! - t.ttlExpiresAt!.getTime();
    });
    const orphans = await orphanDelays(
      ns,
      manager,
      recorder,
      created.result.slice(0, 30).map((r) => r.workerId),
    );
    return {
      n,
      informerRate: n / inf.created.seconds,
      managerRate: n / created.cost.seconds,
      informerCpu: inf.created.cpuSeconds / n,
      managerCpu: created.cost.cpuSeconds / n,
      informerRequests: inf.created.requests / n,
      managerRequests: created.cost.requests / n,
      // The benchmark's own observer (its Job watch) is not the manager's.
      perResync:
        Object.entries(resync.cost.kinds)
          .filter(([kind]) => !kind.includes('/jobs'))
          .reduce((sum, [, count]) => sum + count, 0) / intervals,
      resyncKinds: Object.fromEntries(
        Object.entries(resync.cost.kinds).filter(([kind]) => !kind.includes('/jobs')),
      ),
      heapPerWorker,
      ttl,
      orphans,
    };
  } finally {
    // Removing thousands through the manager is a benchmark of its own; the namespace goes.
    await manager.close();
    await seen?.stop();
    await drop(ns);
  }
}

async function scaleRun() {
  const sizes = [...new Set([500, SCALE])];
  const at: Awaited<ReturnType<typeof scaleAt>>[] = [];
  for (const n of sizes) {
    console.log(`[kubernetes] scale: ${n} pods`);
    at.push(await scaleAt(n));
  }
  const tables: Table[] = [
    {
      title:
        'Kubernetes at scale: pods created until Running (informer baseline) or Ready (manager), 32 calls at a time',
      columns: [
        'pods',
        'create rate, informer / manager (per s)',
        'time ratio manager / informer',
        'client CPU per pod, informer / manager',
        'API requests per pod, informer / manager',
        'manager requests per resync interval (10 s)',
        'TTL deadline -> deletion p50 / p99',
        'delete -> OrphanWorkerDetected p50 / p99',
        'manager heap per tracked worker',
      ],
      rows: at.map((s) => [
        s.n.toLocaleString('en-US'),
        `${fixed(s.informerRate, 1)} / ${fixed(s.managerRate, 1)}`,
        fixed(s.informerRate / s.managerRate, 3),
        `${fixed(s.informerCpu * 1000, 3)} / ${fixed(s.managerCpu * 1000, 3)} ms`,
        `${fixed(s.informerRequests, 3)} / ${fixed(s.managerRequests, 3)}`,
        `${fixed(s.perResync, 1)} (${Object.entries(s.resyncKinds)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
        p50p99(s.ttl),
        p50p99(s.orphans),
        `${fixed(s.heapPerWorker, 0)} B`,
      ]),
      note: "TTL and orphan delays are measured with every pod of the row tracked (50 TTL samples, 30 orphans). The heap is the manager's and its provider's (which keeps what its watch has seen of each pod).",
    },
  ];
  const big = at[at.length - 1]!;
  const small = at[0]!;
  const goals: Goal[] = [
    atMost(
      `Kubernetes ${big.n} pods: create time, manager / informer`,
      big.informerRate / big.managerRate,
      1.05,
      fixed(big.informerRate / big.managerRate, 3),
    ),
    below(
      `Kubernetes ${big.n} pods: TTL deadline -> deletion, p99`,
      percentile(big.ttl, 99),
      1000,
      `${fixed(percentile(big.ttl, 99), 0)} ms`,
      ' ms',
    ),
    below(
      `Kubernetes ${big.n} pods: delete -> OrphanWorkerDetected, p99`,
      percentile(big.orphans, 99),
      1000,
      `${fixed(percentile(big.orphans, 99), 0)} ms`,
      ' ms',
    ),
    atMost(
      `Kubernetes: requests per resync interval, ${big.n} / ${small.n} pods (same at every size)`,
      big.perResync / small.perResync,
      1,
      fixed(big.perResync / small.perResync, 2),
    ),
  ];
  const charts: Chart[] = [
    {
      kind: 'scale',
      file: 'kubernetes-scale-cpu.svg',
      title: 'Kubernetes: client CPU per created pod against scale',
      xLabel: 'pods',
      yLabel: 'ms of CPU per pod',
      series: [
        {
          label: 'client-node + informer',
          points: at.map((s) => [s.n, Number((s.informerCpu * 1000).toFixed(3))]),
        },
        {
          label: 'manager',
          points: at.map((s) => [s.n, Number((s.managerCpu * 1000).toFixed(3))]),
        },
      ],
    },
    {
      kind: 'scale',
      file: 'kubernetes-scale-rate.svg',
      title: 'Kubernetes: pods created per second against scale',
      xLabel: 'pods',
      yLabel: 'pods per second',
      series: [
        {
          label: 'client-node + informer',
          points: at.map((s) => [s.n, Number(s.informerRate.toFixed(1))]),
        },
        { label: 'manager', points: at.map((s) => [s.n, Number(s.managerRate.toFixed(1))]) },
      ],
    },
    {
      kind: 'scale',
      file: 'kubernetes-scale-heap.svg',
      title: "Kubernetes: the manager's heap per tracked worker against scale",
      xLabel: 'pods',
      yLabel: 'bytes per worker',
      series: [{ label: 'manager', points: at.map((s) => [s.n, Math.round(s.heapPerWorker)]) }],
    },
    {
      kind: 'distribution',
      file: 'kubernetes-scale-delays.svg',
      title: `Kubernetes: delays with ${at.map((s) => s.n.toLocaleString('en-US')).join(' and ')} pods tracked`,
      unit: 'ms',
      series: at.flatMap((s) => [
        { label: `TTL -> deletion, ${s.n}`, values: s.ttl },
        { label: `delete -> orphan, ${s.n}`, values: s.orphans },
      ]),
    },
  ];
  return { tables, goals, charts };
}

export async function runKubernetes(options: { scale: boolean }): Promise<SuitePart> {
  setRequestKinds(kubeRequestKind);
  const version = await kubeConfig()
    .makeApiClient(VersionApi)
    .getCode()
    .catch((error: Error) => {
      throw new Error(
        `no API server answers with ${KUBECONFIG_PATH}: run tools/k8s-env/bin/up (${error.message})`,
      );
    });
  try {
    const part = options.scale ? await scaleRun() : await defaultRun();
    return {
      suite: 'kubernetes' as const,
      title: options.scale
        ? 'Kubernetes, at scale'
        : "Kubernetes: the manager against client-node's informer and Kubernetes' own Job controllers",
      versions: {
        'Kubernetes (kube-apiserver, kube-controller-manager, kube-scheduler)': version.gitVersion,
        'kwok (the node)': 'v0.8.0',
        '@kubernetes/client-node': packageVersion('@kubernetes/client-node'),
        '@hodei/lifecycle-core': packageVersion('@hodei/lifecycle-core'),
        '@hodei/lifecycle-provider-kubernetes': packageVersion(
          '@hodei/lifecycle-provider-kubernetes',
        ),
      },
      settings: options.scale
        ? { sizes: `500, ${SCALE}`, concurrency: CONCURRENCY }
        : {
            pods: PODS,
            rounds: ROUNDS,
            'calls at a time': CONCURRENCY,
            'grace period': `${GRACE_S} s`,
            'TTL and deadline samples': SAMPLES,
            TTL: `${TTL_S} s`,
            deadline: `${DEADLINE_S} s`,
          },
      notes: [
        "No container runs: kwok plays the node and its kubelet (tools/k8s-env), so the figures are the control plane's and the clients', not a kubelet's.",
        'The manager runs as configured by default: it reads the last 20 log lines of a pod for its Terminated event; the informer baseline reads none.',
      ],
      ...part,
    };
  } finally {
    for (const ns of [...namespaces]) await dropNamespace(ns).catch(() => {});
  }
}
