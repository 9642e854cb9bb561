/**
 * A clock that moves only when the test says so. It implements core's `Clock`, so anything
 * built on it (the lifecycle manager, the memory provider) runs deadlines, TTLs and timeouts
 * in microseconds of real time, deterministically.
 */
import type { Clock, TimerHandle } from '@hodei/lifecycle-core';

/** 2026-01-01T00:00:00.000Z: a fixed, readable start, so timestamps in failures are stable. */
export const MANUAL_CLOCK_DEFAULT_START = Date.parse('2026-01-01T00:00:00.000Z');

export interface ManualClockOptions {
  /**
   * `setImmediate` turns awaited after each timer fires, so chains of async work that a timer
   * starts (a timer resolves a sleep, which awaits a provider call, which sets another timer)
   * finish before the next timer fires. Default 10.
   */
  readonly settleTurns?: number;
}

export interface RunUntilIdleOptions {
  /** Fails after this many timers: a timer that keeps re-arming itself would loop forever. Default 10 000. */
  readonly maxTimers?: number;
}

export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer due up to the new time in due order (ties
   * in the order they were set). `now()` equals each timer's due time while it fires, and
   * promises settle between timers; timers set meanwhile that fall inside the window fire too.
   */
  advance(ms: number): Promise<void>;
  /** Moves time forward to an absolute instant (epoch milliseconds), as `advance` does. */
  advanceTo(epochMs: number): Promise<void>;
  /**
   * Fires timers, jumping time to each one, until none is left. Returns how many fired.
   * Throws when more than `maxTimers` fire (an interval that never stops).
   */
  runUntilIdle(options?: RunUntilIdleOptions): Promise<number>;
  /** Lets pending promise chains settle without moving time. */
  settle(): Promise<void>;
  /** Number of timers set and not yet fired or cancelled. */
  readonly pendingTimers: number;
  /** When the next timer is due (epoch ms), or undefined when none is pending. */
  nextTimerAt(): number | undefined;
}

interface PendingTimer {
  readonly dueAt: number;
  /** Insertion order: timers due at the same instant fire in the order they were set. */
  readonly seq: number;
  readonly callback: () => void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createManualClock(
  startMs: number = MANUAL_CLOCK_DEFAULT_START,
  options: ManualClockOptions = {},
): ManualClock {
  if (!Number.isFinite(startMs))
    throw new RangeError(`startMs must be a finite number, got ${startMs}`);
  const settleTurns = options.settleTurns ?? 10;
  if (!Number.isInteger(settleTurns) || settleTurns < 0) {
    throw new RangeError(`settleTurns must be a whole number >= 0, got ${settleTurns}`);
  }
  let now = startMs;
  let seq = 0;
  let advancing = false;
  // A sorted array is enough for tests (tens of timers); insertion keeps (dueAt, seq) order.
  const timers: PendingTimer[] = [];

  const settle = async () => {
    for (let i = 0; i < settleTurns; i += 1) await turn();
  };

  function insert(timer: PendingTimer): void {
    let index = timers.length;
    while (index > 0) {
      const previous = timers[index - 1]!;
      if (
        previous.dueAt < timer.dueAt ||
        (previous.dueAt === timer.dueAt && previous.seq < timer.seq)
      ) {
        break;
      }
      index -= 1;
    }
    timers.splice(index, 0, timer);
  }

  /** Fires the earliest timer if it is due at or before `limit`; false when there is none. */
  async function fireNext(limit: number): Promise<boolean> {
    const next = timers[0];
    if (next === undefined || next.dueAt > limit) return false;
    timers.shift();
    now = Math.max(now, next.dueAt);
    next.callback();
    await settle();
    return true;
  }

  /** Serialises advances: two overlapping advances would fire timers out of order. */
  async function exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (advancing) {
      throw new Error(
        'ManualClock: advance/runUntilIdle called while another one is running; await it first',
      );
    }
    advancing = true;
    try {
      return await work();
    } finally {
      advancing = false;
    }
  }

  async function advanceTo(target: number): Promise<void> {
    if (!Number.isFinite(target)) throw new RangeError(`target time must be finite, got ${target}`);
    if (target < now) {
      throw new RangeError(`ManualClock cannot go back in time (now ${now}, asked ${target})`);
    }
    await exclusive(async () => {
      // Let work started before the advance set its timers first.
      await settle();
      while (await fireNext(target)) {
        // fireNext moves `now` and settles.
      }
      now = target;
      await settle();
    });
  }

  return {
    now: () => now,
    setTimer(delayMs: number, callback: () => void): TimerHandle {
      const delay = Number.isFinite(delayMs) ? Math.max(0, delayMs) : 0;
      const timer: PendingTimer = { dueAt: now + delay, seq: seq++, callback };
      insert(timer);
      return {
        cancel() {
          const index = timers.indexOf(timer);
          if (index !== -1) timers.splice(index, 1);
        },
      };
    },
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) {
        return Promise.reject(new RangeError(`advance(ms) needs a finite number >= 0, got ${ms}`));
      }
      return advanceTo(now + ms);
    },
    advanceTo,
    runUntilIdle(runOptions: RunUntilIdleOptions = {}) {
      const maxTimers = runOptions.maxTimers ?? 10_000;
      return exclusive(async () => {
        await settle();
        let fired = 0;
        while (await fireNext(Number.POSITIVE_INFINITY)) {
          fired += 1;
          if (fired >= maxTimers && timers.length > 0) {
            throw new Error(
              `ManualClock.runUntilIdle: still ${timers.length} timer(s) pending after firing ${fired}; ` +
                'a timer probably re-arms itself (raise maxTimers or use advance())',
            );
          }
        }
        return fired;
      });
    },
    settle,
    get pendingTimers() {
      return timers.length;
    },
    nextTimerAt: () => timers[0]?.dueAt,
  };
}
