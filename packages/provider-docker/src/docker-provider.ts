import {
  type CreateContext,
  type CreateInput,
  type DefinedProvider,
  defineProvider,
  defineProviderPlugin,
  InvalidSpecError,
  type LifecycleError,
  OwnershipKeys,
  type ProviderCapabilitiesV1,
  ProviderError,
  type ProviderHealthV1,
  policyPresets,
  systemClock,
  type TerminateContext,
  type WatchContext,
  WorkerNotFoundError,
  type WorkerObservationV1,
  type WorkerRecordV1,
  type WorkerRefV1,
  type WorkerSelectorV1,
} from '@hodei/lifecycle-core/provider';
import { DockerClient } from './client.js';
import {
  buildContainer,
  type ContainerCreateBody,
  checkDockerSpec,
  containerName,
} from './container-config.js';
import {
  describeDockerError,
  engineMessage,
  httpStatusOf,
  isRetryable,
  toLifecycleError,
} from './errors.js';
import type { DockerWorkerExtension } from './extension.js';
import { type DockerLeases, dockerLeases } from './leases.js';
import { logLines } from './logs.js';
import { type ContainerInspect, inspectToRecord, summaryToRecord } from './records.js';
import {
  type DockerProviderSettings,
  describeConnection,
  type ResolvedDockerSettings,
  resolveDockerSettings,
} from './settings.js';
import { type ObservedContainer, watchContainers } from './watch.js';

/** What the Docker provider declares: everything but native deadlines and TTLs. */
export const dockerCapabilities: ProviderCapabilitiesV1 = Object.freeze({
  stop: true,
  watch: true,
  logs: true,
  health: true,
  nativeDeadline: false,
  nativeTtl: false,
  leases: true,
  listScopes: true,
});

/** Container ids, as a ref's uid must give them (they become URL paths). */
const containerIdPattern = /^[a-f0-9]{12,64}$/;

const graceSeconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/** Who a container is, from its (immutable) labels. */
interface Identity {
  readonly scope: string;
  readonly workerId: string;
  readonly tty: boolean;
}

/** A container to act on: its id, and its state when it was just inspected. */
interface Target {
  readonly id: string;
  readonly tty: boolean;
  readonly state: ContainerInspect['State'] | undefined;
}

const IDENTITY_CACHE_SIZE = 10_000;

const finished = (record: WorkerRecordV1) =>
  record.phase === 'succeeded' || record.phase === 'failed';

/** True when `a` is a later state of the same container than `b` (ready, or ended). */
const isFurther = (a: WorkerRecordV1, b: WorkerRecordV1) =>
  a.uid === b.uid && ((finished(a) && !finished(b)) || (a.ready && !b.ready && !finished(b)));

const finishedKnown = (observed: ObservedContainer | undefined) =>
  observed !== undefined && finished(observed.record);

const observedOf = (info: ContainerInspect): ObservedContainer => ({
  record: inspectToRecord(info),
  hasHealth: info.State.Health != null,
});

/** Who an inspected container is, from its labels; undefined when it is not a worker. */
function identityOf(info: ContainerInspect): Identity | undefined {
  const labels = info.Config?.Labels ?? {};
  const scope = labels[OwnershipKeys.managedBy];
  const workerId = labels[OwnershipKeys.workerId];
  return scope && workerId ? { scope, workerId, tty: info.Config.Tty === true } : undefined;
}

/** What a just-created container is, from the configuration this provider sent. */
function configuredState(
  id: string,
  body: ContainerCreateBody,
  createdAt: Date,
): { identity: Identity; created: ObservedContainer } {
  const labels = { ...body.Labels };
  return {
    identity: {
      scope: labels[OwnershipKeys.managedBy] ?? '',
      workerId: labels[OwnershipKeys.workerId] ?? '',
      tty: body.Tty,
    },
    created: {
      hasHealth: body.Healthcheck !== undefined,
      record: {
        workerId: labels[OwnershipKeys.workerId] ?? '',
        uid: id,
        phase: 'pending',
        ready: false,
        exitCode: undefined,
        reason: undefined,
        createdAt,
        startedAt: undefined,
        finishedAt: undefined,
        removing: false,
        labels,
        annotations: {},
      },
    },
  };
}

/**
 * The hooks of the Docker provider: what only Docker knows. The kit (defineProvider) checks
 * every call before it gets here and maps what comes out.
 */
/** Calls under way per container id: two stops or removals of one container may overlap. */
class CallsUnderWay {
  private readonly counts = new Map<string, number>();
  has(id: string): boolean {
    return this.counts.has(id);
  }
  begin(id: string): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }
  end(id: string): void {
    const left = (this.counts.get(id) ?? 1) - 1;
    if (left <= 0) this.counts.delete(id);
    else this.counts.set(id, left);
  }
}

class DockerEngine {
  private readonly client: DockerClient;
  /**
   * Container id -> the identity its labels gave it. Docker labels never change and ids are
   * never reused, so a ref whose uid is known here needs no inspection to be checked.
   */
  private readonly identities = new Map<string, Identity>();
  /** Containers this provider is stopping or removing now (id -> calls under way). */
  private readonly stopping = new CallsUnderWay();
  /**
   * Containers this provider is removing now (id -> calls under way): the engine reports them
   * running while `docker stop` runs out the grace period, so records and watches say
   * `removing` from these marks.
   */
  private readonly removing = new CallsUnderWay();
  /** Container id -> its last state known to the watches (seeded by create). */
  private readonly observed = new Map<string, ObservedContainer>();
  /** Containers being started by create, with the inspection that will follow the start. */
  private readonly inspections = new Map<string, Promise<ObservedContainer | undefined>>();

  /** Owner leases: a small container per manager instance (see leases.ts). */
  readonly ownerLeases: DockerLeases;

  constructor(private readonly settings: ResolvedDockerSettings) {
    this.client = new DockerClient(settings);
    this.ownerLeases = dockerLeases(this.client, settings);
  }

  private get providerId(): string {
    return this.settings.providerId;
  }

  async create(
    input: CreateInput<DockerWorkerExtension>,
    ctx: CreateContext,
  ): Promise<WorkerRecordV1> {
    const { name, body, spec } = buildContainer(
      input.spec,
      input.extension,
      input.ownership,
      this.settings,
    );
    let id: string;
    try {
      // The caller's signal is checked between calls, never cut into one: an interrupted
      // create would leave the engine's state unknown.
      id = await this.client.createContainer(name, body);
    } catch (error) {
      throw this.createFailure(error, name, spec.image);
    }
    // From here the kit removes the container if the start fails or the caller cancels.
    ctx.created(id);
    ctx.checkpoint();
    return this.startCreated(id, body);
  }

  /**
   * Starts a created container and says what it is now. A health check in the configuration
   * settles that (running, not yet healthy): no inspection, and the watch's start and health
   * events then cost no call either. Without one, the image may bring its own health check and
   * only an inspection can tell; a watch that sees the start meanwhile waits for that
   * inspection instead of making its own.
   */
  private async startCreated(id: string, body: ContainerCreateBody): Promise<WorkerRecordV1> {
    const configured = body.Healthcheck ? configuredState(id, body, new Date()) : undefined;
    if (configured) {
      this.remember(id, configured.identity);
      this.observe(id, configured.created);
      await this.client.start(id);
      const watched = this.observed.get(id);
      // The watch saw the start already (and maybe more): it knows best.
      if (watched && watched.record.uid === id && watched.record.phase !== 'pending') {
        return watched.record;
      }
      const started: ObservedContainer = {
        ...configured.created,
        record: { ...configured.created.record, phase: 'running', startedAt: new Date() },
      };
      this.observe(id, started);
      return started.record;
    }
    let observed: ObservedContainer | undefined;
    let settle: (value: ObservedContainer | undefined) => void = () => {};
    this.inspections.set(id, new Promise((resolve) => (settle = resolve)));
    try {
      await this.client.start(id);
      const info = await this.client.inspect(id);
      this.remember(info.Id, identityOf(info));
      observed = observedOf(info);
    } finally {
      this.inspections.delete(id);
      settle(observed);
    }
    const watched = this.observed.get(id);
    // The watch goes on from this state: its start and health events then cost no call.
    if (!watched) this.observe(id, observed);
    // A watch may have seen it further along meanwhile (ready, or already ended) while this
    // inspection was under way: the caller gets the furthest state known.
    return watched && isFurther(watched.record, observed.record) ? watched.record : observed.record;
  }

  async get(ref: WorkerRefV1): Promise<WorkerRecordV1 | undefined> {
    const info = await this.find(ref);
    return info ? this.marked(inspectToRecord(info)) : undefined;
  }

  /** A record of a container this provider is removing says so, whatever the engine says. */
  private marked(record: WorkerRecordV1): WorkerRecordV1 {
    return !record.removing && this.removing.has(record.uid)
      ? { ...record, removing: true }
      : record;
  }

  async list(selector: WorkerSelectorV1): Promise<WorkerRecordV1[]> {
    const { scope } = selector;
    const extra = Object.entries(selector.labels ?? {});
    const summaries = await this.client.list([
      `${OwnershipKeys.managedBy}=${scope}`,
      ...extra.map(([key, value]) => `${key}=${value}`),
    ]);
    const now = Date.now();
    // The kit keeps only the selector's workers; a container without a worker id is none.
    return summaries
      .filter((summary) => Boolean(summary.Labels?.[OwnershipKeys.workerId]))
      .map((summary) => this.marked(summaryToRecord(summary, now)));
  }

  /**
   * 'gone' when the container surely no longer exists (`docker rm` returns once it is
   * removed); undefined when another removal is under way, which the kit then waits out.
   */
  async remove(
    ref: WorkerRefV1,
    { gracePeriodMs, signal }: TerminateContext,
  ): Promise<'gone' | undefined> {
    const target = await this.resolve(ref, signal);
    if (!target) return 'gone';
    if (target.state?.Status === 'removing') return undefined; // going: the kit waits
    // From here on the removal goes to its end even if the caller stops waiting (the kit
    // ends the waiting on an abort): a stop cut short would leave the container exited.
    this.removing.begin(target.id);
    try {
      return await this.stopAndRemove(target, gracePeriodMs);
    } finally {
      this.removing.end(target.id);
    }
  }

  private async stopAndRemove(target: Target, gracePeriodMs: number): Promise<'gone' | undefined> {
    // Known to have ended (the watch saw it exit): nothing to stop, so no stop call.
    const ended = !target.state && finishedKnown(this.observed.get(target.id));
    if (!ended && (!target.state || target.state.Running || target.state.Restarting)) {
      try {
        await this.stopContainer(target.id, graceSeconds(gracePeriodMs));
      } catch (error) {
        if (httpStatusOf(error) === 404) return 'gone';
        // A stop refused for another reason still ends in the forced removal below.
        if (isRetryable(error)) {
          throw this.fail(`stop container ${target.id}`, error);
        }
      }
    }
    try {
      await this.client.remove(target.id, {});
      return 'gone';
    } catch (error) {
      const status = httpStatusOf(error);
      // 404: already gone. 409: "removal of container ... is already in progress" (the kit
      // waits it out).
      if (status === 404) return 'gone';
      if (status === 409) return undefined;
      throw this.fail(`remove container ${target.id}`, error);
    }
  }

  async stop(ref: WorkerRefV1, { gracePeriodMs, signal }: TerminateContext): Promise<void> {
    const target = await this.resolve(ref, signal);
    if (!target) throw new WorkerNotFoundError(ref.workerId);
    if (target.state && !target.state.Running && !target.state.Restarting) return;
    try {
      // A container that is not running answers 304, which is success.
      await this.stopContainer(target.id, graceSeconds(gracePeriodMs), signal);
    } catch (error) {
      if (httpStatusOf(error) === 404) throw new WorkerNotFoundError(ref.workerId);
      throw this.fail(`stop container ${target.id}`, error);
    }
  }

  async logs(ref: WorkerRefV1, { tail }: { tail: number | undefined }): Promise<string[]> {
    const target = await this.resolve(ref);
    if (!target) throw new WorkerNotFoundError(ref.workerId);
    try {
      const bytes = await this.client.logs(target.id, tail);
      return logLines(bytes, target.tty);
    } catch (error) {
      if (httpStatusOf(error) === 404) throw new WorkerNotFoundError(ref.workerId);
      throw this.fail(`read logs of container ${target.id}`, error);
    }
  }

  watch(selector: WorkerSelectorV1, ctx: WatchContext): AsyncIterable<WorkerObservationV1> {
    const { scope } = selector;
    return watchContainers(scope, selector.labels ?? {}, ctx.signal, {
      open: (filters, since, signal) => this.client.events(filters, since, signal),
      inspect: async (uid) => {
        // A container this provider is starting: its create inspects it right after.
        const pending = await this.inspections.get(uid);
        if (pending) return pending;
        const info = await this.inspectScoped(uid, scope, undefined);
        if (!info) return undefined;
        const observed = observedOf(info);
        this.observe(uid, observed);
        return observed;
      },
      recall: (uid) => this.observed.get(uid),
      stopping: (uid) => this.stopping.has(uid),
      removing: (uid) => this.removing.has(uid),
      remember: (uid, observed) => this.observe(uid, observed),
      list: () => ctx.list(selector),
      clock: systemClock,
      reconnectTimeoutMs: this.settings.watchReconnectTimeoutMs,
      fail: ctx.fail,
    });
  }

  async health(): Promise<ProviderHealthV1> {
    try {
      await this.client.ping();
      return { healthy: true };
    } catch (error) {
      return {
        healthy: false,
        message: `Docker engine at ${describeConnection(this.settings.connection)} does not answer: ${engineMessage(error)}`,
      };
    }
  }

  close(): void {
    // The held leases' connections end with the provider: their containers exit.
    this.ownerLeases.close();
    this.client.close();
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * The container of a ref, after checking its labels: the scope and the worker id must match
   * (with `uid`, that exact container). Undefined when there is none: another scope's
   * container is never returned, so it is never touched.
   */
  private async find(
    ref: WorkerRefV1,
    signal?: AbortSignal,
  ): Promise<ContainerInspect | undefined> {
    // The kit checked the ref; a uid that is no container id names no container.
    if (ref.uid !== undefined && !containerIdPattern.test(ref.uid)) return undefined;
    const info = await this.inspectScoped(
      ref.uid ?? containerName(ref.scope, ref.workerId),
      ref.scope,
      ref.workerId,
      signal,
    );
    if (info && ref.uid !== undefined && !info.Id.startsWith(ref.uid)) return undefined;
    return info;
  }

  /**
   * The container a ref names. With a uid already seen, from the identity cache (no call; the
   * state is then unknown); else by inspection.
   */
  private async resolve(ref: WorkerRefV1, signal?: AbortSignal): Promise<Target | undefined> {
    const known = ref.uid === undefined ? undefined : this.identities.get(ref.uid);
    if (known && ref.uid !== undefined) {
      if (known.scope !== ref.scope || known.workerId !== ref.workerId) return undefined;
      return { id: ref.uid, tty: known.tty, state: undefined };
    }
    const info = await this.find(ref, signal);
    return info ? { id: info.Id, tty: info.Config.Tty === true, state: info.State } : undefined;
  }

  /** docker stop, with the exit it causes marked as expected for the watches. */
  private async stopContainer(id: string, seconds: number, signal?: AbortSignal): Promise<void> {
    this.stopping.begin(id);
    try {
      await this.client.stop(id, seconds, signal ? { signal } : {});
    } finally {
      // The die event trails the answer a little: keep the mark a moment longer.
      setTimeout(() => {
        this.stopping.end(id);
      }, 1_000).unref();
    }
  }

  private observe(uid: string, observed: ObservedContainer | undefined): void {
    if (observed === undefined) {
      this.observed.delete(uid);
      return;
    }
    if (!this.observed.has(uid) && this.observed.size >= IDENTITY_CACHE_SIZE) {
      const oldest = this.observed.keys().next().value;
      if (oldest !== undefined) this.observed.delete(oldest);
    }
    this.observed.set(uid, observed);
  }

  private remember(id: string, identity: Identity | undefined): void {
    if (!identity || this.identities.has(id)) return;
    if (this.identities.size >= IDENTITY_CACHE_SIZE) {
      const oldest = this.identities.keys().next().value;
      if (oldest !== undefined) this.identities.delete(oldest);
    }
    this.identities.set(id, identity);
  }

  /** Inspects a container by id or name; undefined unless it carries the scope (and worker id). */
  private async inspectScoped(
    target: string,
    scope: string,
    workerId: string | undefined,
    signal?: AbortSignal,
  ): Promise<ContainerInspect | undefined> {
    let info: ContainerInspect;
    try {
      info = await this.client.inspect(target, signal ? { signal } : {});
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw this.fail(`inspect container ${target}`, error);
    }
    const labels = info.Config?.Labels ?? {};
    if (labels[OwnershipKeys.managedBy] !== scope || !labels[OwnershipKeys.workerId])
      return undefined;
    if (workerId !== undefined && labels[OwnershipKeys.workerId] !== workerId) return undefined;
    return info;
  }

  /** A failed container create, with the refusals a caller can act on made explicit. */
  private createFailure(error: unknown, name: string, image: string): LifecycleError {
    const status = httpStatusOf(error);
    const message = engineMessage(error);
    if (status === 404 && /no such image/i.test(message)) {
      return new ProviderError(
        this.providerId,
        `image ${image} is not on the engine, and this provider never pulls: load or build it first (${message})`,
        { retryable: false, status, cause: error },
      );
    }
    if (status === 409) {
      return new ProviderError(
        this.providerId,
        `container ${name} already exists: the worker id is in use in this scope (${message})`,
        { retryable: false, status, cause: error },
      );
    }
    if (status === 400) {
      // The engine refused the configuration itself (a CPU limit above the host's...): nothing
      // was created, and the same spec will always be refused.
      const path = /cpu/i.test(message)
        ? 'resources.cpu'
        : /memory/i.test(message)
          ? 'resources.memory'
          : '';
      return new InvalidSpecError([{ path, message: `Docker refused it: ${message}` }], {
        cause: error,
      });
    }
    return this.fail(`create container ${name}`, error);
  }

  private fail(what: string, error: unknown): LifecycleError {
    return toLifecycleError(this.providerId, what, error);
  }
}

/** The Docker provider: contract v1 with every optional method present. */
export type DockerProvider = DefinedProvider<'docker'> &
  Required<Pick<DefinedProvider, 'stop' | 'watch' | 'logs' | 'health' | 'leases' | 'listScopes'>>;

/**
 * A provider of workers as Docker containers. Settings are validated now (InvalidOptionsError);
 * no connection is made until the first call.
 *
 * @example
 * const provider = createDockerProvider({ providerId: 'ci-docker' });
 * await using workers = withLifecycle(provider, { policy: 'docker' });
 */
export function createDockerProvider(settings: DockerProviderSettings = {}): DockerProvider {
  const resolved = resolveDockerSettings(settings);
  const engine = new DockerEngine(resolved);
  return defineProvider({
    type: 'docker',
    providerId: resolved.providerId,
    defaultGracePeriodMs: resolved.defaultGracePeriodMs,
    policyPreset: dockerPolicyPreset,
    checkSpec: (spec, issues) => checkDockerSpec(spec, resolved, issues),
    describeError: describeDockerError,
    create: (input, ctx) => engine.create(input, ctx),
    get: (ref) => engine.get(ref),
    list: (selector) => engine.list(selector),
    remove: (ref, ctx) => engine.remove(ref, ctx),
    stop: (ref, ctx) => engine.stop(ref, ctx),
    logs: (ref, ctx) => engine.logs(ref, ctx),
    watch: (selector, ctx) => engine.watch(selector, ctx),
    health: () => engine.health(),
    leases: engine.ownerLeases.leases,
    listScopes: () => engine.ownerLeases.listScopes(),
    close: () => engine.close(),
  }) as DockerProvider;
}

/** The Docker preset of the plan (DESIGN.md section 3): what a manager applies by default. */
const dockerPolicyPreset = Object.freeze({ name: 'docker', policy: policyPresets.docker });

/** The plugin: `createProviderRegistry([dockerProviderPlugin]).create('docker', settings)`. */
export const dockerProviderPlugin = defineProviderPlugin({
  type: 'docker',
  description: 'Workers as Docker containers (dockerode)',
  policyPreset: dockerPolicyPreset,
  create: (settings: DockerProviderSettings) => createDockerProvider(settings),
});
