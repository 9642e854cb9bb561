/**
 * The snippets of packages/core/README.md, run as tests so they cannot rot
 * (docs/snippets.mjs checks that the README shows exactly these regions).
 */
import { createEventRecorder, createMemoryProvider } from '@hodei/lifecycle-testkit';
import { afterEach, expect, test, vi } from 'vitest';
import {
  createInProcessPublisher,
  decisionInputFromRecord,
  InvalidSpecError,
  LifecycleError,
  planWorker,
  withLifecycle,
} from '../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

test('README: quickstart', async () => {
  // The system clock, faked: the snippet below is exactly what an application writes.
  vi.useFakeTimers();
  const provider = createMemoryProvider();
  const recorder = createEventRecorder();
  // #region quickstart
  const events = createInProcessPublisher();
  events.subscribe('WorkerEphemeralTerminated', (event) => {
    console.log(`${event.workerId} ended with exit code ${event.exitCode}`);
  });

  await using workers = withLifecycle(provider, {
    scope: 'ci-runners',
    publisher: events,
    policy: { maxLifetime: '30m', ttlAfterCompletion: '2m', idleTimeout: '5m' },
  });
  // #endregion quickstart
  const unsubscribe = events.subscribe((event) => recorder.publish(event));
  // #region create
  const worker = await workers.createWorker({
    image: 'ghcr.io/acme/ci-job:1.4.0',
    command: ['run-job', '--id', '42'],
    resources: { cpu: '500m', memory: '512Mi' },
    labels: { team: 'platform' },
  });
  workers.markBusy(worker.workerId); // the idle timeout stops counting
  // ... the job runs ...
  workers.markIdle(worker.workerId); // and starts again
  // #endregion create
  await vi.advanceTimersByTimeAsync(5 * 60_000);
  unsubscribe();
  recorder.expectContains(worker.workerId, [
    'WorkerEphemeralIdle',
    'WorkerEphemeralTerminating',
    'WorkerEphemeralTerminated',
  ]);
});

test('README: errors', async () => {
  const provider = createMemoryProvider();
  await using workers = withLifecycle(provider, { scope: 'ci-runners' });
  let caught: unknown;
  // #region errors
  try {
    await workers.createWorker({ image: 'Not A Valid Image!' });
  } catch (error) {
    if (InvalidSpecError.isInstance(error)) {
      console.error(error.issues); // [{ path: 'image', message: 'is not a valid image reference ...' }]
    } else if (LifecycleError.isInstance(error) && error.retryable) {
      // a transient infrastructure fault: try again later
    } else {
      throw error;
    }
    // #endregion errors
    caught = error;
  }
  expect(InvalidSpecError.isInstance(caught)).toBe(true);
  expect(await provider.list({ scope: 'ci-runners' })).toEqual([]);
});

test('README: explain a worker from its record alone', async () => {
  vi.useFakeTimers();
  const provider = createMemoryProvider();
  await using workers = withLifecycle(provider, { scope: 'ci-runners', instanceId: 'manager-1' });
  const { workerId } = await workers.createWorker({ image: 'ghcr.io/acme/ci-job:1.4.0' });
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  // #region explain
  for (const record of await provider.list({ scope: 'ci-runners' })) {
    // As a manager that adopted it would see it (its stamps: owner, deadline, TTL).
    const input = decisionInputFromRecord(record, { now: Date.now(), policy: workers.policy });
    if (!input) continue; // no ownership stamp: not the lifecycle's
    const plan = planWorker(input);
    const last = plan.steps.at(-1)!;
    if (last.effects.length > 0)
      log(`${record.workerId}: now, ${last.rule} (${last.effects[0]!.kind})`);
    for (const { rule, at } of last.upcoming) {
      log(`${record.workerId}: ${rule} at ${new Date(at).toISOString()}`);
    }
  }
  // #endregion explain
  expect(lines).toEqual([
    `${workerId}: max-lifetime at ${workers.worker(workerId)!.expiresAt!.toISOString()}`,
  ]);
});
