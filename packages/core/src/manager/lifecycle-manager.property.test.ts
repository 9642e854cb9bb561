/**
 * Property-based test of the manager: random sequences of creates, readiness, busy and idle
 * marks, completions, failures, out-of-band removals, injected faults, manager restarts and
 * clock advances. After every step, the invariants below must hold.
 */
import {
  createEventRecorder,
  createManualClock,
  createMemoryInfrastructure,
  createMemoryProvider,
  type EventRecorder,
  type MemoryWorkerBehaviour,
} from '@hodei/lifecycle-testkit';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { workerSpec } from '../../test/lifecycle-setup.js';
import {
  IllegalTransitionError,
  type LifecycleEvent,
  type LifecycleManager,
  NotOwnedError,
  type PolicyInput,
  WorkerNotFoundError,
  withLifecycle,
} from '../index.js';

const second = 1_000;
const minute = 60 * second;
const policy = {
  maxLifetime: 10 * minute,
  ttlAfterCompletion: minute,
  idleTimeout: 3 * minute,
  gracefulTerminationTimeout: 10 * second,
  autoCleanupEnabled: true,
  orphanDetectionEnabled: true,
  orphanCheckInterval: 30 * second,
  startupTimeout: 2 * minute,
  retainOnFailure: 5 * minute,
} satisfies PolicyInput;
const checkInterval = policy.orphanCheckInterval;

type Command =
  | { kind: 'create'; behaviour: MemoryWorkerBehaviour }
  | { kind: 'busy' | 'idle' | 'complete' | 'vanish' | 'setReady'; pick: number; exitCode: number }
  | { kind: 'failRemoves'; count: number }
  | { kind: 'failCreate' }
  | { kind: 'dropWatches' }
  | { kind: 'restart' }
  | { kind: 'advance'; ms: number };

const behaviour: fc.Arbitrary<MemoryWorkerBehaviour> = fc.record(
  {
    startupDelayMs: fc.integer({ min: 0, max: 20 * second }),
    readyAfterMs: fc.integer({ min: 0, max: 3 * minute }),
    neverReady: fc.boolean(),
    runForMs: fc.integer({ min: 1, max: 20 * minute }),
    exitCode: fc.integer({ min: 0, max: 3 }),
    ignoreStop: fc.boolean(),
  },
  { requiredKeys: [] },
);

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: behaviour.map((b) => ({ kind: 'create' as const, behaviour: b })) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom('busy', 'idle', 'complete', 'vanish', 'setReady'),
      pick: fc.nat(),
      exitCode: fc.integer({ min: 0, max: 2 }),
    }) as fc.Arbitrary<Command>,
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 3 })
      .map((count) => ({ kind: 'failRemoves' as const, count })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'failCreate' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'dropWatches' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  {
    weight: 6,
    arbitrary: fc
      .integer({ min: 100, max: 6 * minute })
      .map((ms) => ({ kind: 'advance' as const, ms })),
  },
);

const rank: Partial<Record<LifecycleEvent['type'], number>> = {
  WorkerEphemeralCreated: 0,
  WorkerEphemeralReady: 1,
  WorkerEphemeralIdle: 1,
  WorkerEphemeralTerminating: 2,
  WorkerEphemeralTerminated: 3,
  WorkerEphemeralCleanedUp: 4,
};
const once = new Set([
  'WorkerEphemeralCreated',
  'WorkerEphemeralReady',
  'WorkerEphemeralTerminating',
  'WorkerEphemeralTerminated',
  'WorkerEphemeralCleanedUp',
]);

/** Each manager's events for each worker follow the state table's order, each step at most once. */
function checkEventOrder(recorder: EventRecorder): void {
  const byWorker = new Map<string, LifecycleEvent[]>();
  for (const event of recorder.events) {
    if (!('workerId' in event)) continue;
    byWorker.set(event.workerId, [...(byWorker.get(event.workerId) ?? []), event]);
  }
  for (const [workerId, events] of byWorker) {
    let last = -1;
    const seen = new Set<string>();
    for (const event of events) {
      if (seen.has('WorkerEphemeralCleanedUp')) {
        throw new Error(
          `${workerId}: ${event.type} after CleanedUp (${events.map((e) => e.type).join(', ')})`,
        );
      }
      const r = rank[event.type];
      if (r === undefined) continue; // OrphanWorkerDetected may come at any point
      if (r < last || (once.has(event.type) && seen.has(event.type))) {
        throw new Error(
          `${workerId}: events out of the state table's order: ${events.map((e) => e.type).join(', ')}`,
        );
      }
      last = r;
      seen.add(event.type);
    }
  }
}

async function runSequence(watch: boolean, commands: Command[]): Promise<void> {
  const clock = createManualClock();
  const infrastructure = createMemoryInfrastructure({ clock });
  // A worker of another scope, which must never be touched.
  const foreign = withLifecycle(createMemoryProvider({ infrastructure, providerId: 'memory-z' }), {
    clock,
    scope: 'elsewhere',
    instanceId: 'manager-z',
    enabled: false,
  });
  await foreign.createWorker(workerSpec(), { workerId: 'foreign' });

  const recorders: EventRecorder[] = [];
  let generation = 0;
  const startManager = async (): Promise<LifecycleManager> => {
    const events = createEventRecorder();
    recorders.push(events);
    generation += 1;
    // With a watch, reactions come from its events; without, from reads and the resync.
    const provider = createMemoryProvider({ infrastructure, capabilities: { watch } });
    const manager = withLifecycle(provider, {
      clock,
      publisher: events,
      scope: 'test',
      instanceId: `manager-${generation}`,
      policy,
      retryDelay: 500,
      maxRetryDelay: 4 * second,
    });
    await manager.start();
    return manager;
  };
  let manager = await startManager();
  const created: string[] = [];
  let next = 0;
  const pick = (n: number) => created[n % Math.max(1, created.length)];

  const check = () => {
    const now = clock.now();
    const ours = infrastructure.workers().filter((w) => w.labels['hodei.io/managed-by'] === 'test');
    for (const worker of ours) {
      const age = now - worker.createdAt.getTime();
      if (worker.phase === 'running' || worker.phase === 'pending') {
        expect(
          age,
          `${worker.workerId} outlived maxLifetime plus one check interval`,
        ).toBeLessThanOrEqual(policy.maxLifetime + checkInterval);
      } else if (worker.finishedAt) {
        const kept = now - worker.finishedAt.getTime();
        expect(
          kept,
          `${worker.workerId} kept past its TTL plus one check interval`,
        ).toBeLessThanOrEqual(
          Math.max(policy.ttlAfterCompletion, policy.retainOnFailure) + checkInterval,
        );
      }
    }
    const outsider = infrastructure.workers().find((w) => w.workerId === 'foreign');
    expect(outsider?.phase, 'a worker of another scope was touched').toBe('running');
    for (const recorder of recorders) checkEventOrder(recorder);
  };

  for (const cmd of commands) {
    switch (cmd.kind) {
      case 'create': {
        const workerId = `w-${next++}`;
        try {
          await manager.createWorker(workerSpec(cmd.behaviour), { workerId });
          created.push(workerId);
        } catch {
          // an injected create fault: the manager must still leave nothing behind
        }
        break;
      }
      case 'busy':
      case 'idle': {
        const id = pick(cmd.pick);
        if (!id) break;
        try {
          if (cmd.kind === 'busy') manager.markBusy(id);
          else manager.markIdle(id);
        } catch (error) {
          // Refusals must be typed; anything else is a bug.
          const typed =
            IllegalTransitionError.isInstance(error) ||
            WorkerNotFoundError.isInstance(error) ||
            NotOwnedError.isInstance(error);
          if (!typed) throw error;
        }
        break;
      }
      case 'complete':
      case 'vanish':
      case 'setReady': {
        const id = pick(cmd.pick);
        const worker = infrastructure.workers().find((w) => w.workerId === id);
        const running =
          worker?.phase === 'running' || (cmd.kind === 'complete' && worker?.phase === 'pending');
        if (!id || !worker || (cmd.kind !== 'vanish' && !running)) break;
        if (cmd.kind === 'complete') infrastructure.complete(id, cmd.exitCode);
        else if (cmd.kind === 'vanish') infrastructure.vanish(id);
        else infrastructure.setReady(id, true);
        break;
      }
      case 'failRemoves':
        infrastructure.faults.failRemoves(cmd.count);
        break;
      case 'failCreate':
        infrastructure.faults.failCreates(1);
        break;
      case 'dropWatches':
        infrastructure.faults.dropWatches();
        break;
      case 'restart':
        await manager.close(); // a crash: nothing is cleaned on the way out
        manager = await startManager();
        break;
      case 'advance':
        await clock.advance(cmd.ms);
        break;
    }
    await clock.settle();
    check();
  }

  // Nothing leaks: given time, every worker of the scope is gone and nothing is tracked.
  infrastructure.faults.reset();
  await clock.advance(policy.maxLifetime + policy.retainOnFailure + 4 * checkInterval);
  expect(
    infrastructure.workers().filter((w) => w.labels['hodei.io/managed-by'] === 'test'),
  ).toEqual([]);
  expect(manager.workers()).toEqual([]);
  check();
  await manager.close();
}

const runs = Number(process.env.HODEI_PROPERTY_RUNS ?? 5_000);

test(`random lifecycles keep every invariant (${runs} sequences)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.array(command, { minLength: 1, maxLength: 40 }), runSequence),
    {
      numRuns: runs,
    },
  );
}, 600_000);
