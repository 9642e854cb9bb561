/**
 * A provider (contract v1) that runs each worker as a local child process: `spec.command` and
 * `spec.args` are spawned with `spec.env`, in a process group of their own. It is written with
 * the provider kit of @hodei/lifecycle-core/provider, as any third-party provider would be,
 * and docs/writing-a-provider.md is built from it.
 *
 * Decisions, since a process is not a container:
 * - `image` must be 'local/process' (PROCESS_IMAGE): a spec written for an image would run
 *   something else here, so it is refused rather than silently reinterpreted.
 * - `command` is required (there is no image entrypoint to fall back on); `args` follow it.
 * - `env` is exactly `spec.env` over a base of PATH only: the manager's own environment (its
 *   credentials) never leaks into a worker.
 * - `resources` are refused: a plain process cannot be limited, and a limit that is silently
 *   not enforced is worse than an error.
 * - ready = running, or, with `extensions.process.readyOnLine`, once a line of output
 *   contains that text (the health check of this provider).
 */
import {
  type DefinedProvider,
  definePolicyPreset,
  defineProvider,
  defineProviderPlugin,
  labelValueProblem,
  OwnershipKeys,
  type ProviderCapabilitiesV1,
  parseSettings,
  type ValidationIssue,
  WorkerNotFoundError,
  type WorkerRefV1,
  type WorkerSpec,
} from '@hodei/lifecycle-core/provider';
import * as v from 'valibot';
import { defaultProcessHost, type ProcessEntry, ProcessHost } from './process-host.ts';

/** The only image this provider accepts: the worker runs on the host, not in an image. */
export const PROCESS_IMAGE = 'local/process';

/** What this provider can do (defineProvider derives the optional parts from the hooks). */
export const processCapabilities: ProviderCapabilitiesV1 = Object.freeze({
  stop: true, // SIGTERM, SIGKILL after the grace period; the record and logs stay
  watch: true, // from the host's process events
  logs: true, // stdout and stderr lines
  health: true,
  nativeDeadline: false, // nothing on the host enforces hodei.io/expires-at: the manager does
  nativeTtl: false, // nor the TTL after completion
});

// #region settings
/** The factory's options, checked by a schema: every problem in one InvalidOptionsError. */
const optionsSchema = v.strictObject({
  /** The host (the "node") whose processes this provider sees. Default: this Node process's. */
  host: v.optional(v.instance(ProcessHost, 'must be a ProcessHost')),
  /** Stamped as `hodei.io/provider-id`; a valid label value. Default 'process'. */
  providerId: v.optional(
    v.pipe(
      v.string(),
      v.check((id) => id !== '' && !labelValueProblem(id), 'must be a non-empty label value'),
    ),
    'process',
  ),
  /** Working directory of the workers. Default: the current directory. */
  cwd: v.optional(v.pipe(v.string(), v.nonEmpty('must be a directory path'))),
  /** Environment every worker starts from, under `spec.env`. Default: PATH only. */
  baseEnv: v.optional(v.record(v.string(), v.string('must be a string'))),
  /** Grace period of stop and remove when the caller gives none. Default 30 000 ms. */
  defaultGracePeriodMs: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(0, 'must be >= 0')),
    30_000,
  ),
});

export type ProcessProviderOptions = v.InferInput<typeof optionsSchema>;
// #endregion settings

/** `spec.extensions.process`: what this provider reads from a spec beyond the common fields. */
export interface ProcessExtension {
  /** Ready once a line of output (stdout or stderr) contains this text. */
  readonly readyOnLine?: string;
}

/** A spec this provider can run, after validation. */
export interface ProcessSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly readyOnLine: string | undefined;
}

export type ProcessProvider = DefinedProvider<'process'> &
  Required<Pick<DefinedProvider, 'stop' | 'watch' | 'logs' | 'health'>> & {
    /** The host this provider runs its workers on. */
    readonly host: ProcessHost;
  };

// #region validate
/**
 * What this provider refuses beyond core's rules, on the spec as the caller wrote it: the kit
 * runs this with core's checks, so the caller gets one InvalidSpecError with every problem.
 */
export function checkProcessSpec(spec: WorkerSpec, issues: ValidationIssue[]): ProcessSpec {
  if (spec.image !== PROCESS_IMAGE) {
    issues.push({
      path: 'image',
      message: `must be '${PROCESS_IMAGE}': this provider runs host processes, not images`,
    });
  }
  const command = Array.isArray(spec.command) ? spec.command : [];
  const [file, ...commandArgs] = command;
  if (!file) {
    issues.push({ path: 'command', message: 'is required: the executable, then its arguments' });
  }
  if (spec.resources !== undefined && Object.keys(spec.resources).length > 0) {
    issues.push({ path: 'resources', message: 'cannot be enforced on a local process' });
  }
  const extension = processExtension(spec.extensions?.process, issues);
  const args = Array.isArray(spec.args) ? spec.args : [];
  return { file: file ?? '', args: [...commandArgs, ...args], readyOnLine: extension.readyOnLine };
}

/** Reads `extensions.process`, the only extension key this provider looks at. */
function processExtension(value: unknown, issues: ValidationIssue[]): ProcessExtension {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path: 'extensions.process', message: 'must be an object' });
    return {};
  }
  const { readyOnLine, ...unknown } = value as Record<string, unknown>;
  for (const key of Object.keys(unknown)) {
    issues.push({
      path: `extensions.process.${key}`,
      message: 'unknown field (allowed: readyOnLine)',
    });
  }
  if (readyOnLine !== undefined && (typeof readyOnLine !== 'string' || readyOnLine === '')) {
    issues.push({ path: 'extensions.process.readyOnLine', message: 'must be a non-empty string' });
    return {};
  }
  return readyOnLine === undefined ? {} : { readyOnLine };
}
// #endregion validate

// #region errors
/**
 * What the kit needs to know of a failure of `spawn`: its errno code, and whether the same
 * call may succeed later. A full process table may drain (EAGAIN, EMFILE...: the kit's rule
 * already says so); a missing executable (ENOENT) will not appear.
 */
function describeSpawnError(error: unknown) {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined ? undefined : { status: code };
}
// #endregion errors

export function createProcessProvider(input: ProcessProviderOptions = {}): ProcessProvider {
  if (process.platform === 'win32') {
    throw new Error('the process provider needs POSIX process groups');
  }
  const options = parseSettings('process provider options', optionsSchema, input);
  const host = options.host ?? defaultProcessHost;
  const cwd = options.cwd ?? process.cwd();
  const baseEnv = options.baseEnv ?? { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };

  // #region scope
  /** The worker of `ref`, only if it carries the ref's scope (and uid, when the ref has one). */
  const find = (ref: WorkerRefV1): ProcessEntry | undefined => {
    const entry = host.find(ref.scope, ref.workerId, ref.uid);
    const record = entry && host.record(entry);
    return record?.labels[OwnershipKeys.managedBy] === ref.scope ? entry : undefined;
  };
  const found = (ref: WorkerRefV1): ProcessEntry => {
    const entry = find(ref);
    if (!entry) throw new WorkerNotFoundError(ref.workerId);
    return entry;
  };
  // #endregion scope

  // #region define
  const provider = defineProvider({
    type: 'process',
    providerId: options.providerId,
    defaultGracePeriodMs: options.defaultGracePeriodMs,
    // A process lives as long as this Node process: a short lifetime, a short TTL.
    policyPreset: definePolicyPreset('process', { maxLifetime: '30m', ttlAfterCompletion: '2m' }),
    checkSpec: checkProcessSpec,
    describeError: describeSpawnError,
    // #endregion define

    // #region create
    async create({ spec, extension: run, ownership, labels, annotations }, ctx) {
      host.count('create');
      const launched = host.launch({
        workerId: ownership.workerId,
        scope: ownership.scope,
        file: run.file,
        args: run.args,
        env: { ...baseEnv, ...spec.env },
        cwd,
        labels, // the user's labels under the ownership stamp: the kit merged them
        annotations,
        readyOnLine: run.readyOnLine,
      });
      if ('conflict' in launched) {
        throw Object.assign(
          new Error(`worker ${ownership.workerId} already exists (uid ${launched.conflict.uid})`),
          { status: 409 }, // a refusal: not retryable
        );
      }
      // From here, a failure or an abort removes the process before create rejects.
      ctx.created(launched.entry.uid);
      await launched.spawned;
      return host.record(launched.entry);
    },
    // #endregion create

    async get(ref) {
      host.count('get');
      const entry = find(ref);
      return entry && host.record(entry);
    },

    async list() {
      host.count('list'); // one call, whatever the number of workers; the kit keeps the scope's
      return host.records();
    },

    // #region remove
    async remove(ref, { gracePeriodMs }) {
      host.count('remove');
      const entry = find(ref);
      // Gone already, another scope's, or another incarnation than `ref.uid`: nothing to do.
      // Removing twice joins the removal under way.
      if (entry) await host.remove(entry, gracePeriodMs);
    },
    // #endregion remove

    async stop(ref, { gracePeriodMs }) {
      host.count('stop');
      await host.terminate(found(ref), gracePeriodMs);
    },

    async logs(ref, { tail }) {
      host.count('logs');
      return host.logs(found(ref), tail);
    },

    // #region watch
    async *watch(_selector, { signal }) {
      host.count('watch');
      // Subscribe first, then the current state: nothing is missed, a state may come twice.
      const queue: Parameters<Parameters<ProcessHost['subscribe']>[0]>[0][] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = host.subscribe((event) => {
        queue.push(event);
        wake?.();
      });
      const onAbort = () => wake?.();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for (const record of host.records()) yield { type: 'upsert', worker: record };
        while (!signal.aborted) {
          const event = queue.shift();
          if (!event) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            continue;
          }
          const { type, record } = event;
          // The kit drops upserts of other scopes; removals carry no labels to check.
          yield type === 'upsert'
            ? { type, worker: record }
            : { type, workerId: record.workerId, uid: record.uid };
        }
      } finally {
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
      }
    },
    // #endregion watch

    async health() {
      host.count('health');
      return { healthy: true, message: `${host.running} processes running on this host` };
    },
  });
  return Object.assign(provider, { host }) as ProcessProvider;
}

// #region plugin
/** The provider as a plugin: `createProviderRegistry([processProviderPlugin])`. */
export const processProviderPlugin = defineProviderPlugin({
  type: 'process',
  description: 'Each worker is a child process of this Node process (POSIX)',
  create: (options: ProcessProviderOptions) => createProcessProvider(options),
});
// #endregion plugin
