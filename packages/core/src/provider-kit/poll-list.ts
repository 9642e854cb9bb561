/**
 * A watch for an infrastructure that has none: list every `intervalMs`, compare with the last
 * list, and report what changed (an upsert for a new or changed worker, a removal for one that
 * vanished). Runs on the reflector, so a failing list backs off and lists again.
 */
import { type Clock, sleep, systemClock } from '../clock/clock.js';
import type { WorkerRecordV1, WorkerSelectorV1 } from '../provider/v1/provider-v1.js';
import type { WatchHook } from './define-provider.js';
import { type ReflectorEvent, reflect } from './reflector.js';

export interface PollListOptions {
  /** Pause between two lists. */
  readonly intervalMs: number;
  /** Give up (retryable ProviderError) after the list failed this long. Default 60 000. */
  readonly giveUpAfterMs?: number;
  /** Default: the system clock. */
  readonly clock?: Clock;
}

/** What a record says, to tell a change from the same state listed again. */
const stateOf = (record: WorkerRecordV1) => JSON.stringify(record);

/**
 * A `watch` hook built from the provider's own `list`: `defineProvider({ ..., watch: pollList({
 * intervalMs: 2_000 }) })`. The manager then hears of a finished worker within one interval,
 * instead of at its next resync.
 */
export function pollList(options: PollListOptions): WatchHook {
  const { intervalMs } = options;
  if (!(Number.isSafeInteger(intervalMs) && intervalMs > 0)) {
    throw new RangeError(`pollList: intervalMs must be a whole number > 0, got ${intervalMs}`);
  }
  const clock = options.clock ?? systemClock;
  return (selector: WorkerSelectorV1, ctx) => {
    type Cursor = ReadonlyMap<string, WorkerRecordV1>;
    const byUid = (records: readonly WorkerRecordV1[]): Cursor =>
      new Map(records.map((record) => [record.uid, record]));
    return reflect<Cursor>({
      signal: ctx.signal,
      clock,
      ...(options.giveUpAfterMs === undefined ? {} : { giveUpAfterMs: options.giveUpAfterMs }),
      fail: ctx.fail,
      source: {
        async list() {
          const records = await ctx.list(selector);
          return { records, cursor: byUid(records) };
        },
        async *watch(previous, signal): AsyncGenerator<ReflectorEvent<Cursor>> {
          let last = previous;
          for (;;) {
            await sleep(clock, intervalMs, signal);
            const current = byUid(await ctx.list(selector));
            for (const [uid, record] of current) {
              const before = last.get(uid);
              if (!before || stateOf(before) !== stateOf(record)) {
                yield { type: 'upsert', worker: record };
              }
            }
            for (const [uid, record] of last) {
              if (!current.has(uid)) yield { type: 'removed', workerId: record.workerId, uid };
            }
            last = current;
            yield { type: 'cursor', cursor: current };
          }
        },
      },
    });
  };
}
