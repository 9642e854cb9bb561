/**
 * The quickstart: four workers on the in-memory provider, with a policy in seconds so the
 * whole lifecycle plays out in a few seconds, printed as a live timeline.
 *
 *   build-ok     completes, is kept for its TTL (its logs can be read), then removed
 *   build-fails  fails with exit code 2 and is retained longer for debugging
 *   agent        marked busy, runs past its maxLifetime and is stopped
 *   flaky        is removed out of band and reported as an orphan
 *
 * At one moment it also prints what an operator sees with the `hodei-lifecycle` command (its
 * `ls` and `explain` views), run in-process on the same provider.
 *
 * Run it with `npm run demo` from the repository root.
 */

import { runCli } from '@hodei/lifecycle-cli';
import {
  createInProcessPublisher,
  formatDuration,
  type LifecycleEvent,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { createMemoryProvider } from '@hodei/lifecycle-testkit';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const startedAt = Date.now();

function describe(event: LifecycleEvent): [string, string] {
  switch (event.type) {
    case 'WorkerEphemeralCreated':
      return [paint(36, 'created'), `deadline in ${formatDuration(event.maxLifetime)}`];
    case 'WorkerEphemeralReady':
      return [paint(32, 'ready'), ''];
    case 'WorkerEphemeralIdle':
      return [paint(90, 'idle'), ''];
    case 'WorkerEphemeralTerminating':
      return [paint(33, 'terminating'), event.reason];
    case 'WorkerEphemeralTerminated': {
      const logs = event.lastLogLines?.length ? `, last log: "${event.lastLogLines.at(-1)}"` : '';
      const ttl = event.ttlExpiresAt
        ? `, removed in ${formatDuration(Math.max(0, Math.round((event.ttlExpiresAt.getTime() - Date.now()) / 100) * 100))}`
        : '';
      const what = event.exitCode === 0 ? paint(32, 'completed') : paint(31, 'ended');
      return [what, `${event.reason}, exit code ${event.exitCode}${logs}${ttl}`];
    }
    case 'WorkerEphemeralCleanedUp':
      return [paint(90, 'cleaned up'), event.cleanupReason];
    case 'WorkerEphemeralActionFailed':
      return [paint(31, `${event.action} failed`), event.message];
    case 'OrphanWorkerDetected':
      return [
        paint(35, 'orphan!'),
        `${event.kind}, last seen ${formatDuration(event.orphanedDuration)} ago`,
      ];
    case 'GarbageCollectionCompleted':
      return [
        paint(90, 'gc'),
        `${event.workersCleaned} cleaned, ${event.orphansDetected} orphans, ${event.errors.length} errors`,
      ];
  }
}

const events = createInProcessPublisher();
events.subscribe((event) => {
  const quiet =
    event.type === 'GarbageCollectionCompleted' &&
    event.workersCleaned + event.orphansDetected === 0;
  if (quiet) return;
  const at = `+${((Date.now() - startedAt) / 1000).toFixed(2)}s`.padStart(7);
  const who = ('workerId' in event ? event.workerId : 'manager').padEnd(12);
  const [what, detail] = describe(event);
  console.log(`${paint(90, at)}  ${who} ${what.padEnd(color ? 20 : 11)} ${paint(90, detail)}`);
});

const provider = createMemoryProvider({ providerId: 'memory-demo' });
await using manager = withLifecycle(provider, {
  scope: 'demo',
  publisher: events,
  policy: {
    maxLifetime: '4s',
    ttlAfterCompletion: '1500ms',
    retainOnFailure: '3s',
    idleTimeout: '1m',
    gracefulTerminationTimeout: '500ms',
    orphanCheckInterval: '1s',
  },
});

console.log('Hodei Lifecycle quickstart: four workers on the in-memory provider\n');
const image = 'example.com/ci/job:1';
await manager.createWorker(
  {
    image,
    extensions: {
      memory: { readyAfterMs: 300, runForMs: 1200, logLines: ['compiling', 'all tests passed'] },
    },
  },
  { workerId: 'build-ok' },
);
await manager.createWorker(
  {
    image,
    extensions: {
      memory: {
        readyAfterMs: 300,
        runForMs: 1500,
        exitCode: 2,
        logLines: ['error: 1 test failed'],
      },
    },
  },
  { workerId: 'build-fails' },
);
await manager.createWorker(
  { image, extensions: { memory: { readyAfterMs: 200 } } },
  { workerId: 'agent' },
);
await manager.createWorker(
  { image, extensions: { memory: { readyAfterMs: 100 } } },
  { workerId: 'flaky' },
);

setTimeout(() => manager.markBusy('agent'), 400);
// What an operator sees at this moment: `hodei-lifecycle ls` and `explain` on the same provider.
const operatorView = new Promise<void>((resolve) =>
  setTimeout(async () => {
    const out = { write: (text: string) => process.stdout.write(text.replace(/^(?=.)/gm, '    ')) };
    const cli = { provider, stdout: out, env: { NO_COLOR: '1' } };
    console.log(paint(90, '\n  $ hodei-lifecycle ls --scope demo'));
    await runCli(['ls', '--scope', 'demo'], cli);
    console.log(paint(90, '  $ hodei-lifecycle explain agent build-ok --scope demo'));
    await runCli(['explain', 'agent', 'build-ok', '--scope', 'demo'], cli);
    console.log('');
    resolve();
  }, 1_400),
);
// Someone deletes a container by hand: the manager must notice, not wait for it forever.
setTimeout(() => provider.infrastructure.vanish('flaky'), 1000);

const deadline = Date.now() + 15_000;
while (manager.workers().length > 0) {
  if (Date.now() > deadline) throw new Error('the demo did not finish within 15 s');
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await operatorView;
const summary = await manager.collectGarbage();
const left = await provider.list({ scope: 'demo' });
console.log(
  `\nDone in ${formatDuration(Date.now() - startedAt)}: ${left.length} workers left on the infrastructure, ` +
    `last garbage collection: ${summary.workersCleaned} cleaned, ${summary.orphansDetected} orphans, ${summary.errors.length} errors.`,
);
if (left.length > 0) process.exitCode = 1;
