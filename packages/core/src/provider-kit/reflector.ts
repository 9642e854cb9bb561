/**
 * The list-watch-relist loop every watch needs (client-go's reflector, client-node's informer):
 * list once and report everything; follow the changes from where the list ended; when the
 * stream ends, resume from the last position; when it breaks or the position is too old, back
 * off and list again, reporting the workers that vanished meanwhile as removed. So a consumer
 * may see a state twice but never misses the latest one. The source knows the infrastructure;
 * the loop knows nothing of it.
 */
import { type Clock, sleep, systemClock } from '../clock/clock.js';
import { ProviderError } from '../errors/errors.js';
import type { LifecycleError } from '../errors/lifecycle-error.js';
import type { WorkerObservationV1, WorkerRecordV1 } from '../provider/v1/provider-v1.js';

/** What a source's watch stream yields: observations, a new position, or "list again". */
export type ReflectorEvent<TCursor> =
  | WorkerObservationV1
  /** The position to resume from if the stream ends (a resourceVersion, a time). */
  | { readonly type: 'cursor'; readonly cursor: TCursor }
  /** The position is too old (Kubernetes 410 Gone): list again now, without backing off. */
  | { readonly type: 'relist' };

export interface ReflectorSource<TCursor> {
  /** One call listing the selection, and the position a watch starts from after it. */
  list(
    signal: AbortSignal,
  ): Promise<{ readonly records: readonly WorkerRecordV1[]; readonly cursor: TCursor }>;
  /**
   * The changes after `cursor`, until the stream ends. Throw when it breaks: the loop backs
   * off and lists again.
   */
  watch(cursor: TCursor, signal: AbortSignal): AsyncIterable<ReflectorEvent<TCursor>>;
}

export interface ReflectorOptions<TCursor> {
  readonly source: ReflectorSource<TCursor>;
  /** Ends the loop (quietly). */
  readonly signal: AbortSignal;
  /** Maps a failure to the contract's error; a ProviderError that is not retryable ends the loop. */
  readonly fail: (error: unknown) => LifecycleError;
  /** Give up (with a retryable ProviderError) after failing this long without a success. Default 60 000. */
  readonly giveUpAfterMs?: number;
  /** First pause after a failure; it doubles up to `maxBackoffMs`. Default 100. */
  readonly initialBackoffMs?: number;
  /** Default 2 000. */
  readonly maxBackoffMs?: number;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** For messages: what the loop talks to ("the API server https://..."). */
  readonly describeTarget?: string;
}

/** Runs the loop; yields the observations until the signal aborts. */
export async function* reflect<TCursor>(
  options: ReflectorOptions<TCursor>,
): AsyncGenerator<WorkerObservationV1> {
  const { source, signal, fail } = options;
  const clock = options.clock ?? systemClock;
  const giveUpAfterMs = options.giveUpAfterMs ?? 60_000;
  const initialBackoffMs = options.initialBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 2_000;
  /** uid -> worker id of every worker reported present and not yet reported removed. */
  const known = new Map<string, string>();
  let cursor: TCursor | undefined;
  let mustList = true;
  let failingSince: number | undefined;
  let attempt = 0;
  const succeeded = () => {
    failingSince = undefined;
    attempt = 0;
  };

  while (!signal.aborted) {
    try {
      if (mustList || cursor === undefined) {
        const listed = await source.list(signal);
        cursor = listed.cursor;
        mustList = false;
        succeeded();
        const present = new Set<string>();
        for (const worker of listed.records) {
          present.add(worker.uid);
          known.set(worker.uid, worker.workerId);
          yield { type: 'upsert', worker };
        }
        for (const [uid, workerId] of [...known]) {
          if (present.has(uid)) continue;
          known.delete(uid);
          yield { type: 'removed', workerId, uid };
        }
      }
      if (signal.aborted) return;
      for await (const event of source.watch(cursor as TCursor, signal)) {
        succeeded();
        if (event.type === 'cursor') {
          cursor = event.cursor;
        } else if (event.type === 'relist') {
          mustList = true;
          break;
        } else if (event.type === 'upsert') {
          known.set(event.worker.uid, event.worker.workerId);
          yield event;
        } else {
          const workerId = event.workerId || known.get(event.uid) || '';
          known.delete(event.uid);
          yield { type: 'removed', workerId, uid: event.uid };
        }
      }
      // The stream ended (a server-side timeout): resume from the last position.
    } catch (error) {
      if (signal.aborted) return;
      const mapped = fail(error);
      if (!(ProviderError.isInstance(mapped) && mapped.retryable)) throw mapped;
      const now = clock.now();
      failingSince ??= now;
      if (now - failingSince >= giveUpAfterMs) {
        throw new ProviderError(
          mapped.providerId,
          `watch: ${options.describeTarget ?? 'the infrastructure'} kept failing for ${now - failingSince} ms: ${mapped.message}`,
          { retryable: true, cause: error, status: mapped.status },
        );
      }
      mustList = true; // what changed meanwhile is repaired by the next list
      try {
        await sleep(clock, Math.min(maxBackoffMs, initialBackoffMs * 2 ** attempt), signal);
      } catch {
        return; // aborted while waiting
      }
      attempt += 1;
    }
  }
}
