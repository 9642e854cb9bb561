/**
 * The manager in memory, where nothing but its own code costs time (ratios against the bare
 * in-memory provider, measured in the same run):
 *
 * 1. Lifecycle operations per second: create + remove through the manager vs the bare
 *    in-memory provider.
 * 2. Deadline scheduling: time per deadline to schedule and fire 10k and 100k deadlines; the
 *    cost per deadline may grow at most like log n.
 * 3. The whole manager at N tracked workers (default 10,000; --scale: 10,000 and 100,000): heap
 *    per tracked worker (goal: under 2 KB) and event throughput (each worker created, ready,
 *    terminated and cleaned up: five events).
 */
import { systemClock, withLifecycle } from '@hodei/lifecycle-core';
import { createMemoryProvider } from '@hodei/lifecycle-testkit';
// Not a public export of core: its build carries it for this benchmark only.
import { DeadlineQueue } from '../../../../packages/core/dist/internal-for-benchmarks.js';
import { settledHeap } from '../lib/cost.ts';
import { packageVersion } from '../lib/machine.ts';
import { pollUntil, pool } from '../lib/pool.ts';
import {
  atMost,
  below,
  type Chart,
  type Goal,
  type SuitePart,
  type Table,
} from '../lib/results.ts';
import { fixed, median } from '../lib/stats.ts';

export interface MemoryOptions {
  readonly scale: boolean;
}

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const ownership = (i: number) => ({
  scope: 'bench',
  workerId: `w-${i}`,
  providerId: 'memory',
  owner: 'bench',
  expiresAt: new Date(Date.now() + 3_600_000),
  ttlAfterFinishedSeconds: 60,
});

// ------------------------------------------------------------ 1. operations per second
async function operationsPerSecond() {
  const n = 2_000;
  const spec = { image: 'bench/worker:1' };
  const bare = async () => {
    const provider = createMemoryProvider();
    for (let i = 0; i < n; i += 1) {
      await provider.create({ spec, ownership: ownership(i) });
      await provider.remove({ workerId: `w-${i}`, scope: 'bench' }, { gracePeriodMs: 0 });
    }
    await provider.close();
  };
  const managed = async () => {
    const manager = withLifecycle(createMemoryProvider(), { scope: 'bench', instanceId: 'bench' });
    for (let i = 0; i < n; i += 1) {
      await manager.createWorker(spec, { workerId: `w-${i}` });
      await manager.remove({ workerId: `w-${i}`, scope: 'bench' });
    }
    await manager.close();
  };
  await bare(); // warm-up
  await managed();
  const bareTimes: number[] = [];
  const managedTimes: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    bareTimes.push(await timeIt(bare));
    managedTimes.push(await timeIt(managed));
  }
  const bareOps = (n * 2) / (median(bareTimes) / 1000);
  const managedOps = (n * 2) / (median(managedTimes) / 1000);
  return { n, bareOps, managedOps };
}

// ------------------------------------------------------------ 2. deadlines
/** A clock whose timers are only recorded: the benchmark fires them itself. */
function steppedClock() {
  let now = 0;
  let pending: (() => void) | undefined;
  return {
    clock: {
      now: () => now,
      setTimer(_delay: number, callback: () => void) {
        pending = callback;
        return {
          cancel: () => {
            if (pending === callback) pending = undefined;
          },
        };
      },
    },
    setNow(value: number) {
      now = value;
    },
    fire() {
      const callback = pending;
      pending = undefined;
      callback?.();
    },
  };
}

interface QueueLike {
  schedule(at: number, value: number): void;
  readonly heapWrites: number;
}
type QueueClass = new (clock: unknown, fire: (value: number) => void) => QueueLike;

function deadlineCost(Queue: QueueClass, n: number): { ns: number; writes: number } {
  const { clock, setNow, fire } = steppedClock();
  let fired = 0;
  const queue = new Queue(clock, () => {
    fired += 1;
  });
  const at = Array.from({ length: n }, () => Math.floor(Math.random() * 1e9));
  settledHeap();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) queue.schedule(at[i]!, i);
  setNow(1e9);
  fire();
  const ns = Number(process.hrtime.bigint() - start);
  if (fired !== n) throw new Error(`fired ${fired} of ${n}`);
  return { ns: ns / n, writes: queue.heapWrites / n };
}

function deadlines(Queue: QueueClass) {
  for (let i = 0; i < 3; i += 1) deadlineCost(Queue, 100_000); // warm-up
  // The fastest of several runs: on a shared machine the noise only ever adds time.
  const runs = (n: number) => Array.from({ length: 15 }, () => deadlineCost(Queue, n));
  const small = runs(10_000);
  const large = runs(100_000);
  const ns = (r: { ns: number }[]) => Math.min(...r.map((x) => x.ns));
  const writes = (r: { writes: number }[]) => median(r.map((x) => x.writes));
  return {
    small: { ns: ns(small), writes: writes(small) },
    large: { ns: ns(large), writes: writes(large) },
    logBound: Math.log2(100_000) / Math.log2(10_000),
  };
}

// ------------------------------------------------------------ 3. the whole manager at N
/** A provider that keeps nothing, so the heap growth is the manager's alone. */
function statelessProvider() {
  let uid = 0;
  return {
    specificationVersion: 'v1' as const,
    type: 'null',
    providerId: 'null',
    capabilities: {
      stop: false,
      watch: false,
      logs: false,
      health: false,
      nativeDeadline: false,
      nativeTtl: false,
    },
    async create(request: { ownership: { workerId: string } }) {
      return {
        workerId: request.ownership.workerId,
        uid: `u${uid++}`,
        phase: 'running' as const,
        ready: true,
        exitCode: undefined,
        reason: undefined,
        createdAt: new Date(),
        startedAt: new Date(),
        finishedAt: undefined,
        removing: false,
        labels: {},
        annotations: {},
      };
    },
    get: async () => undefined,
    list: async () => [],
    remove: async () => {},
  };
}

async function heapPerWorker(n: number): Promise<number> {
  const manager = withLifecycle(statelessProvider(), {
    scope: 'bench',
    instanceId: 'bench',
    clock: systemClock,
    policy: {
      maxLifetime: '1h',
      idleTimeout: '30m',
      orphanCheckInterval: '1h',
      orphanDetectionEnabled: false,
    },
  });
  await manager.start();
  const before = settledHeap();
  for (let i = 0; i < n; i += 1) await manager.createWorker({ image: 'bench/worker:1' });
  const after = settledHeap();
  const tracked = manager.workers().length;
  if (tracked !== n) throw new Error(`tracking ${tracked} of ${n}`);
  await manager.close();
  return (after - before) / n;
}

/**
 * Every worker created, ready, terminated and cleaned up: events per second of the whole
 * manager. Bounded: if the manager stops making progress, this says where the workers are.
 */
async function eventThroughput(n: number): Promise<{ events: number; perSecond: number }> {
  let events = 0;
  let cleaned = 0;
  const manager = withLifecycle(createMemoryProvider({ defaultGracePeriodMs: 0 }), {
    scope: 'bench',
    instanceId: 'bench',
    policy: {
      maxLifetime: '1h',
      ttlAfterCompletion: 0,
      gracefulTerminationTimeout: 0,
      orphanCheckInterval: '1h',
    },
    concurrency: 64,
    publisher: {
      publish(event: { type: string }) {
        events += 1;
        if (event.type === 'WorkerEphemeralCleanedUp') cleaned += 1;
      },
    },
  });
  await manager.start();
  const started = performance.now();
  let created = 0;
  let terminated = 0;
  const work = pool(n, 256, async (i) => {
    const record = await manager.createWorker({ image: 'bench/worker:1' }, { workerId: `e-${i}` });
    created += 1;
    await manager.terminate(record.workerId);
    terminated += 1;
  });
  // The manager's own timers do not keep the process alive: poll with a bound, so a stall
  // is reported rather than ending the process with an unsettled await.
  let last = -1;
  let stalledSince = performance.now();
  await pollUntil(
    `${n} workers cleaned up`,
    () => {
      if (cleaned + terminated !== last) {
        last = cleaned + terminated;
        stalledSince = performance.now();
      }
      if (performance.now() - stalledSince > 30_000) {
        const states = new Map<string, number>();
        for (const w of manager.workers()) states.set(w.state, (states.get(w.state) ?? 0) + 1);
        throw new Error(
          `no progress for 30 s at ${n} workers: created ${created}, terminate() resolved ${terminated}, CleanedUp ${cleaned}; still tracked by state: ${JSON.stringify(Object.fromEntries(states))}`,
        );
      }
      return cleaned >= n && terminated >= n;
    },
    { timeoutMs: 1_800_000, intervalMs: 50 },
  );
  await work;
  const seconds = (performance.now() - started) / 1000;
  await manager.close();
  return { events, perSecond: events / seconds };
}

export async function runMemory(options: MemoryOptions): Promise<SuitePart> {
  const sizes = options.scale ? [10_000, 100_000] : [10_000];
  const ops = await operationsPerSecond();
  const queue = deadlines(DeadlineQueue as unknown as QueueClass);
  const perSize: { n: number; heap: number; events: number; eventsPerSecond: number }[] = [];
  for (const n of sizes) {
    console.log(`[memory] ${n} workers: heap per tracked worker`);
    const heap = await heapPerWorker(n);
    console.log(`[memory] ${n} workers: event throughput`);
    const t = await eventThroughput(n);
    perSize.push({ n, heap, events: t.events, eventsPerSecond: t.perSecond });
  }

  const goals: Goal[] = [];
  const tables: Table[] = [];
  const charts: Chart[] = [];
  const opsRatio = ops.managedOps / ops.bareOps;
  tables.push({
    title: `Create + remove, ${ops.n} workers one after another (median of 5 interleaved rounds)`,
    columns: ['system', 'operations per second'],
    rows: [
      ['bare in-memory provider', fixed(ops.bareOps, 0)],
      ['through the manager', fixed(ops.managedOps, 0)],
      ['manager / bare', fixed(opsRatio, 3)],
    ],
    note: "The in-memory provider costs almost nothing, so this ratio is the share of the manager's own bookkeeping in a create and a remove; no goal.",
  });
  if (queue) {
    const ratio = queue.large.ns / queue.small.ns;
    tables.push({
      title: 'Deadline queue: schedule and fire n deadlines at random times (fastest of 15)',
      columns: ['n', 'ns per deadline', 'heap writes per deadline'],
      rows: [
        ['10,000', fixed(queue.small.ns, 0), fixed(queue.small.writes, 2)],
        ['100,000', fixed(queue.large.ns, 0), fixed(queue.large.writes, 2)],
        ['100k / 10k', fixed(ratio, 3), fixed(queue.large.writes / queue.small.writes, 3)],
        ['n log n allows', fixed(queue.logBound, 3), fixed(queue.logBound, 3)],
      ],
    });
    goals.push(
      atMost(
        'deadline queue: heap writes per deadline, 100k / 10k (n log n)',
        Number((queue.large.writes / queue.small.writes).toFixed(3)),
        Number(queue.logBound.toFixed(3)),
        fixed(queue.large.writes / queue.small.writes, 3),
      ),
    );
  }
  tables.push({
    title: 'The whole manager at N tracked workers',
    columns: [
      'tracked workers',
      'heap per tracked worker',
      'events per second (create, ready, terminate, clean up)',
    ],
    rows: perSize.map((s) => [
      s.n.toLocaleString('en-US'),
      `${fixed(s.heap, 0)} B`,
      `${fixed(s.eventsPerSecond, 0)} (${s.events.toLocaleString('en-US')} events)`,
    ]),
    note: 'Heap: the growth of the heap after a full collection, per worker, with a provider that keeps nothing (each worker has a lifetime and an idle deadline). Events: each worker created, Ready, terminated with a TTL of 0 and cleaned up on the in-memory provider, 256 callers at once.',
  });
  for (const s of perSize) {
    goals.push(
      below(
        `heap per tracked worker, ${s.n.toLocaleString('en-US')} workers`,
        s.heap,
        2048,
        `${fixed(s.heap, 0)} B`,
        ' B',
      ),
    );
  }
  if (perSize.length > 1) {
    charts.push(
      {
        kind: 'scale',
        file: 'memory-heap-per-worker.svg',
        title: 'In memory: heap per tracked worker against the number tracked',
        xLabel: 'tracked workers',
        yLabel: 'bytes per worker',
        series: [{ label: 'manager', points: perSize.map((s) => [s.n, Math.round(s.heap)]) }],
      },
      {
        kind: 'scale',
        file: 'memory-event-throughput.svg',
        title: 'In memory: events per second against the number of workers',
        xLabel: 'workers',
        yLabel: 'events per second',
        series: [
          { label: 'manager', points: perSize.map((s) => [s.n, Math.round(s.eventsPerSecond)]) },
        ],
      },
    );
  }
  return {
    suite: 'memory' as const,
    title: options.scale ? 'In memory, at scale' : 'In memory',
    versions: {
      '@hodei/lifecycle-core': packageVersion('@hodei/lifecycle-core'),
      '@hodei/lifecycle-testkit (in-memory provider)': packageVersion('@hodei/lifecycle-testkit'),
    },
    settings: { 'tracked workers': sizes.join(', ') },
    goals,
    tables,
    charts,
    notes: queue
      ? []
      : ['The deadline queue is no longer exported by core: its benchmark was skipped.'],
  };
}
