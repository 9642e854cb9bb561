/**
 * Owner liveness, as far as the provider can tell. Leases are an optional provider capability
 * (`capabilities.leases`, `provider.leases.list`); this reads them structurally, so the command
 * works with providers that predate them (their owners are `unknown`, reaped like `absent`).
 */
import type { ProviderV1 } from '@hodei/lifecycle-core';

/** One manager instance's claim that it is alive, in one scope (core's OwnerLeaseV1). */
export interface OwnerLease {
  readonly scope: string;
  readonly owner: string;
  readonly alive: boolean;
  readonly durationMs: number;
  readonly renewedAt: Date | undefined;
}

/**
 * Whether the manager instance stamped as a worker's owner is alive: a live lease (`alive`),
 * a lease that expired (`dead`), no lease (`absent`), or a provider without leases (`unknown`).
 */
export type OwnerState = 'alive' | 'dead' | 'absent' | 'unknown';

interface LeaseLister {
  list(selector: { scope?: string }): Promise<OwnerLease[]>;
}

/** The provider's lease reader, when it declares leases. */
export function leasesOf(provider: ProviderV1): LeaseLister | undefined {
  const declared = (provider.capabilities as { leases?: unknown }).leases === true;
  const leases = (provider as { leases?: Partial<LeaseLister> }).leases;
  if (!declared || typeof leases?.list !== 'function') return undefined;
  return leases as LeaseLister;
}

/** The scopes of a provider that can list them (`provider.listScopes`), else undefined. */
export function scopeListerOf(provider: ProviderV1): (() => Promise<string[]>) | undefined {
  const declared = (provider.capabilities as { listScopes?: unknown }).listScopes === true;
  const list = (provider as { listScopes?: () => Promise<string[]> }).listScopes;
  if (!declared || typeof list !== 'function') return undefined;
  return () => list.call(provider);
}

/** Owner states of one scope: one lease list (none when the provider has no leases). */
export async function readOwnerStates(
  provider: ProviderV1,
  scope: string,
): Promise<(owner: string) => OwnerState> {
  const leases = leasesOf(provider);
  if (!leases) return () => 'unknown';
  const byOwner = new Map<string, OwnerState>();
  for (const lease of await leases.list({ scope })) {
    if (lease.scope !== scope) continue;
    // Several leases of one owner (a stale one beside a renewed one): alive if any is.
    if (lease.alive) byOwner.set(lease.owner, 'alive');
    else if (!byOwner.has(lease.owner)) byOwner.set(lease.owner, 'dead');
  }
  return (owner) => byOwner.get(owner) ?? 'absent';
}

/** Whether the reaper may enforce stamps on a worker of this owner: its owner is not alive. */
export function reapable(state: OwnerState): boolean {
  return state !== 'alive';
}
