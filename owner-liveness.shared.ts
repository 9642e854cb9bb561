/**
 * The second half of the owner-liveness integration tests of the Docker and Kubernetes
 * providers: SIGKILL manager A, wait (bounded) for its lease to be not alive, then for manager B
 * to adopt every one of A's workers, and return the delays. Each provider's test brings its own
 * view of the lease and of B's events.
 */

/** A bounded poll that says what it waited for (the providers' test support `waitUntil`). */
type WaitUntil = <T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs?: number,
  intervalMs?: number,
) => Promise<T>;

export interface AdoptionDelays {
  readonly killToLeaseEnd: number;
  readonly leaseEndToAdoption: number;
  readonly killToAdoption: number;
}

export async function killAndMeasureAdoption(options: {
  /** Kills manager A (SIGKILL). */
  readonly kill: () => void;
  /** Whether A's lease is alive now, as another reader of the infrastructure sees it. */
  readonly ownerAlive: () => Promise<boolean>;
  /** The worker ids B has reported as adopted (OrphanWorkerDetected) so far. */
  readonly adopted: () => readonly string[];
  /** A's worker ids. */
  readonly expected: readonly string[];
  readonly leaseMs: number;
  readonly resyncMs: number;
  readonly waitUntil: WaitUntil;
}): Promise<AdoptionDelays> {
  const { waitUntil, leaseMs, resyncMs } = options;
  const killedAt = Date.now();
  options.kill();
  const leaseEndedAt = (
    await waitUntil(
      'manager A’s lease to be not alive',
      async () => ({ at: Date.now(), alive: await options.ownerAlive() }),
      (read) => !read.alive,
      leaseMs + 5_000,
      50,
    )
  ).at;
  await waitUntil(
    'manager B to adopt every worker of A',
    () => [...options.adopted()].sort(),
    (adopted) => options.expected.every((id) => adopted.includes(id)),
    leaseMs + resyncMs + 5_000,
    50,
  );
  const adoptedAt = Date.now();
  return {
    killToLeaseEnd: leaseEndedAt - killedAt,
    leaseEndToAdoption: adoptedAt - leaseEndedAt,
    killToAdoption: adoptedAt - killedAt,
  };
}
