/**
 * Owner leases on Docker. The engine has no mutable object to renew, so a lease is a small
 * container per manager instance and scope, labelled `hodei.io/managed-by`, `hodei.io/owner`
 * and `hodei.io/lease` (its duration in ms, and the marker that it is no worker), created with
 * its stdin open (OpenStdin, StdinOnce, AttachStdin) and attached over a hijacked connection
 * before it starts. It runs `sh -c 'while read -t <seconds> line; do :; done'`:
 * - each `hold` writes one heartbeat line and waits for the container's answer: the engine's
 *   clock then gives it another duration (no answer in time: the renewal failed);
 * - the manager process dies (SIGKILL included): its connection closes, the engine closes the
 *   container's stdin, `read` sees the end and the container exits at once;
 * - no heartbeat within the duration (a network partition, a half-open socket, a hung
 *   process): `read -t` times out, on the engine's host, and the container exits;
 * - it is created with AutoRemove, and `release` removes it too.
 * Alive means running, as the engine reports it: judged on the engine's side, never by the
 * caller's clock. Lease containers carry no `hodei.io/worker-id`, so they are never workers.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { LeaseHooks, OwnerLeaseV1 } from '@hodei/lifecycle-core/provider';
import { OwnershipKeys } from '@hodei/lifecycle-core/provider';
import type { DockerClient } from './client.js';
import { httpStatusOf } from './errors.js';
import type { ResolvedDockerSettings } from './settings.js';

/** The label of lease containers: their duration in milliseconds. */
export const LEASE_LABEL = 'hodei.io/lease';

/** The container name prefix of a lease: one per (scope, owner); each container adds a suffix. */
export function leaseContainerName(scope: string, owner: string): string {
  const hash = createHash('sha256').update(`${scope}\u0000${owner}`).digest('hex').slice(0, 24);
  return `hodei-lease-${hash}`;
}

/**
 * The lease container's program: answers each heartbeat line with one of its own (so `hold`
 * knows the heartbeat arrived), and ends at stdin's end or after `seconds` without a line.
 */
export function leaseScript(seconds: number): string {
  return `while read -t ${seconds} line; do echo; done`;
}

interface HeldLease {
  readonly id: string;
  readonly stream: Duplex;
  readonly durationMs: number;
  ended: boolean;
  /** Called with each chunk the container prints: its answers to heartbeats. */
  answered: (() => void) | undefined;
}

export interface DockerLeases {
  readonly leases: LeaseHooks;
  listScopes(): Promise<string[]>;
  /** Ends every held lease's connection: their containers exit (the manager is gone). */
  close(): void;
}

export function dockerLeases(client: DockerClient, settings: ResolvedDockerSettings): DockerLeases {
  const held = new Map<string, HeldLease>();
  const keyOf = (scope: string, owner: string) => `${scope}\u0000${owner}`;

  async function removeContainer(idOrName: string): Promise<void> {
    try {
      await client.remove(idOrName);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status !== 404 && status !== 409) throw error; // gone, or going
    }
  }

  async function start(
    scope: string,
    owner: string,
    durationMs: number,
    signal: AbortSignal,
  ): Promise<HeldLease> {
    const seconds = Math.ceil(durationMs / 1000);
    const name = leaseContainerName(scope, owner);
    const body = {
      Image: settings.leaseImage,
      Entrypoint: ['/bin/sh', '-c', leaseScript(seconds)],
      Cmd: [],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      Labels: {
        [OwnershipKeys.managedBy]: scope,
        [OwnershipKeys.owner]: owner,
        [OwnershipKeys.providerId]: settings.providerId,
        [LEASE_LABEL]: String(seconds * 1000),
      },
      HostConfig: {
        AutoRemove: true,
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
      },
    };
    // A name of its own each time: the one it replaces may still be going (AutoRemove).
    const id = await client.createContainer(
      `${name}-${randomBytes(3).toString('hex')}`,
      body as never,
      { signal },
    );
    try {
      const stream = await client.attachStdin(id, { signal });
      const lease: HeldLease = {
        id,
        stream,
        durationMs: seconds * 1000,
        ended: false,
        answered: undefined,
      };
      const ended = () => {
        lease.ended = true;
        lease.answered?.();
      };
      stream.on('end', ended);
      stream.on('close', ended);
      stream.on('error', ended);
      stream.on('data', () => lease.answered?.());
      await client.start(id, { signal });
      return lease;
    } catch (error) {
      await removeContainer(id).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Writes one heartbeat and waits for the container's answer: resolves true once it came,
   * false when the container has gone (the stream ended) or did not answer in time.
   */
  function heartbeat(lease: HeldLease, signal: AbortSignal): Promise<boolean> {
    const waitMs = Math.min(settings.requestTimeoutMs, lease.durationMs);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (answered: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        lease.answered = undefined;
        resolve(answered && !lease.ended);
      };
      const onAbort = () => done(false);
      lease.answered = () => done(true);
      timer = setTimeout(() => done(false), waitMs);
      signal.addEventListener('abort', onAbort, { once: true });
      lease.stream.write('\n', (error) => {
        if (error) done(false);
      });
    });
  }

  async function list(scope: string | undefined): Promise<OwnerLeaseV1[]> {
    const summaries = await client.list([
      LEASE_LABEL,
      scope === undefined ? OwnershipKeys.managedBy : `${OwnershipKeys.managedBy}=${scope}`,
    ]);
    const leases: OwnerLeaseV1[] = [];
    for (const summary of summaries) {
      const labels = summary.Labels ?? {};
      const leaseScope = labels[OwnershipKeys.managedBy];
      const owner = labels[OwnershipKeys.owner];
      const durationMs = Number(labels[LEASE_LABEL]);
      if (!leaseScope || !owner || !(durationMs > 0)) continue;
      if (scope !== undefined && leaseScope !== scope) continue;
      const alive = summary.State === 'running';
      // An ended lease container that AutoRemove has not taken (yet): removed in passing.
      if (!alive && summary.State !== 'removing' && summary.Id) {
        void removeContainer(summary.Id).catch(() => undefined);
      }
      leases.push({ scope: leaseScope, owner, alive, durationMs, renewedAt: undefined });
    }
    return leases;
  }

  return {
    leases: {
      async hold({ scope, owner, durationMs }, { signal }) {
        const key = keyOf(scope, owner);
        const current = held.get(key);
        if (
          current &&
          !current.ended &&
          current.durationMs === Math.ceil(durationMs / 1000) * 1000
        ) {
          if (await heartbeat(current, signal)) return;
          if (signal.aborted) return; // the kit reports the cancellation
          current.ended = true; // the container has gone, or is cut off: a new one below
        }
        if (current) {
          held.delete(key);
          current.stream.destroy();
          await removeContainer(current.id);
        }
        held.set(key, await start(scope, owner, durationMs, signal));
      },

      async release({ scope, owner }) {
        const key = keyOf(scope, owner);
        const current = held.get(key);
        held.delete(key);
        current?.stream.end();
        current?.stream.destroy();
        if (current) {
          await removeContainer(current.id);
          return;
        }
        // Not held here: this owner's lease containers, by their labels (never another's).
        const left = await client.list([
          LEASE_LABEL,
          `${OwnershipKeys.managedBy}=${scope}`,
          `${OwnershipKeys.owner}=${owner}`,
        ]);
        for (const summary of left) {
          const labels = summary.Labels ?? {};
          if (labels[OwnershipKeys.owner] === owner && labels[OwnershipKeys.managedBy] === scope) {
            await removeContainer(summary.Id);
          }
        }
      },

      list: ({ scope }) => list(scope),
    },

    async listScopes() {
      const summaries = await client.list([OwnershipKeys.managedBy]);
      const scopes = new Set<string>();
      for (const summary of summaries) {
        const scope = summary.Labels?.[OwnershipKeys.managedBy];
        if (scope) scopes.add(scope);
      }
      return [...scopes].sort();
    },

    close() {
      for (const lease of held.values()) lease.stream.destroy();
      held.clear();
    },
  };
}
