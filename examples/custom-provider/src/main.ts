/**
 * Real processes under a lifecycle, on a machine with neither Docker nor Kubernetes: five
 * workers on the process provider, with a policy in seconds, printed as a timeline.
 *
 *   hello     prints and completes; kept for its TTL, then removed
 *   fails     exits 3; kept longer (retainOnFailure) for debugging, then removed
 *   server    ready only once it prints "listening"; completes
 *   sleeper   runs past its maxLifetime: SIGTERM, exit code 143
 *   stubborn  ignores SIGTERM: killed when the grace period ends, exit code 137
 *
 * Run it with `pnpm --filter @hodei/example-custom-provider start`. It exits 0 once every
 * worker is cleaned up and no process is left.
 */
import {
  createInProcessPublisher,
  createProviderRegistry,
  formatDuration,
  type LifecycleEvent,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { defaultProcessHost, PROCESS_IMAGE, processProviderPlugin } from './index.ts';

const startedAt = Date.now();

function describe(event: LifecycleEvent): string {
  switch (event.type) {
    case 'WorkerEphemeralCreated':
      return `created       deadline in ${formatDuration(event.maxLifetime)}`;
    case 'WorkerEphemeralReady':
      return 'ready';
    case 'WorkerEphemeralIdle':
      return 'idle';
    case 'WorkerEphemeralTerminating':
      return `terminating   ${event.reason}`;
    case 'WorkerEphemeralTerminated': {
      const log = event.lastLogLines?.length ? `, last log: "${event.lastLogLines.at(-1)}"` : '';
      return `terminated    ${event.reason}, exit code ${event.exitCode}${log}`;
    }
    case 'WorkerEphemeralCleanedUp':
      return `cleaned up    ${event.cleanupReason}`;
    case 'OrphanWorkerDetected':
      return `orphan        ${event.kind}`;
    case 'WorkerEphemeralActionFailed':
      return `${event.action} failed   ${event.message}`;
    case 'GarbageCollectionCompleted':
      return `gc            ${event.workersCleaned} cleaned, ${event.orphansDetected} orphans`;
  }
}

const events = createInProcessPublisher();
events.subscribe((event) => {
  if (event.type === 'GarbageCollectionCompleted' && event.workersCleaned === 0) return;
  const at = `+${((Date.now() - startedAt) / 1000).toFixed(2)}s`.padStart(7);
  const who = ('workerId' in event ? event.workerId : 'manager').padEnd(9);
  console.log(`${at}  ${who} ${describe(event)}`);
});

// #region lifecycle
const registry = createProviderRegistry([processProviderPlugin]);
const provider = registry.create('process', { providerId: 'process-demo' });

await using manager = withLifecycle(provider, {
  scope: 'process-demo',
  publisher: events,
  policy: {
    maxLifetime: '3s',
    ttlAfterCompletion: '1s',
    retainOnFailure: '2s',
    gracefulTerminationTimeout: '500ms',
    orphanCheckInterval: '1s',
  },
});

const image = PROCESS_IMAGE;
await manager.createWorker(
  { image, command: ['sh', '-c', 'echo hi; sleep 1'] },
  { workerId: 'hello' },
);
// #endregion lifecycle
await manager.createWorker(
  { image, command: ['sh', '-c', 'echo "error: 1 test failed" >&2; exit 3'] },
  { workerId: 'fails' },
);
await manager.createWorker(
  {
    image,
    command: ['sh', '-c', 'sleep 0.5; echo listening; sleep 1; echo bye'],
    extensions: { process: { readyOnLine: 'listening' } },
  },
  { workerId: 'server' },
);
await manager.createWorker({ image, command: ['sleep', '600'] }, { workerId: 'sleeper' });
await manager.createWorker(
  { image, command: ['sh', '-c', 'trap "" TERM; echo "ignoring SIGTERM"; sleep 600'] },
  { workerId: 'stubborn' },
);
// Busy workers are never idle: only their maxLifetime ends them.
manager.markBusy('sleeper');
manager.markBusy('stubborn');

const deadline = Date.now() + 20_000;
while (manager.workers().length > 0) {
  if (Date.now() > deadline) throw new Error('the workers were not cleaned up within 20 s');
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const left = await provider.list({ scope: 'process-demo' });
const running = defaultProcessHost.running;
console.log(
  `\nDone in ${formatDuration(Date.now() - startedAt)}: ${left.length} workers left, ${running} processes running.`,
);
if (left.length > 0 || running > 0) process.exitCode = 1;
