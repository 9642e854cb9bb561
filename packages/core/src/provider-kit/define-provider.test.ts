import { describe, expect, test, vi } from 'vitest';
import { withLifecycle } from '../index.js';
import {
  assertProviderV1,
  CancelledError,
  ClosedError,
  definePolicyPreset,
  defineProvider,
  InvalidOptionsError,
  InvalidSpecError,
  type Ownership,
  OwnershipKeys,
  ProviderError,
  type ProviderV1,
  WorkerNotFoundError,
  type WorkerObservationV1,
  type WorkerRecordV1,
} from '../provider.js';

const scope = 'kit';
const ownership = (workerId = 'w-1'): Ownership => ({
  scope,
  workerId,
  providerId: 'fake-1',
  owner: 'test',
  expiresAt: undefined,
  ttlAfterFinishedSeconds: undefined,
});

const record = (workerId: string, uid: string, labels: Record<string, string> = {}) =>
  ({
    workerId,
    uid,
    phase: 'running',
    ready: true,
    exitCode: undefined,
    reason: undefined,
    createdAt: new Date(0),
    startedAt: undefined,
    finishedAt: undefined,
    removing: false,
    labels: { [OwnershipKeys.managedBy]: scope, [OwnershipKeys.workerId]: workerId, ...labels },
    annotations: {},
  }) satisfies WorkerRecordV1;

/** A provider whose hooks are spies over a table of workers. */
function fake(overrides: Partial<Parameters<typeof defineProvider>[0]> = {}) {
  const workers = new Map<string, WorkerRecordV1>();
  const hooks = {
    create: vi.fn(async (input: { ownership: Ownership; labels: Record<string, string> }) => {
      const made = {
        ...record(input.ownership.workerId, `uid-${workers.size + 1}`),
        labels: input.labels,
      };
      workers.set(made.uid, made);
      return made;
    }),
    get: vi.fn(async (ref: { workerId: string }) =>
      [...workers.values()].find((w) => w.workerId === ref.workerId),
    ),
    list: vi.fn(async () => [...workers.values()]),
    remove: vi.fn(async (ref: { workerId: string; uid?: string }) => {
      for (const [uid, w] of workers)
        if (w.workerId === ref.workerId && (!ref.uid || ref.uid === uid)) workers.delete(uid);
    }),
    stop: vi.fn(async () => {}),
    logs: vi.fn(async () => ['a', 'b', 'c']),
  };
  const provider = defineProvider({
    type: 'fake',
    providerId: 'fake-1',
    checkSpec(spec, issues) {
      if (spec.extensions?.fake === 'bad') issues.push({ path: 'extensions.fake', message: 'bad' });
      return undefined;
    },
    ...hooks,
    ...overrides,
  } as Parameters<typeof defineProvider>[0]);
  return { provider, hooks, workers };
}

const calls = (hooks: ReturnType<typeof fake>['hooks']) =>
  Object.values(hooks).reduce((sum, hook) => sum + hook.mock.calls.length, 0);

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('defineProvider', () => {
  test('capabilities follow the hooks given; the declared preset is what a manager uses', () => {
    const { provider } = fake({
      policyPreset: definePolicyPreset('fake-cloud', { maxLifetime: '2h' }),
      nativeDeadline: true,
    });
    expect(provider.capabilities).toEqual({
      stop: true,
      watch: false,
      logs: true,
      health: false,
      nativeDeadline: true,
      nativeTtl: false,
      leases: false,
      listScopes: false,
    });
    expect(provider.health).toBeUndefined();
    const manager = withLifecycle(provider, { enabled: false });
    expect(manager.policyPreset).toBe('fake-cloud');
    expect(manager.policy.maxLifetime).toBe(7_200_000);
  });

  test('core and provider spec problems come in one InvalidSpecError, before any call', async () => {
    const { provider, hooks } = fake();
    const error = await rejection(
      provider.create({
        spec: { image: '', labels: { team: 'a b' }, extensions: { fake: 'bad' } },
        ownership: ownership(),
      }),
    );
    expect(InvalidSpecError.isInstance(error)).toBe(true);
    expect((error as InvalidSpecError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['image', 'extensions.fake']),
    );
    expect(calls(hooks)).toBe(0);
  });

  test('the stamp is merged over the user labels before create is called', async () => {
    const { provider, hooks } = fake();
    const created = await provider.create({
      spec: { image: 'busybox:1', labels: { team: 'infra' } },
      ownership: ownership('w-7'),
    });
    expect(created.labels).toMatchObject({ team: 'infra', [OwnershipKeys.workerId]: 'w-7' });
    expect(hooks.create).toHaveBeenCalledTimes(1);
  });

  test('an abort while create runs removes what was made (by its uid), then rejects', async () => {
    const controller = new AbortController();
    let release!: () => void;
    const { provider, hooks, workers } = fake({
      async create(_input, ctx) {
        workers.set('u-9', record('w-1', 'u-9'));
        ctx.created('u-9');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return record('w-1', 'u-9');
      },
    });
    const pending = provider.create(
      { spec: { image: 'busybox:1' }, ownership: ownership() },
      { signal: controller.signal },
    );
    await vi.waitFor(() => expect(release).toBeDefined());
    controller.abort();
    release();
    expect(CancelledError.isInstance(await rejection(pending))).toBe(true);
    expect(hooks.remove).toHaveBeenCalledWith(
      { workerId: 'w-1', scope, uid: 'u-9' },
      expect.objectContaining({ gracePeriodMs: 0 }),
    );
    expect(workers.size).toBe(0);
  });

  test('a create failing after the worker exists removes it and keeps the failure', async () => {
    const { provider, workers } = fake({
      async create(_input, ctx) {
        workers.set('u-1', record('w-1', 'u-1'));
        ctx.created('u-1');
        throw Object.assign(new Error('start failed'), { statusCode: 503 });
      },
    });
    const error = await rejection(
      provider.create({ spec: { image: 'a:1' }, ownership: ownership() }),
    );
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(workers.size).toBe(0);
  });

  test('a half-made worker that cannot be removed is a retryable error that says so', async () => {
    const { provider } = fake({
      async create(_input, ctx) {
        ctx.created('u-1');
        throw new Error('start failed');
      },
      remove: async () => {
        throw Object.assign(new Error('engine gone'), { code: 'ECONNREFUSED' });
      },
    });
    const error = await rejection(
      provider.create({ spec: { image: 'a:1' }, ownership: ownership() }),
    );
    expect(error).toMatchObject({ retryable: true, status: 'ECLEANUP' });
    expect((error as Error).message).toContain('could not be removed');
  });

  test('malformed refs, selectors and options are refused before any call', async () => {
    const { provider, hooks } = fake();
    const misuses: (() => unknown)[] = [
      () => provider.get({ workerId: 'Not Valid', scope }),
      () => provider.get({ workerId: 'w-1', scope: '' }),
      () => provider.list({ scope: 'has space' }),
      () => provider.list({ scope, labels: { 'bad key!': 'x' } }),
      () => provider.remove({ workerId: 'w-1', scope }, { gracePeriodMs: -1 }),
      () => provider.stop!({ workerId: 'w-1', scope }, { signal: 'no' as never }),
      () => provider.logs!({ workerId: 'w-1', scope }, { tail: 1.5 }),
    ];
    for (const misuse of misuses) {
      const error = await rejection(misuse);
      expect(InvalidOptionsError.isInstance(error), String(error)).toBe(true);
      expect((error as InvalidOptionsError).retryable).toBe(false);
    }
    expect(calls(hooks)).toBe(0);
  });

  test('an aborted signal is a CancelledError and makes no call', async () => {
    const { provider, hooks } = fake();
    const signal = AbortSignal.abort();
    for (const call of [
      () => provider.create({ spec: { image: 'a:1' }, ownership: ownership() }, { signal }),
      () => provider.remove({ workerId: 'w-1', scope }, { signal }),
      () => provider.stop!({ workerId: 'w-1', scope }, { signal }),
    ]) {
      expect(CancelledError.isInstance(await rejection(call))).toBe(true);
    }
    expect(calls(hooks)).toBe(0);
  });

  test('records of another scope or incarnation are never returned', async () => {
    const { provider, workers } = fake();
    workers.set('u-1', record('w-1', 'u-1', { [OwnershipKeys.managedBy]: 'other' }));
    workers.set('u-2', record('w-2', 'u-2'));
    expect(await provider.get({ workerId: 'w-1', scope })).toBeUndefined();
    expect(await provider.get({ workerId: 'w-2', scope, uid: 'u-old' })).toBeUndefined();
    expect((await provider.list({ scope })).map((w) => w.uid)).toEqual(['u-2']);
  });

  test('remove of a missing worker is success; stop and logs of one are WorkerNotFoundError', async () => {
    const missing = async () => {
      throw new WorkerNotFoundError('w-9');
    };
    const { provider } = fake({ remove: missing, stop: missing, logs: missing });
    await provider.remove({ workerId: 'w-9', scope });
    const ref = { workerId: 'w-9', scope };
    expect(WorkerNotFoundError.isInstance(await rejection(provider.stop!(ref)))).toBe(true);
    expect(WorkerNotFoundError.isInstance(await rejection(provider.logs!(ref, { tail: 0 })))).toBe(
      true,
    );
  });

  test('the kit applies tail, also for an infrastructure that cannot', async () => {
    const { provider } = fake();
    const ref = { workerId: 'w-1', scope };
    expect(await provider.logs!(ref, { tail: 2 })).toEqual(['b', 'c']);
    expect(await provider.logs!(ref, { tail: 0 })).toEqual([]);
    expect(await provider.logs!(ref)).toEqual(['a', 'b', 'c']);
  });

  test('failures keep their status; retryable is true only for transient ones', async () => {
    const cases: [unknown, number | string | undefined, boolean][] = [
      [Object.assign(new Error('x'), { statusCode: 404 }), 404, false],
      [Object.assign(new Error('x'), { status: 403 }), 403, false],
      [Object.assign(new Error('x'), { statusCode: 429 }), 429, true],
      [Object.assign(new Error('x'), { status: 502 }), 502, true],
      [Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED', true],
      [Object.assign(new Error('x'), { code: 'ENOENT' }), 'ENOENT', false],
      [Object.assign(new Error('x'), { name: 'TimeoutError' }), 'ETIMEDOUT', true],
      [new Error('no status'), undefined, false],
    ];
    for (const [thrown, status, retryable] of cases) {
      const { provider } = fake({ list: async () => Promise.reject(thrown) });
      const error = await rejection(provider.list({ scope }));
      expect(ProviderError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status, retryable });
    }
  });

  test('after close every call throws ClosedError (not retryable) and open watches end', async () => {
    let stuck = false;
    const { provider } = fake({
      health: async () => ({ healthy: true }),
      // A watch whose iterator never answers: the kit must still end it.
      watch: () => ({
        [Symbol.asyncIterator]: () => ({
          next: () => {
            stuck = true;
            return new Promise<IteratorResult<WorkerObservationV1>>(() => {});
          },
        }),
      }),
    });
    const seen: unknown[] = [];
    const consuming = (async () => {
      for await (const o of provider.watch!({ scope }, { signal: new AbortController().signal }))
        seen.push(o);
    })();
    await vi.waitFor(() => expect(stuck).toBe(true));
    await provider.close();
    await provider.close();
    await consuming;
    const ref = { workerId: 'w-1', scope };
    const all: [string, () => unknown][] = [
      ['create', () => provider.create({ spec: { image: 'a:1' }, ownership: ownership() })],
      ['get', () => provider.get(ref)],
      ['list', () => provider.list({ scope })],
      ['remove', () => provider.remove(ref)],
      ['stop', () => provider.stop!(ref)],
      ['logs', () => provider.logs!(ref)],
      ['health', () => provider.health!()],
      ['watch', () => provider.watch!({ scope }, { signal: new AbortController().signal })],
    ];
    for (const [name, call] of all) {
      const error = await rejection(call);
      expect(ClosedError.isInstance(error), name).toBe(true);
      expect((error as ClosedError).retryable, name).toBe(false);
    }
  });

  test('a watch yields only the selector’s workers and ends when its signal aborts', async () => {
    const controller = new AbortController();
    const { provider } = fake({
      async *watch() {
        yield {
          type: 'upsert',
          worker: record('w-1', 'u-1', { [OwnershipKeys.managedBy]: 'other' }),
        };
        yield { type: 'upsert', worker: record('w-2', 'u-2') };
        yield { type: 'removed', workerId: 'w-2', uid: 'u-2' };
        await new Promise(() => {});
      },
    });
    const seen: WorkerObservationV1[] = [];
    for await (const observation of provider.watch!({ scope }, { signal: controller.signal })) {
      seen.push(observation);
      if (seen.length === 2) controller.abort();
    }
    expect(seen.map((o) => o.type)).toEqual(['upsert', 'removed']);
    expect(() => provider.watch!({ scope }, {} as never)).toThrow(InvalidOptionsError);
  });

  test('a definition missing a required hook is refused where it is written', () => {
    expect(() => defineProvider({ type: 'x', providerId: 'has space' } as never)).toThrow(
      /providerId[\s\S]*create: must be a function/,
    );
  });

  test('a plugin-declared preset reaches the manager; an undeclared type gets generic', async () => {
    const { createProviderRegistry } = await import('../index.js');
    const { defineProviderPlugin } = await import('../provider.js');
    const bare = (): ProviderV1 => ({ ...fake().provider, defaultPolicyPreset: undefined });
    const registry = createProviderRegistry([
      defineProviderPlugin({
        type: 'fake',
        policyPreset: definePolicyPreset('fake-plugin', { idleTimeout: '1m' }),
        create: bare,
      }),
    ]);
    const logged: unknown[] = [];
    const logger = {
      debug() {},
      info: (fields: unknown) => logged.push(fields),
      warn() {},
      error() {},
    };
    expect(withLifecycle(registry.create('fake', undefined), { enabled: false }).policyPreset).toBe(
      'fake-plugin',
    );
    const generic = withLifecycle(bare(), { enabled: false, logger });
    expect(generic.policyPreset).toBe('generic');
    expect(logged).toContainEqual(
      expect.objectContaining({ policyPreset: 'generic', presetSource: 'generic' }),
    );
    expect(withLifecycle(bare(), { enabled: false, policy: 'docker' }).policyPreset).toBe('docker');
  });
});

describe('defineProvider: leases and listScopes', () => {
  const leaseHooks = () => {
    const held = new Map<string, { scope: string; owner: string; durationMs: number }>();
    return {
      held,
      hooks: {
        hold: vi.fn(async (lease: { scope: string; owner: string; durationMs: number }) => {
          held.set(`${lease.scope}/${lease.owner}`, lease);
        }),
        release: vi.fn(async (lease: { scope: string; owner: string }) => {
          held.delete(`${lease.scope}/${lease.owner}`);
        }),
        list: vi.fn(async () =>
          [...held.values()].map((lease) => ({ ...lease, alive: true, renewedAt: undefined })),
        ),
      },
    };
  };

  test('the capabilities are true exactly when the hooks are given', () => {
    const without = fake().provider;
    expect(without.capabilities.leases).toBe(false);
    expect(without.capabilities.listScopes).toBe(false);
    expect(without.leases).toBeUndefined();
    expect(without.listScopes).toBeUndefined();
    const { hooks } = leaseHooks();
    const withLeases = fake({ leases: hooks, listScopes: async () => ['b', 'a', 'a'] }).provider;
    expect(withLeases.capabilities.leases).toBe(true);
    expect(withLeases.capabilities.listScopes).toBe(true);
    expect(typeof withLeases.leases?.hold).toBe('function');
  });

  test('hold, list and release reach the hooks; list keeps only the selected scope', async () => {
    const { hooks } = leaseHooks();
    const { provider } = fake({ leases: hooks, listScopes: async () => ['b', 'a', 'a'] });
    await provider.leases!.hold({ scope: 'a', owner: 'm-1', durationMs: 5000 });
    await provider.leases!.hold({ scope: 'b', owner: 'm-2', durationMs: 5000 });
    expect((await provider.leases!.list({ scope: 'a' })).map((l) => l.owner)).toEqual(['m-1']);
    expect(await provider.leases!.list({})).toHaveLength(2);
    await provider.leases!.release({ scope: 'a', owner: 'm-1' });
    expect((await provider.leases!.list({})).map((l) => l.owner)).toEqual(['m-2']);
    expect(await provider.listScopes!()).toEqual(['a', 'b']);
  });

  test('malformed lease inputs are refused before any call', async () => {
    const { hooks } = leaseHooks();
    const { provider } = fake({ leases: hooks });
    const leases = provider.leases!;
    const bad: unknown[] = [
      undefined,
      { scope: '', owner: 'm', durationMs: 5000 },
      { scope: 'a', owner: 'not a label!', durationMs: 5000 },
      { scope: 'a', owner: 'm', durationMs: 999 },
      { scope: 'a', owner: 'm', durationMs: 1500.5 },
      { scope: 'a', owner: 'm' },
    ];
    for (const lease of bad) {
      await expect(leases.hold(lease as never)).rejects.toSatisfy(InvalidOptionsError.isInstance);
    }
    await expect(
      leases.hold({ scope: 'a', owner: 'm', durationMs: 5000 }, { signal: 'x' as never }),
    ).rejects.toSatisfy(InvalidOptionsError.isInstance);
    await expect(leases.release({ scope: 'a' } as never)).rejects.toSatisfy(
      InvalidOptionsError.isInstance,
    );
    await expect(leases.list(undefined as never)).rejects.toSatisfy(InvalidOptionsError.isInstance);
    await expect(leases.list({ scope: 'no way!' })).rejects.toSatisfy(
      InvalidOptionsError.isInstance,
    );
    expect(hooks.hold).not.toHaveBeenCalled();
    expect(hooks.release).not.toHaveBeenCalled();
    expect(hooks.list).not.toHaveBeenCalled();
  });

  test('an aborted hold is a CancelledError without a call; failures are ProviderErrors', async () => {
    const { hooks } = leaseHooks();
    hooks.list.mockRejectedValueOnce(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    const { provider } = fake({ leases: hooks });
    await expect(
      provider.leases!.hold(
        { scope: 'a', owner: 'm', durationMs: 5000 },
        { signal: AbortSignal.abort() },
      ),
    ).rejects.toSatisfy(CancelledError.isInstance);
    expect(hooks.hold).not.toHaveBeenCalled();
    const failure = await provider.leases!.list({}).catch((error: unknown) => error);
    expect(ProviderError.isInstance(failure)).toBe(true);
    expect((failure as ProviderError).retryable).toBe(true);
  });

  test('after close every lease call and listScopes throw ClosedError', async () => {
    const { hooks } = leaseHooks();
    const { provider } = fake({ leases: hooks, listScopes: async () => [] });
    await provider.close();
    await expect(
      provider.leases!.hold({ scope: 'a', owner: 'm', durationMs: 5000 }),
    ).rejects.toSatisfy(ClosedError.isInstance);
    await expect(provider.leases!.release({ scope: 'a', owner: 'm' })).rejects.toSatisfy(
      ClosedError.isInstance,
    );
    await expect(provider.leases!.list({})).rejects.toSatisfy(ClosedError.isInstance);
    await expect(provider.listScopes!()).rejects.toSatisfy(ClosedError.isInstance);
  });

  test('a malformed leases definition is refused where it is written', () => {
    expect(() => fake({ leases: { hold: async () => {} } as never })).toThrow(/leases\.release/);
    expect(() => fake({ listScopes: 'x' as never })).toThrow(/listScopes/);
  });

  test('assertProviderV1: leases and listScopes present exactly when declared', () => {
    const { hooks } = leaseHooks();
    const good = fake({ leases: hooks, listScopes: async () => [] }).provider;
    expect(() => assertProviderV1(good)).not.toThrow();
    // An older provider without the flags at all stays valid.
    const { leases: _l, listScopes: _s, ...olderCapabilities } = fake().provider.capabilities;
    expect(() =>
      assertProviderV1({ ...fake().provider, capabilities: olderCapabilities }),
    ).not.toThrow();
    const message = (value: unknown) => {
      try {
        assertProviderV1(value);
        return '';
      } catch (error) {
        return String((error as Error).message);
      }
    };
    expect(message({ ...good, leases: undefined })).toMatch(/capabilities\.leases/);
    expect(message({ ...good, listScopes: undefined })).toMatch(/capabilities\.listScopes/);
    expect(message({ ...good, capabilities: { ...good.capabilities, leases: false } })).toMatch(
      /capabilities\.leases/,
    );
    expect(message({ ...good, leases: { hold: hooks.hold } })).toMatch(/leases\.release/);
    expect(message({ ...good, capabilities: { ...good.capabilities, leases: 'yes' } })).toMatch(
      /capabilities\.leases/,
    );
  });

  test('a managed provider does not pass the leases on (they are its own)', () => {
    const { hooks } = leaseHooks();
    const managed = withLifecycle(fake({ leases: hooks, listScopes: async () => [] }).provider, {
      enabled: false,
    });
    expect(managed.capabilities.leases).toBeUndefined();
    expect(managed.capabilities.listScopes).toBeUndefined();
    expect((managed as ProviderV1).leases).toBeUndefined();
  });
});
