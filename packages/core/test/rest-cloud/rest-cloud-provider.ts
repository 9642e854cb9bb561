/**
 * A provider for the fake REST cloud (fake-cloud.ts), written with the provider kit only, as a
 * third-party author would: settings, the calls to the cloud, and the hooks. Everything else
 * (checks, validation, the stamp, cancellation, the closed state, errors, the watch) is the
 * kit's.
 */
import * as v from 'valibot';
import {
  definePolicyPreset,
  defineProvider,
  OwnershipKeys,
  parseSettings,
  pollList,
  WorkerNotFoundError,
  type WorkerRecordV1,
  type WorkerRefV1,
} from '../../src/provider.js';
import type { Machine } from './fake-cloud.js';

export const REST_CLOUD_IMAGE = 'cloud/vm';

const settingsSchema = v.strictObject({
  endpoint: v.pipe(v.string(), v.url('must be the URL of the cloud API')),
  providerId: v.optional(v.string(), 'rest-cloud'),
  pollIntervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10)), 500),
});

export type RestCloudSettings = v.InferInput<typeof settingsSchema>;

/** A failed call to the cloud, with its HTTP status for the kit's retry rule. */
class CloudError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const dateOf = (value: string | null) => (value === null ? undefined : new Date(value));

function toRecord(machine: Machine): WorkerRecordV1 {
  const ended = machine.exitCode !== null;
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
    exitCode: machine.exitCode ?? undefined,
    reason: ended ? (machine.exitCode === 0 ? 'Completed' : 'Error') : undefined,
    createdAt: new Date(machine.createdAt),
    startedAt: dateOf(machine.startedAt),
    finishedAt: dateOf(machine.finishedAt),
    removing: machine.state === 'deleting',
    labels: machine.labels,
    annotations: machine.metadata,
  };
}

export function createRestCloudProvider(input: RestCloudSettings) {
  const settings = parseSettings('rest-cloud provider settings', settingsSchema, input);

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${settings.endpoint}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) throw new CloudError(response.status, `${method} ${path}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  const query = (labels: Record<string, string>) =>
    Object.entries(labels)
      .map(([key, value]) => `label=${encodeURIComponent(`${key}=${value}`)}`)
      .join('&');

  /** The machine of a ref: by uid when given, else by its labels. */
  async function find(ref: WorkerRefV1): Promise<Machine | undefined> {
    if (ref.uid === undefined) {
      const labels = {
        [OwnershipKeys.managedBy]: ref.scope,
        [OwnershipKeys.workerId]: ref.workerId,
      };
      return (await call<Machine[]>('GET', `/machines?${query(labels)}`))[0];
    }
    try {
      return await call<Machine>('GET', `/machines/${encodeURIComponent(ref.uid)}`);
    } catch (error) {
      if (error instanceof CloudError && error.status === 404) return undefined;
      throw error;
    }
  }

  async function found(ref: WorkerRefV1): Promise<Machine> {
    const machine = await find(ref);
    if (!machine || toRecord(machine).labels[OwnershipKeys.managedBy] !== ref.scope) {
      throw new WorkerNotFoundError(ref.workerId);
    }
    return machine;
  }

  return defineProvider({
    type: 'rest-cloud',
    providerId: settings.providerId,
    policyPreset: definePolicyPreset('rest-cloud', {
      maxLifetime: '2h',
      orphanCheckInterval: '30s',
    }),
    checkSpec(spec, issues) {
      if (spec.image !== REST_CLOUD_IMAGE) {
        issues.push({ path: 'image', message: `must be '${REST_CLOUD_IMAGE}'` });
      }
      if (!Array.isArray(spec.command) || spec.command.length === 0) {
        issues.push({ path: 'command', message: 'is required' });
      }
      return undefined;
    },
    async create({ spec, ownership, labels, annotations }, ctx) {
      const machine = await call<Machine>('POST', '/machines', {
        name: `${ownership.workerId}.${ownership.scope}`,
        image: spec.image,
        command: [...(spec.command ?? []), ...(spec.args ?? [])],
        env: spec.env,
        labels,
        metadata: annotations,
      });
      ctx.created(machine.id);
      return toRecord(machine);
    },
    get: async (ref) => {
      const machine = await find(ref);
      return machine && toRecord(machine);
    },
    list: async (selector) => {
      const labels = { ...selector.labels, [OwnershipKeys.managedBy]: selector.scope };
      return (await call<Machine[]>('GET', `/machines?${query(labels)}`)).map(toRecord);
    },
    // The kit waits until `get` no longer finds it: the cloud deletes asynchronously.
    async remove(ref, { gracePeriodMs }) {
      const machine = await find(ref);
      if (
        machine &&
        machine.state !== 'deleting' &&
        machine.labels[OwnershipKeys.managedBy] === ref.scope
      ) {
        await call('DELETE', `/machines/${machine.id}?grace=${gracePeriodMs}`);
      }
    },
    async stop(ref, { gracePeriodMs }) {
      const machine = await found(ref);
      await call('POST', `/machines/${machine.id}/stop?grace=${gracePeriodMs}`);
    },
    async logs(ref, { tail }) {
      const machine = await found(ref);
      return call<string[]>(
        'GET',
        `/machines/${machine.id}/logs${tail === undefined ? '' : `?tail=${tail}`}`,
      );
    },
    // #region poll-list
    // The cloud has no event stream: the kit builds the watch from `list`.
    watch: pollList({ intervalMs: settings.pollIntervalMs }),
    // #endregion poll-list
    async health() {
      await call('GET', '/health');
      return { healthy: true };
    },
  });
}
