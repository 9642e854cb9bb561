import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The first half of those tests: manager A in a child process (the provider's fixture script,
 * configured by HODEI_FIXTURE), its workers once it has made them, and every orphan it reports.
 */
export async function startManagerA(options: {
  readonly fixture: string;
  readonly config: object;
  readonly waitUntil: WaitUntil;
}): Promise<{
  readonly proc: ChildProcess;
  readonly workers: readonly { workerId: string }[];
  readonly orphans: readonly string[];
}> {
  const proc = spawn(process.execPath, [options.fixture], {
    env: { ...process.env, HODEI_FIXTURE: JSON.stringify(options.config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const orphans: string[] = [];
  let workers: { workerId: string }[] | undefined;
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { workers?: { workerId: string }[]; orphan?: string };
    if (message.workers) workers = message.workers;
    if (message.orphan) orphans.push(message.orphan);
  });
  try {
    await options.waitUntil(
      'manager A to create its workers',
      () => workers,
      (w) => w !== undefined,
      60_000,
    );
  } catch (error) {
    proc.kill('SIGKILL');
    throw error;
  }
  return { proc, workers: workers!, orphans };
}

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
