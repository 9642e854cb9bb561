/**
 * What the contract suite cannot know about this provider: its own spec rules, signals and
 * exit codes, process groups, the environment, the shared host, the plugin, and a whole
 * lifecycle under withLifecycle.
 */
import { readFile } from 'node:fs/promises';
import {
  createProviderRegistry,
  InvalidSpecError,
  OwnershipKeys,
  type PolicyInput,
  ProviderError,
  UnknownProviderTypeError,
  type WorkerRecordV1,
  type WorkerSpec,
  withLifecycle,
} from '@hodei/lifecycle-core';
import { assertProviderV1 } from '@hodei/lifecycle-core/provider';
import { createEventRecorder } from '@hodei/lifecycle-testkit';
import { afterEach, describe, expect, test } from 'vitest';
import {
  createProcessProvider,
  PROCESS_IMAGE,
  ProcessHost,
  type ProcessProvider,
  processProviderPlugin,
} from './index.ts';

const image = PROCESS_IMAGE;
const scope = 'unit';
const owner = 'unit-test';
let created: ProcessProvider[] = [];
let next = 0;

function newProvider(host = new ProcessHost(), providerId = 'process-unit') {
  const provider = createProcessProvider({ host, providerId });
  created.push(provider);
  return provider;
}

function create(provider: ProcessProvider, spec: WorkerSpec, workerId = `w-${++next}`) {
  return provider.create({
    spec,
    ownership: {
      scope,
      workerId,
      providerId: provider.providerId,
      owner,
      expiresAt: undefined,
      ttlAfterFinishedSeconds: undefined,
    },
  });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ref = (record: WorkerRecordV1) => ({ workerId: record.workerId, scope, uid: record.uid });
const finished = (record: WorkerRecordV1 | undefined) =>
  record?.phase === 'succeeded' || record?.phase === 'failed';

/** A process is gone when /proc no longer has it, or only as a zombie nobody reaped yet. */
async function processGone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

afterEach(async () => {
  // Whatever a test left on its hosts, in any scope (a manager closes its provider: use another).
  for (const host of new Set(created.map((provider) => provider.host))) {
    const cleaner = createProcessProvider({ host, providerId: 'cleanup' });
    for (const { workerId, uid, labels } of host.records()) {
      const workerScope = labels[OwnershipKeys.managedBy] ?? '';
      await cleaner.remove({ workerId, scope: workerScope, uid }, { gracePeriodMs: 0 });
    }
    expect(host.records()).toEqual([]);
  }
  created = [];
});

describe('specs', () => {
  test.each<[string, WorkerSpec, string]>([
    ['an image', { image: 'busybox:1.36', command: ['true'] }, 'image'],
    ['no command', { image }, 'command'],
    ['an empty command', { image, command: [] }, 'command'],
    ['resources', { image, command: ['true'], resources: { memory: '64Mi' } }, 'resources'],
    [
      'an unknown extension field',
      { image, command: ['true'], extensions: { process: { tty: true } } },
      'extensions.process.tty',
    ],
    [
      'an empty readyOnLine',
      { image, command: ['true'], extensions: { process: { readyOnLine: '' } } },
      'extensions.process.readyOnLine',
    ],
  ])('%s is refused before any call to the host', async (_, spec, path) => {
    const provider = newProvider();
    const error = await create(provider, spec).catch((e: unknown) => e);
    expect(InvalidSpecError.isInstance(error)).toBe(true);
    expect((error as InvalidSpecError).issues.map((issue) => issue.path)).toContain(path);
    expect(provider.host.calls.total).toBe(0);
  });

  test('other providers’ extensions are ignored', async () => {
    const provider = newProvider();
    const spec = { image, command: ['true'], extensions: { docker: { privileged: true } } };
    await expect(create(provider, spec)).resolves.toMatchObject({ workerId: expect.any(String) });
  });

  test('command and args are joined; env is spec.env over PATH only', async () => {
    process.env.HODEI_EXAMPLE_SECRET = 'must not leak';
    try {
      const provider = newProvider();
      const worker = await create(provider, {
        image,
        command: ['sh', '-c', 'echo "$0 $1 [$GREETING] [$HODEI_EXAMPLE_SECRET]"'],
        args: ['first', 'second'],
        env: { GREETING: 'hello' },
      });
      await until(() => provider.get(ref(worker)), finished);
      expect(await provider.logs(ref(worker))).toEqual(['first second [hello] []']);
    } finally {
      delete process.env.HODEI_EXAMPLE_SECRET;
    }
  });
});

describe('processes', () => {
  test('a missing executable is a ProviderError that is not retryable, and leaves nothing', async () => {
    const provider = newProvider();
    const error = await create(provider, { image, command: ['/nonexistent/job'] }).catch(
      (e: unknown) => e,
    );
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ retryable: false, status: 'ENOENT' });
    expect(await provider.list({ scope })).toEqual([]);
  });

  test('stop sends SIGTERM: exit code 143, reason Stopped', async () => {
    const provider = newProvider();
    const worker = await create(provider, { image, command: ['sleep', '600'] });
    await provider.stop(ref(worker), { gracePeriodMs: 5_000 });
    expect(await provider.get(ref(worker))).toMatchObject({
      phase: 'failed',
      exitCode: 143,
      reason: 'Stopped',
      ready: false,
      removing: false,
    });
  });

  test('a process that ignores SIGTERM is killed after the grace period: 137, Killed', async () => {
    const provider = newProvider();
    const worker = await create(provider, {
      image,
      command: ['sh', '-c', 'trap "" TERM; echo ignoring; sleep 600'],
    });
    await until(
      () => provider.logs(ref(worker)),
      (lines) => lines.length > 0,
    );
    const started = Date.now();
    await provider.stop(ref(worker), { gracePeriodMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await provider.get(ref(worker))).toMatchObject({ exitCode: 137, reason: 'Killed' });
    expect(await provider.logs(ref(worker))).toEqual(['ignoring']);
  });

  test('a worker is its process group: stopping it stops what it started', async () => {
    const provider = newProvider();
    const worker = await create(provider, {
      image,
      command: ['sh', '-c', 'sleep 600 & echo $!; wait'],
    });
    const [line] = await until(
      () => provider.logs(ref(worker)),
      (lines) => lines.length > 0,
    );
    const child = Number(line);
    expect(await processGone(child)).toBe(false);
    await provider.remove(ref(worker), { gracePeriodMs: 1_000 });
    await until(
      () => processGone(child),
      (gone) => gone,
    );
  });

  test('ready waits for the readyOnLine text', async () => {
    const provider = newProvider();
    const worker = await create(provider, {
      image,
      command: ['sh', '-c', 'echo starting; sleep 0.3; echo listening on 8080; sleep 600'],
      extensions: { process: { readyOnLine: 'listening on' } },
    });
    expect(worker).toMatchObject({ phase: 'running', ready: false });
    const ready = await until(
      () => provider.get(ref(worker)),
      (record) => record?.ready === true,
    );
    expect(ready?.phase).toBe('running');
  });

  test('providers on one host see each other’s workers; another host does not', async () => {
    const host = new ProcessHost();
    const first = newProvider(host, 'process-a');
    const second = newProvider(host, 'process-b');
    const elsewhere = newProvider();
    const worker = await create(first, { image, command: ['sleep', '600'] });
    expect((await second.list({ scope })).map((w) => w.uid)).toEqual([worker.uid]);
    expect(await elsewhere.list({ scope })).toEqual([]);
    await second.remove(ref(worker), { gracePeriodMs: 0 });
    expect(await first.get(ref(worker))).toBeUndefined();
  });
});

describe('plugin', () => {
  test('registers as "process" and creates providers that keep contract v1', () => {
    const registry = createProviderRegistry([processProviderPlugin]);
    const provider = registry.create('process', { host: new ProcessHost(), providerId: 'p-1' });
    assertProviderV1(provider);
    expect(provider.type).toBe('process');
    expect(registry.types).toEqual(['process']);
    const error = (() => {
      try {
        return registry.create('nomad' as 'process', {});
      } catch (e) {
        return e;
      }
    })();
    expect(UnknownProviderTypeError.isInstance(error)).toBe(true);
  });
});

describe('under withLifecycle', () => {
  test('a worker that completes is terminated with its logs, then cleaned up', async () => {
    const provider = newProvider();
    const events = createEventRecorder();
    await using manager = withLifecycle(provider, {
      scope: 'lifecycle-unit',
      publisher: events,
      policy: { maxLifetime: '10s', ttlAfterCompletion: '200ms', orphanCheckInterval: '1s' },
    });
    const worker = await manager.createWorker({
      image,
      command: ['sh', '-c', 'echo hello from a process'],
    });
    const terminated = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === worker.workerId,
      { timeoutMs: 5_000 },
    );
    expect(terminated.exitCode).toBe(0);
    expect(terminated.lastLogLines).toEqual(['hello from a process']);
    await events.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === worker.workerId, {
      timeoutMs: 5_000,
    });
    expect(await provider.list({ scope: 'lifecycle-unit' })).toEqual([]);
  });

  test('a worker past its maxLifetime is stopped (143) and removed', async () => {
    const provider = newProvider();
    const events = createEventRecorder();
    await using manager = withLifecycle(provider, {
      scope: 'lifecycle-unit-2',
      publisher: events,
      policy: { maxLifetime: '300ms', ttlAfterCompletion: 0, gracefulTerminationTimeout: '1s' },
    });
    const worker = await manager.createWorker({ image, command: ['sleep', '600'] });
    manager.markBusy(worker.workerId);
    const terminated = await events.waitFor(
      'WorkerEphemeralTerminated',
      (e) => e.workerId === worker.workerId,
      { timeoutMs: 5_000 },
    );
    expect(terminated.exitCode).toBe(143);
    await events.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === worker.workerId, {
      timeoutMs: 5_000,
    });
    events.expectContains(worker.workerId, [
      'WorkerEphemeralCreated',
      'WorkerEphemeralReady',
      'WorkerEphemeralTerminating',
      'WorkerEphemeralTerminated',
      'WorkerEphemeralCleanedUp',
    ]);
    expect(await provider.list({ scope: 'lifecycle-unit-2' })).toEqual([]);
  });

  test('another manager on the same host adopts a crashed manager’s worker and ends it', async () => {
    const host = new ProcessHost();
    const policy: PolicyInput = {
      maxLifetime: '500ms',
      ttlAfterCompletion: 0,
      gracefulTerminationTimeout: '1s',
    };
    const crashed = withLifecycle(newProvider(host, 'process-a'), { scope: 'adopt', policy });
    const worker = await crashed.createWorker({ image, command: ['sleep', '600'] });
    crashed.markBusy(worker.workerId);
    await crashed.close(); // its timers stop; the worker and its stamp stay on the host

    const events = createEventRecorder();
    const provider = newProvider(host, 'process-b');
    await using successor = withLifecycle(provider, { scope: 'adopt', publisher: events, policy });
    await successor.start();
    expect(successor.worker(worker.workerId)).toMatchObject({ adopted: true });
    await events.waitFor('WorkerEphemeralCleanedUp', (e) => e.workerId === worker.workerId, {
      timeoutMs: 5_000,
    });
    expect(host.records()).toEqual([]);
  });
});
