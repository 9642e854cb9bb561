/**
 * The snippets of packages/testkit/README.md, run as tests so they cannot rot
 * (docs/snippets.mjs checks that the README shows exactly these regions).
 */
import { type WorkerSpec, withLifecycle } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import type { MemoryWorkerBehaviour, ProviderContractRegistration } from '../src/index.js';
import {
  createEventRecorder,
  createManualClock,
  createMemoryInfrastructure,
  createMemoryProvider,
  memoryContractFixtures,
  memoryProviderUnderTest,
  providerContractTestNames,
  runLifecycleConformanceSuite,
  runProviderContractSuite,
} from '../src/index.js';

/**
 * "Your provider" of the contract-suite snippet: the memory provider, acting out the commands
 * of the snippet's busybox fixtures as a real runtime would.
 */
function createMyProvider(options: { providerId: string }) {
  const provider = createMemoryProvider(options);
  const behaviours: [RegExp, (match: RegExpExecArray) => MemoryWorkerBehaviour][] = [
    [/^sleep \d+$/, () => ({})],
    [/^sh -c exit (\d+)$/, (m) => ({ runForMs: 5, exitCode: Number(m[1]) })],
    [/^sh -c echo (\w+); sleep \d+$/, (m) => ({ logLines: [m[1]!] })],
    [/^sh -c trap "" TERM; sleep \d+$/, () => ({ ignoreStop: true })],
  ];
  const actedOut = (spec: WorkerSpec): WorkerSpec => {
    const { extensions } = spec ?? {};
    if (
      !Array.isArray(spec?.command) ||
      (extensions !== undefined && typeof extensions !== 'object')
    )
      return spec;
    const line = spec.command.join(' ');
    for (const [pattern, behaviour] of behaviours) {
      const match = pattern.exec(line);
      if (match) return { ...spec, extensions: { ...extensions, memory: behaviour(match) } };
    }
    return spec;
  };
  return {
    ...provider,
    create: (
      request: Parameters<typeof provider.create>[0],
      options?: Parameters<typeof provider.create>[1],
    ) =>
      provider.create(
        request?.spec == null ? request : { ...request, spec: actedOut(request.spec) },
        options,
      ),
  };
}

describe('README: the provider contract suite', () => {
  // Every test of the suite registers here and runs against createMyProvider.
  const registered: string[] = [];
  const registering: typeof test = Object.assign(
    (name: string, fn: () => Promise<void>, timeout?: number) => {
      registered.push(name);
      return test(name, fn, timeout);
    },
    test,
  ) as typeof test;
  let registration: ProviderContractRegistration | undefined;
  {
    const test = registering;
    registration =
      // #region contract-suite
      runProviderContractSuite({
        test,
        describe,
        createProvider: async () => {
          const provider = createMyProvider({ providerId: 'contract' });
          const calls = () => provider.infrastructure.calls.total; // count your API requests
          return { provider, countCalls: calls, cleanup: () => provider.close() };
        },
        fixtures: {
          longRunning: { image: 'busybox:1.36', command: ['sleep', '3600'] },
          completes: (code) => ({ image: 'busybox:1.36', command: ['sh', '-c', `exit ${code}`] }),
          withLogs: {
            spec: { image: 'busybox:1.36', command: ['sh', '-c', 'echo hello; sleep 3600'] },
            lines: ['hello'],
          },
          ignoresSigterm: {
            image: 'busybox:1.36',
            command: ['sh', '-c', 'trap "" TERM; sleep 3600'],
          },
          neverReady: { unsupported: 'this runtime has no readiness check' },
          startsSlowly: { unsupported: 'this runtime has no readiness check' },
        },
      });
    // #endregion contract-suite
  }

  test('registers every test of the suite but those of the fixtures it cannot express', () => {
    expect(registered).toEqual(registration?.tests.map((t) => t.name));
    expect(registration?.skipped.map((s) => s.id).sort()).toEqual([
      'ready.never',
      'ready.slow',
      'spec.everyProblemWithProvider',
    ]);
    expect(registered.length + 3).toBe(providerContractTestNames.length);
  });
});

describe('README: the lifecycle conformance suite', () => {
  // #region lifecycle-suite
  runLifecycleConformanceSuite({
    test,
    describe,
    createProvider: async () => memoryProviderUnderTest(), // { provider, anotherInstance, ... }
    fixtures: memoryContractFixtures, // longRunning, completes(code), neverReady
    durations: { maxLifetimeMs: 1_500, ttlMs: 1_000, startupTimeoutMs: 500 },
  });
  // #endregion lifecycle-suite
});

test('README: the memory provider', async () => {
  // #region memory-provider
  const clock = createManualClock();
  const infrastructure = createMemoryInfrastructure({ clock }); // the shared "cluster"
  const provider = createMemoryProvider({ infrastructure, providerId: 'memory-1' });
  // #endregion memory-provider
  await using workers = withLifecycle(provider, { scope: 'readme', clock });
  const worker = await workers.createWorker({
    image: 'busybox:1.36',
    extensions: { memory: { logLines: ['hello'] } },
  });
  // A second provider on the same infrastructure sees the first one's worker.
  const second = createMemoryProvider({ infrastructure, providerId: 'memory-2' });
  const [seen] = await second.list({ scope: 'readme' });
  expect(seen).toMatchObject({ workerId: worker.workerId, uid: worker.uid, phase: 'running' });
  expect(infrastructure.workers()).toHaveLength(1);
  expect(infrastructure.calls.create).toBe(1);
});

test('README: the manual clock', async () => {
  // #region manual-clock
  const clock = createManualClock(); // starts at 2026-01-01T00:00:00.000Z
  const fired: number[] = [];
  clock.setTimer(60_000, () => fired.push(clock.now())); // as the manager and the memory provider do
  const pending = clock.pendingTimers; // 1
  const next = clock.nextTimerAt(); // Date.parse('2026-01-01T00:01:00Z')
  await clock.advance(30_000); // fires due timers in order, settling promises between them
  await clock.advanceTo(Date.parse('2026-01-01T01:00:00Z')); // fired: [the timer's due time]
  await clock.runUntilIdle({ maxTimers: 1000 }); // fires every timer left, jumping to each
  await clock.settle(); // lets promises settle without moving time
  // #endregion manual-clock
  expect(pending).toBe(1);
  expect(next).toBe(Date.parse('2026-01-01T00:01:00Z'));
  expect(fired).toEqual([Date.parse('2026-01-01T00:01:00Z')]);
  expect(clock.now()).toBe(Date.parse('2026-01-01T01:00:00Z'));
  expect(clock.pendingTimers).toBe(0);
});

test('README: the event recorder', async () => {
  const clock = createManualClock();
  const infrastructure = createMemoryInfrastructure({ clock });
  const provider = createMemoryProvider({ infrastructure });
  // #region event-recorder
  const events = createEventRecorder(); // an EventPublisher: pass it as the manager's publisher
  await using workers = withLifecycle(provider, {
    publisher: events,
    clock,
    policy: { ttlAfterCompletion: '1m' },
  });
  // #endregion event-recorder
  await workers.createWorker(
    { image: 'busybox:1.36', extensions: { memory: { runForMs: 1_000 } } },
    { workerId: 'w-1' },
  );
  await workers.createWorker({ image: 'busybox:1.36' }, { workerId: 'w-2' });
  await clock.advance(2 * 60_000); // w-1 exits, then its TTL runs out
  // #region event-recorder-checks
  events.expectSequence('w-2', ['WorkerEphemeralCreated', 'WorkerEphemeralReady']);
  events.expectContains('w-1', ['WorkerEphemeralTerminated', 'WorkerEphemeralCleanedUp']);
  events.expectNone('OrphanWorkerDetected');
  infrastructure.vanish('w-2'); // deleted out of band, like `docker rm -f`
  const orphan = await events.waitFor('OrphanWorkerDetected', (e) => e.kind === 'lost-worker', {
    timeoutMs: 1000,
  });
  const [terminated] = events.ofType('WorkerEphemeralTerminated'); // typed: terminated.exitCode
  const types = events.typesFor('w-1'); // events.forWorker('w-1') gives the events themselves
  events.clear();
  // #endregion event-recorder-checks
  expect(orphan.workerId).toBe('w-2');
  expect(terminated).toMatchObject({ workerId: 'w-1', exitCode: 0 });
  expect(types.at(-1)).toBe('WorkerEphemeralCleanedUp');
  expect(events.events).toEqual([]);
});
