/**
 * Benchmarks of the lifecycle manager, printed as ratios against a baseline measured in the
 * same run (these machines are shared and noisy: compare ratios, not raw times).
 *
 * 1. Lifecycle operations per second: create + remove through the manager vs the bare
 *    in-memory provider.
 * 2. Deadline scheduling: time per worker to schedule and fire 10k and 100k deadlines; the cost
 *    per deadline may grow at most like log n (n log n in total).
 * 3. Heap bytes per tracked worker at 100k workers (target: under 2 KB).
 */
import {
  type Clock,
  type ProviderV1,
  systemClock,
  type WorkerRecordV1,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { createMemoryProvider } from '@hodei/lifecycle-testkit';
// Not public API: core builds its deadline queue apart for this benchmark only.
import { DeadlineQueue } from '../../../packages/core/dist/internal-for-benchmarks.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// ------------------------------------------------------------ 1. operations per second
async function operationsPerSecond(): Promise<void> {
  const n = 2_000;
  const spec = { image: 'bench/worker:1' };
  const bare = async () => {
    const provider = createMemoryProvider();
    for (let i = 0; i < n; i += 1) {
      const ownership = {
        scope: 'bench',
        workerId: `w-${i}`,
        providerId: 'memory',
        owner: 'bench',
        expiresAt: new Date(Date.now() + 3_600_000),
        ttlAfterFinishedSeconds: 60,
      };
      await provider.create({ spec, ownership });
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
  console.log(
    '\n1. Lifecycle operations per second (create + remove, in-memory provider, median of 5)',
  );
  console.table({
    'bare provider': { 'ops/s': Math.round(bareOps) },
    'through the manager': { 'ops/s': Math.round(managedOps) },
    'manager / bare': { 'ops/s': Number((managedOps / bareOps).toFixed(3)) },
  });
}

// ------------------------------------------------------------ 2. deadlines
/** A clock whose timers are only recorded: the benchmark fires them itself. */
function steppedClock() {
  let now = 0;
  let pending: (() => void) | undefined;
  const clock: Clock = {
    now: () => now,
    setTimer(_delay, callback) {
      pending = callback;
      return {
        cancel: () => {
          if (pending === callback) pending = undefined;
        },
      };
    },
  };
  return {
    clock,
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

function deadlineCost(n: number): { ns: number; writes: number } {
  const { clock, setNow, fire } = steppedClock();
  let fired = 0;
  const queue = new DeadlineQueue<number>(clock, () => {
    fired += 1;
  });
  const at = Array.from({ length: n }, () => Math.floor(Math.random() * 1e9));
  gc!();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) queue.schedule(at[i]!, i);
  setNow(1e9);
  fire();
  const ns = Number(process.hrtime.bigint() - start);
  if (fired !== n) throw new Error(`fired ${fired} of ${n}`);
  return { ns: ns / n, writes: queue.heapWrites / n };
}

function deadlines(): void {
  for (let i = 0; i < 3; i += 1) deadlineCost(100_000); // warm-up
  // The fastest of several runs: on a shared machine the noise only ever adds time.
  const runs = (n: number) => Array.from({ length: 15 }, () => deadlineCost(n));
  const small = runs(10_000);
  const large = runs(100_000);
  const ns = (r: { ns: number }[]) => Math.min(...r.map((x) => x.ns));
  const writes = (r: { writes: number }[]) => median(r.map((x) => x.writes));
  const logBound = Math.log2(100_000) / Math.log2(10_000);
  console.log('\n2. Schedule and fire n deadlines at random times (time: fastest of 15)');
  console.table({
    '10k': { 'ns per deadline': Math.round(ns(small)), 'heap writes per deadline': writes(small) },
    '100k': { 'ns per deadline': Math.round(ns(large)), 'heap writes per deadline': writes(large) },
    '100k / 10k': {
      'ns per deadline': Number((ns(large) / ns(small)).toFixed(3)),
      'heap writes per deadline': Number((writes(large) / writes(small)).toFixed(3)),
    },
    'n log n allows': {
      'ns per deadline': Number(logBound.toFixed(3)),
      'heap writes per deadline': Number(logBound.toFixed(3)),
    },
  });
}

// ------------------------------------------------------------ 3. memory per tracked worker
/** A provider that keeps nothing, so the heap growth is the manager's alone. */
function statelessProvider(): ProviderV1 {
  let uid = 0;
  return {
    specificationVersion: 'v1',
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
    async create(request): Promise<WorkerRecordV1> {
      return {
        workerId: request.ownership.workerId,
        uid: `u${uid++}`,
        phase: 'running',
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

async function memoryPerWorker(): Promise<void> {
  const n = 100_000;
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
  gc!();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i += 1) await manager.createWorker({ image: 'bench/worker:1' });
  gc!();
  const after = process.memoryUsage().heapUsed;
  const tracked = manager.workers().length;
  if (tracked !== n) throw new Error(`tracking ${tracked} of ${n}`);
  console.log(
    '\n3. Heap per tracked worker (100k workers, each with a lifetime and an idle deadline)',
  );
  console.table({
    'bytes per worker': { value: Math.round((after - before) / n), target: 2048 },
  });
  await manager.close();
}

await operationsPerSecond();
deadlines();
await memoryPerWorker();
