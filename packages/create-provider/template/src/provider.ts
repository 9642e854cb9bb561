/**
 * The {{type}} provider, on the provider kit: `defineProvider` checks every call (refs,
 * selectors, options, the closed state), validates specs before any call (core's rules and
 * `checkSpec`), stamps the ownership, removes what a failed or cancelled create made, and maps
 * errors; the hooks below only talk to the infrastructure. The guide:
 * https://github.com/hodei-lifecycle/hodei-lifecycle/blob/main/docs/writing-a-provider.md
 */
import {
  type CommonProviderSettings,
  definePolicyPreset,
  defineProvider,
  defineProviderPlugin,
  OwnershipKeys,
  parseProviderSettings,
  pollList,
  WorkerNotFoundError,
  type WorkerRecordV1,
  type WorkerRefV1,
} from '@hodei/lifecycle-core/provider';
import * as v from 'valibot';
import { Infrastructure, InfrastructureError, type Machine } from './infrastructure.js';

export interface ProviderSettings extends CommonProviderSettings {
  /** The infrastructure to talk to. Default: a stand-in of its own. */
  readonly infrastructure?: Infrastructure;
  /** How often the watch lists, in milliseconds. Default 1 000. */
  readonly pollIntervalMs?: number;
}

/** This provider's own settings; the common ones are the kit's (parseProviderSettings). */
const settingsSchema = v.strictObject({
  infrastructure: v.optional(v.instance(Infrastructure, 'must be an Infrastructure')),
  pollIntervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10)), 1_000),
});

/** The defaults of the settings every provider takes (CommonProviderSettings). */
const defaults = {
  providerId: '{{type}}',
  defaultGracePeriodMs: 30_000,
  requestTimeoutMs: 30_000,
  watchReconnectTimeoutMs: 60_000,
};

/** The policy a manager applies to these workers unless told otherwise. */
export const policyPreset = definePolicyPreset('{{type}}', { maxLifetime: '1h' });

function toRecord(machine: Machine): WorkerRecordV1 {
  const ended = machine.exitCode !== undefined;
  return {
    workerId: machine.labels[OwnershipKeys.workerId] ?? '',
    uid: machine.id,
    phase: ended
      ? machine.exitCode === 0
        ? 'succeeded'
        : 'failed'
      : machine.state === 'running'
        ? 'running'
        : 'pending',
    ready: machine.state === 'running',
    exitCode: machine.exitCode,
    reason: ended ? (machine.exitCode === 0 ? 'Completed' : 'Error') : undefined,
    createdAt: machine.createdAt,
    startedAt: machine.startedAt,
    finishedAt: machine.finishedAt,
    removing: machine.state === 'deleting',
    labels: machine.labels,
    annotations: machine.annotations,
  };
}

export function createProvider(input: ProviderSettings = {}) {
  const settings = parseProviderSettings(
    '{{type}} provider settings',
    settingsSchema,
    input,
    defaults,
  );
  const infrastructure = settings.infrastructure ?? new Infrastructure();

  /** The machine of a ref: by uid when given, else by its worker id in its scope. */
  async function find(ref: WorkerRefV1): Promise<Machine | undefined> {
    if (ref.uid !== undefined) return infrastructure.get(ref.uid);
    const labels = { [OwnershipKeys.managedBy]: ref.scope, [OwnershipKeys.workerId]: ref.workerId };
    return (await infrastructure.list(labels))[0];
  }
  async function found(ref: WorkerRefV1): Promise<Machine> {
    const machine = await find(ref);
    if (!machine || machine.labels[OwnershipKeys.managedBy] !== ref.scope) {
      throw new WorkerNotFoundError(ref.workerId);
    }
    return machine;
  }

  const provider = defineProvider({
    type: '{{type}}',
    providerId: settings.providerId,
    defaultGracePeriodMs: settings.defaultGracePeriodMs,
    policyPreset,
    // What this provider refuses beyond core's rules: one error lists every problem.
    checkSpec(spec, issues) {
      if (!Array.isArray(spec.command) || spec.command.length === 0) {
        issues.push({ path: 'command', message: 'is required' });
      }
      return undefined;
    },
    async create({ spec, ownership, labels, annotations }, ctx) {
      const machine = await infrastructure.create({
        name: `${ownership.workerId}.${ownership.scope}`,
        command: [...(spec.command ?? []), ...(spec.args ?? [])],
        labels,
        annotations,
      });
      ctx.created(machine.id); // from now on a failure or an abort removes it
      return toRecord(machine);
    },
    async get(ref) {
      const machine = await find(ref);
      return machine && toRecord(machine);
    },
    async list(selector) {
      const labels = { ...selector.labels, [OwnershipKeys.managedBy]: selector.scope };
      return (await infrastructure.list(labels)).map(toRecord);
    },
    async remove(ref) {
      const machine = await find(ref);
      if (machine && machine.labels[OwnershipKeys.managedBy] === ref.scope) {
        await infrastructure.delete(machine.id);
      }
    },
    async stop(ref, { gracePeriodMs }) {
      await infrastructure.stop((await found(ref)).id, gracePeriodMs);
    },
    async logs(ref) {
      return infrastructure.logs((await found(ref)).id); // the kit applies `tail`
    },
    // No native watch here: the kit builds one from `list`.
    watch: pollList({ intervalMs: settings.pollIntervalMs }),
    async health() {
      await infrastructure.ping(); // a failure: the kit answers { healthy: false, message }
      return { healthy: true };
    },
    describeError: (error) =>
      error instanceof InfrastructureError ? { status: error.status } : undefined,
  });
  return Object.assign(provider, { infrastructure });
}

/** The plugin: `createProviderRegistry([plugin]).create('{{type}}', settings)`. */
export const plugin = defineProviderPlugin({
  type: '{{type}}',
  description: 'Workers on {{type}}',
  policyPreset,
  create: (settings: ProviderSettings) => createProvider(settings),
});
