/**
 * Workers on a real Docker engine, under the lifecycle manager, with their events printed as
 * they happen. Needs an engine and the test image: tools/docker-env/bin/up.
 *
 *   pnpm --filter @hodei/example-docker start
 *
 * Exits 0 once every worker has been cleaned up and no container of its scope is left.
 */
import {
  createInProcessPublisher,
  type LifecycleEvent,
  type WorkerSpec,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { createDockerProvider } from '@hodei/lifecycle-provider-docker';

const IMAGE = 'hodei-test-worker:1';
const scope = `example-docker-${process.pid}`;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;

// Owner-lease containers need an image with a POSIX sh on the engine (the provider never
// pulls): here the workers' own image, which has one.
const provider = createDockerProvider({ providerId: 'example', leaseImage: IMAGE });
const health = await provider.health();
if (!health.healthy) {
  console.error(`No Docker engine: ${health.message}\nStart one with tools/docker-env/bin/up.`);
  process.exit(1);
}

const publisher = createInProcessPublisher();
const names = new Map<string, string>();
publisher.subscribe((event: LifecycleEvent) => {
  if (event.type === 'GarbageCollectionCompleted') return;
  const who = names.get(event.workerId) ?? event.workerId;
  const detail =
    event.type === 'WorkerEphemeralTerminating'
      ? event.reason
      : event.type === 'WorkerEphemeralTerminated'
        ? `${event.reason}, exit ${event.exitCode}, last log: ${event.lastLogLines?.at(-1) ?? '-'}`
        : event.type === 'WorkerEphemeralCleanedUp'
          ? event.cleanupReason
          : event.type === 'OrphanWorkerDetected'
            ? event.kind
            : '';
  console.log(
    `${elapsed()}  ${who.padEnd(9)} ${event.type.replace('WorkerEphemeral', '')} ${detail}`,
  );
});

await using manager = withLifecycle(provider, {
  scope,
  publisher,
  policy: {
    maxLifetime: '1m',
    ttlAfterCompletion: '2s',
    retainOnFailure: '4s',
    gracefulTerminationTimeout: '2s',
    startupTimeout: '4s',
  },
});

const readiness = { healthcheck: { command: 'test -f /tmp/ready', intervalMs: 500, retries: 1 } };
const workers: Record<string, WorkerSpec> = {
  // Prints, works two seconds, exits 0: kept 2 s (ttlAfterCompletion), then removed.
  job: { image: IMAGE, env: { WORKER_LOG_LINES: '2', WORKER_SLEEP: '2' } },
  // Exits 3: kept 4 s for debugging (retainOnFailure).
  failing: { image: IMAGE, env: { WORKER_SLEEP: '1', WORKER_EXIT_CODE: '3' } },
  // Runs until its own 5 s deadline (a per-worker policy), then is stopped and removed.
  deadline: { image: IMAGE, policy: { maxLifetime: '5s' }, extensions: { docker: readiness } },
  // Becomes ready after a second; the program terminates it itself.
  service: {
    image: IMAGE,
    env: { WORKER_READY_AFTER: '1' },
    resources: { cpu: '250m', memory: '32Mi' },
    extensions: { docker: readiness },
  },
};

console.log(`scope ${scope}: starting ${Object.keys(workers).length} workers`);
const records = await Promise.all(
  Object.entries(workers).map(async ([name, spec]) => {
    const workerId = `${name}-${process.pid}`;
    names.set(workerId, name);
    return manager.createWorker(spec, { workerId });
  }),
);

const service = records.find((r) => names.get(r.workerId) === 'service')!;
const ready = await waitFor('the service to be ready', () =>
  manager.worker(service.workerId)?.state === 'Ready' ? true : undefined,
);
if (ready) {
  console.log(`${elapsed()}  service   is ready; terminating it`);
  await manager.terminate(service.workerId);
}

await waitFor('every worker to be cleaned up', () =>
  manager.workers().length === 0 ? true : undefined,
);
const left = await provider.list({ scope });
if (left.length > 0) {
  console.error(`containers left behind: ${left.map((r) => r.workerId).join(', ')}`);
  process.exit(1);
}
console.log(`${elapsed()}  all workers cleaned up, no container left in scope ${scope}`);

/** Polls `check` until it returns a value; fails after 60 s saying what it waited for. */
async function waitFor<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      console.error(`timed out after 60 s waiting for ${what}`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
