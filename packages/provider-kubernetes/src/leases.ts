/**
 * Owner leases on Kubernetes: one coordination.k8s.io/v1 Lease per manager instance and scope,
 * in the workers' namespace, labelled `hodei.io/managed-by=<scope>` and `hodei.io/owner=<owner>`
 * (holderIdentity, leaseDurationSeconds and renewTime as any Kubernetes tool expects them).
 *
 * `alive` is judged by the API server's clock only: renewTime is written by the client, whose
 * clock may be skewed, so the last renewal is read from what the server stamps on every update
 * (`metadata.managedFields[].time`, and `creationTimestamp`), and "now" is the Date header of
 * the list's answer. Both are in whole seconds, truncated: the renewal counts from the end of
 * its second, so a live owner is never judged dead early (a dead one may look alive up to a
 * second longer).
 */
import { createHash } from 'node:crypto';
import type { LeaseHooks, OwnerLeaseV1 } from '@hodei/lifecycle-core/provider';
import { OwnershipKeys } from '@hodei/lifecycle-core/provider';
import { httpStatusOf } from './errors.js';
import type { KubeClient } from './kube-client.js';

const LEASES_API = '/apis/coordination.k8s.io/v1';
const FIELD_MANAGER = 'hodei-lifecycle';

/** The parts of a Lease the provider reads and writes. Internal: never exported. */
export interface LeaseObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    managedFields?: { manager?: string; operation?: string; time?: string }[];
  };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
  };
}

/** The Lease's name: one per (scope, owner), a valid DNS name whatever their length. */
export function leaseName(scope: string, owner: string): string {
  const hash = createHash('sha256').update(`${scope}\u0000${owner}`).digest('hex').slice(0, 24);
  return `hodei-lease-${hash}`;
}

/** A MicroTime as the API wants it: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The server's time of the Lease's last write (ms), from what the server stamped. */
export function lastServerWrite(lease: LeaseObject): number | undefined {
  let latest: number | undefined;
  const consider = (text: string | undefined) => {
    const ms = Date.parse(text ?? '');
    if (!Number.isNaN(ms) && (latest === undefined || ms > latest)) latest = ms;
  };
  for (const entry of lease.metadata?.managedFields ?? []) consider(entry.time);
  consider(lease.metadata?.creationTimestamp);
  return latest;
}

/**
 * The lease as the contract reports it, judged at the server's `now`. A Lease without server
 * stamps (a server that keeps no managedFields) falls back to its renewTime: then the clocks
 * of the writer and of the API server must agree.
 */
export function leaseToOwnerLease(lease: LeaseObject, serverNow: number): OwnerLeaseV1 | undefined {
  const labels = lease.metadata?.labels ?? {};
  const scope = labels[OwnershipKeys.managedBy];
  const owner = labels[OwnershipKeys.owner];
  const seconds = lease.spec?.leaseDurationSeconds;
  if (!scope || !owner || typeof seconds !== 'number' || seconds <= 0) return undefined;
  const durationMs = seconds * 1000;
  const written = lastServerWrite(lease);
  const renewTime = Date.parse(lease.spec?.renewTime ?? '');
  // Server stamps are whole seconds, truncated: the write happened before the next second.
  const renewedAt =
    written !== undefined ? written + 999 : Number.isNaN(renewTime) ? undefined : renewTime;
  return {
    scope,
    owner,
    alive: renewedAt !== undefined && serverNow < renewedAt + durationMs,
    durationMs,
    renewedAt:
      written !== undefined
        ? new Date(written)
        : renewedAt === undefined
          ? undefined
          : new Date(renewedAt),
  };
}

/** The lease hooks and listScopes of the Kubernetes provider, in one namespace. */
export function kubernetesLeases(
  client: KubeClient,
  namespace: string,
): { leases: LeaseHooks; listScopes: () => Promise<string[]> } {
  const leasesPath = `${LEASES_API}/namespaces/${namespace}/leases`;
  const query = `fieldManager=${FIELD_MANAGER}`;

  async function list(scope: string | undefined): Promise<OwnerLeaseV1[]> {
    const selector =
      scope === undefined
        ? `${OwnershipKeys.managedBy},${OwnershipKeys.owner}`
        : `${OwnershipKeys.managedBy}=${scope},${OwnershipKeys.owner}`;
    const { body, date } = await client.requestDated<{ items?: LeaseObject[] }>(
      'GET',
      `${leasesPath}?labelSelector=${encodeURIComponent(selector)}`,
    );
    // The server's clock, as its answer's Date header gives it; the local one only without.
    const now = date ?? Date.now();
    const leases: OwnerLeaseV1[] = [];
    for (const item of body.items ?? []) {
      const lease = leaseToOwnerLease(item, now);
      if (lease && (scope === undefined || lease.scope === scope)) leases.push(lease);
    }
    return leases;
  }

  return {
    leases: {
      async hold({ scope, owner, durationMs }, { signal }) {
        const name = leaseName(scope, owner);
        const now = Date.now();
        const labels = {
          [OwnershipKeys.managedBy]: scope,
          [OwnershipKeys.owner]: owner,
          'app.kubernetes.io/managed-by': 'hodei-lifecycle',
        };
        const spec = {
          holderIdentity: owner,
          leaseDurationSeconds: Math.ceil(durationMs / 1000),
          renewTime: microTime(now),
        };
        const patch = () =>
          client.request('PATCH', `${leasesPath}/${name}?${query}`, {
            signal,
            contentType: 'application/merge-patch+json',
            body: { metadata: { labels }, spec },
          });
        try {
          await patch();
          return;
        } catch (error) {
          if (httpStatusOf(error) !== 404) throw error;
        }
        try {
          await client.request('POST', `${leasesPath}?${query}`, {
            signal,
            body: {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name, namespace, labels },
              spec: { ...spec, acquireTime: microTime(now) },
            },
          });
        } catch (error) {
          // Made meanwhile (a renewal racing the first hold): renew it.
          if (httpStatusOf(error) !== 409) throw error;
          await patch();
        }
      },

      async release({ scope, owner }) {
        try {
          await client.request('DELETE', `${leasesPath}/${leaseName(scope, owner)}`);
        } catch (error) {
          if (httpStatusOf(error) !== 404) throw error;
        }
      },

      list: ({ scope }) => list(scope),
    },

    async listScopes() {
      const selector = encodeURIComponent(OwnershipKeys.managedBy);
      const pods = await client.request<{
        items?: { metadata?: { labels?: Record<string, string> } }[];
      }>('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${selector}`);
      const scopes = new Set<string>();
      for (const pod of pods.items ?? []) {
        const scope = pod.metadata?.labels?.[OwnershipKeys.managedBy];
        if (scope) scopes.add(scope);
      }
      for (const lease of await list(undefined)) scopes.add(lease.scope);
      return [...scopes].sort();
    },
  };
}
