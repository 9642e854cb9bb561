/**
 * Whether a manager takes over (adopts) a worker of its scope that it does not track: a pure
 * function of whose worker it is and whether that owner is alive. The manager reads the
 * leases once per re-list and hands their verdict in; nothing here calls the provider.
 */
import type { OwnerLeaseV1 } from '../../provider/v1/provider-v1.js';

/**
 * Whether a worker's owner (`hodei.io/owner`) is alive, by the leases of its scope:
 * `alive` (a live lease), `dead` (a lease, run out), `absent` (no lease), `unknown` (no leases
 * to read: the provider has none).
 */
export type OwnerLiveness = 'alive' | 'dead' | 'absent' | 'unknown';

/**
 * The liveness of `owner` by the leases of one scope; `leases` undefined means the provider
 * has no leases (`unknown`).
 */
export function ownerLiveness(
  owner: string,
  leases: readonly OwnerLeaseV1[] | undefined,
): OwnerLiveness {
  if (leases === undefined) return 'unknown';
  let held = false;
  for (const lease of leases) {
    if (lease.owner !== owner) continue;
    if (lease.alive) return 'alive';
    held = true;
  }
  return held ? 'dead' : 'absent';
}

export interface AdoptionInput {
  /** The worker's owner (`hodei.io/owner`). */
  readonly owner: string;
  /** The deciding manager's instance id. */
  readonly self: string;
  readonly liveness: OwnerLiveness;
}

/** Why a worker is adopted, or left to its owner. */
export type AdoptionReason =
  | 'own'
  | 'owner-dead'
  | 'owner-absent'
  | 'owner-unknown'
  | 'owner-alive';

export interface AdoptionVerdict {
  /** Take it over (report it as an orphan resource and enforce its stamps), or leave it be. */
  readonly adopt: boolean;
  readonly reason: AdoptionReason;
}

/**
 * Adopt a worker unless another owner holds a live lease: a live owner's worker is never an
 * orphan, and stays its owner's (it ends at its stamped deadline and TTL, which its owner
 * enforces). A dead or absent owner's worker is adopted; so is every worker when liveness
 * cannot be told (a provider without leases: the behaviour before leases existed).
 */
export function adoptionOf(input: AdoptionInput): AdoptionVerdict {
  if (input.owner === input.self) return { adopt: true, reason: 'own' };
  switch (input.liveness) {
    case 'alive':
      return { adopt: false, reason: 'owner-alive' };
    case 'dead':
      return { adopt: true, reason: 'owner-dead' };
    case 'absent':
      return { adopt: true, reason: 'owner-absent' };
    default:
      return { adopt: true, reason: 'owner-unknown' };
  }
}
