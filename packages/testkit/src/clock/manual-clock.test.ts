import { sleep } from '@hodei/lifecycle-core/provider';
import { describe, expect, test } from 'vitest';
import { createManualClock, MANUAL_CLOCK_DEFAULT_START } from './manual-clock.js';

describe('createManualClock', () => {
  test('starts at 2026-01-01T00:00:00Z unless told otherwise', () => {
    expect(createManualClock().now()).toBe(MANUAL_CLOCK_DEFAULT_START);
    expect(new Date(createManualClock().now()).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(createManualClock(1_000).now()).toBe(1_000);
  });

  test('time moves only on advance', async () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    clock.setTimer(100, () => fired.push(clock.now()));
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(100);
    await clock.advance(99);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(99);
    await clock.advance(1);
    expect(fired).toEqual([100]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  test('fires due timers in time order, with now() at each due time, ties in setting order', async () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(10, () => fired.push(`a@${clock.now()}`));
    clock.setTimer(30, () => fired.push(`d@${clock.now()}`));
    clock.setTimer(20, () => fired.push(`b@${clock.now()}`));
    await clock.advance(50);
    expect(fired).toEqual(['a@10', 'b@20', 'c@30', 'd@30']);
    expect(clock.now()).toBe(50);
  });

  test('timers set while advancing fire when they fall inside the window', async () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    clock.setTimer(10, () => {
      fired.push(clock.now());
      clock.setTimer(10, () => fired.push(clock.now()));
      clock.setTimer(100, () => fired.push(clock.now()));
    });
    await clock.advance(50);
    expect(fired).toEqual([10, 20]);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(110);
  });

  test('async chains started by a timer complete before the next timer fires', async () => {
    const clock = createManualClock(0);
    const steps: string[] = [];
    const chain = async () => {
      await sleep(clock, 10);
      steps.push(`slept@${clock.now()}`);
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      await sleep(clock, 5); // a timer set by async work after the first one fired
      steps.push(`slept again@${clock.now()}`);
    };
    const done = chain();
    clock.setTimer(12, () => steps.push(`other@${clock.now()}`));
    await clock.advance(20);
    await done;
    expect(steps).toEqual(['slept@10', 'other@12', 'slept again@15']);
  });

  test('a cancelled timer never fires and cancel is safe twice', async () => {
    const clock = createManualClock(0);
    let fired = false;
    const handle = clock.setTimer(5, () => {
      fired = true;
    });
    handle.cancel();
    handle.cancel();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(10);
    expect(fired).toBe(false);
  });

  test('negative, zero and non-finite delays fire at the current time', async () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    clock.setTimer(-5, () => fired.push(1));
    clock.setTimer(0, () => fired.push(2));
    clock.setTimer(Number.NaN, () => fired.push(3));
    await clock.advance(0);
    expect(fired).toEqual([1, 2, 3]);
    expect(clock.now()).toBe(0);
  });

  test('advanceTo moves to an absolute instant', async () => {
    const clock = createManualClock(1_000);
    const fired: number[] = [];
    clock.setTimer(500, () => fired.push(clock.now()));
    await clock.advanceTo(2_000);
    expect(fired).toEqual([1_500]);
    expect(clock.now()).toBe(2_000);
  });

  test('refuses to go back in time or to advance by an invalid amount', async () => {
    const clock = createManualClock(1_000);
    await expect(clock.advanceTo(999)).rejects.toThrow(RangeError);
    await expect(clock.advance(-1)).rejects.toThrow(/finite number >= 0/);
    await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(clock.now()).toBe(1_000);
    expect(() => createManualClock(Number.NaN)).toThrow(RangeError);
    expect(() => createManualClock(0, { settleTurns: -1 })).toThrow(RangeError);
  });

  test('refuses overlapping advances, which would fire timers out of order', async () => {
    const clock = createManualClock(0);
    clock.setTimer(10, () => {});
    const first = clock.advance(20);
    await expect(clock.advance(5)).rejects.toThrow(/another one is running/);
    await first;
    expect(clock.now()).toBe(20);
  });

  test('an error thrown by a timer callback surfaces from advance', async () => {
    const clock = createManualClock(0);
    clock.setTimer(1, () => {
      throw new Error('boom');
    });
    await expect(clock.advance(5)).rejects.toThrow('boom');
    // Time stops at the failing timer, and the clock stays usable.
    expect(clock.now()).toBe(1);
    await clock.advance(5);
    expect(clock.now()).toBe(6);
  });

  test('runUntilIdle jumps to each timer until none is left', async () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    clock.setTimer(1_000, () => {
      fired.push(clock.now());
      clock.setTimer(60_000, () => fired.push(clock.now()));
    });
    expect(await clock.runUntilIdle()).toBe(2);
    expect(fired).toEqual([1_000, 61_000]);
    expect(clock.now()).toBe(61_000);
    expect(await clock.runUntilIdle()).toBe(0);
  });

  test('runUntilIdle stops a timer that re-arms itself forever', async () => {
    const clock = createManualClock(0);
    const rearm = () => {
      clock.setTimer(1, rearm);
    };
    rearm();
    await expect(clock.runUntilIdle({ maxTimers: 50 })).rejects.toThrow(/re-arms itself/);
    expect(clock.now()).toBe(50);
  });

  test('settle lets promise chains finish without moving time', async () => {
    const clock = createManualClock(0);
    let done = false;
    void (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.resolve();
      done = true;
    })();
    await clock.settle();
    expect(done).toBe(true);
    expect(clock.now()).toBe(0);
  });
});
