/**
 * Owner liveness, as the provider's leases tell it (`capabilities.leases`, `provider.leases`),
 * judged by core's own functions (`ownerLiveness`, `adoptionOf`): the same verdict a manager of
 * the scope reaches before it adopts a worker. Providers without leases give `unknown`, and
 * their workers are reaped like an absent owner's, as a manager adopts them.
 */
import {
  adoptionOf,
  type OwnerLeaseV1,
  type OwnerLiveness,
  ownerLiveness,
  type ProviderV1,
} from '@hodei/lifecycle-core';

/** alive (a live lease), dead (a lease, run out), absent (no lease), unknown (no leases). */
export type OwnerState = OwnerLiveness;

/** The reaper's own identity when it asks whether it may take a worker over. */
const REAPER = 'hodei-lifecycle-reaper';

/** The provider's leases, when it declares them. */
export function leasesOf(provider: ProviderV1): ProviderV1['leases'] {
  return provider.capabilities.leases === true && typeof provider.leases?.list === 'function'
    ? provider.leases
    : undefined;
}

/** The scopes of a provider that can list them (`provider.listScopes`), else undefined. */
export function scopeListerOf(provider: ProviderV1): (() => Promise<string[]>) | undefined {
  const list = provider.listScopes;
  if (provider.capabilities.listScopes !== true || typeof list !== 'function') return undefined;
  return () => list.call(provider);
}

/** Owner states of one scope: one lease list (none when the provider has no leases). */
export async function readOwnerStates(
  provider: ProviderV1,
  scope: string,
): Promise<(owner: string) => OwnerState> {
  const leases = leasesOf(provider);
  const listed: readonly OwnerLeaseV1[] | undefined = leases
    ? (await leases.list({ scope })).filter((lease) => lease.scope === scope)
    : undefined;
  return (owner) => ownerLiveness(owner, listed);
}

/** Whether the reaper may enforce stamps on a worker of this owner: a manager would adopt it. */
export function reapable(owner: string, state: OwnerState): boolean {
  return adoptionOf({ owner, self: REAPER, liveness: state }).adopt;
}
