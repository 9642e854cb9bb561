import { createManualClock } from '@hodei/lifecycle-testkit';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { DeadlineQueue } from './deadline-queue.js';

test('fires deadlines in time order, equal times first-in first-out, and skips cancelled ones', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ at: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), {
        maxLength: 200,
      }),
      async (plan) => {
        const clock = createManualClock(0);
        const fired: number[] = [];
        const queue = new DeadlineQueue<number>(clock, (id) => fired.push(id));
        const handles = plan.map((item, id) => queue.schedule(item.at + 1, id));
        plan.forEach((item, id) => {
          if (item.cancel) expect(queue.cancel(handles[id])).toBe(true);
        });
        expect(queue.size).toBe(plan.filter((item) => !item.cancel).length);
        await clock.advance(100);
        const expected = plan
          .map((item, id) => ({ ...item, id }))
          .filter((item) => !item.cancel)
          .sort((a, b) => a.at - b.at || a.id - b.id)
          .map((item) => item.id);
        expect(fired).toEqual(expected);
        expect(queue.size).toBe(0);
        expect(handles.every((handle) => !queue.cancel(handle))).toBe(true);
      },
    ),
    { numRuns: 500 },
  );
});

test('one timer is armed for the earliest deadline only, and re-armed when an earlier one comes', async () => {
  const clock = createManualClock(0);
  const fired: string[] = [];
  const queue = new DeadlineQueue<string>(clock, (name) => fired.push(name));
  queue.schedule(1_000, 'late');
  expect(clock.pendingTimers).toBe(1);
  queue.schedule(10, 'early');
  expect(clock.pendingTimers).toBe(1);
  await clock.advance(10);
  expect(fired).toEqual(['early']);
  await clock.advance(990);
  expect(fired).toEqual(['early', 'late']);
  expect(clock.pendingTimers).toBe(0);
});

test('a deadline already due fires without waiting for the clock', async () => {
  const clock = createManualClock(1_000);
  const fired: string[] = [];
  const queue = new DeadlineQueue<string>(clock, (name) => fired.push(name));
  queue.schedule(500, 'overdue');
  await clock.settle();
  expect(fired).toEqual(['overdue']);
});

test('stop drops every pending deadline and fires nothing more', async () => {
  const clock = createManualClock(0);
  const fired: string[] = [];
  const queue = new DeadlineQueue<string>(clock, (name) => fired.push(name));
  const handle = queue.schedule(10, 'never');
  queue.stop();
  await clock.advance(100);
  expect(fired).toEqual([]);
  expect(queue.cancel(handle)).toBe(false);
});
