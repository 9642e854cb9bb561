import { describe, expect, test } from 'vitest';
import { IllegalTransitionError } from '../index.js';
import {
  assertTransition,
  canTransition,
  isActiveState,
  isFinishedState,
  LifecycleState,
  lifecycleTransitions,
} from './index.js';

const states = Object.values(LifecycleState);
const legal: [LifecycleState, LifecycleState][] = [
  ['Created', 'Initializing'],
  ['Created', 'Terminating'],
  ['Created', 'Failed'],
  ['Created', 'CleanedUp'],
  ['Initializing', 'Ready'],
  ['Initializing', 'Running'],
  ['Initializing', 'Terminating'],
  ['Initializing', 'Terminated'],
  ['Initializing', 'Failed'],
  ['Initializing', 'CleanedUp'],
  ['Ready', 'Running'],
  ['Ready', 'Terminating'],
  ['Ready', 'Terminated'],
  ['Ready', 'Failed'],
  ['Ready', 'CleanedUp'],
  ['Running', 'Ready'],
  ['Running', 'Terminating'],
  ['Running', 'Terminated'],
  ['Running', 'Failed'],
  ['Running', 'CleanedUp'],
  ['Terminating', 'Terminated'],
  ['Terminating', 'Failed'],
  ['Terminating', 'CleanedUp'],
  ['Terminated', 'CleanedUp'],
  ['Failed', 'CleanedUp'],
];
const isLegal = (from: string, to: string) => legal.some(([f, t]) => f === from && t === to);
const all = states.flatMap((from) => states.map((to) => [from, to] as const));

describe('state table', () => {
  test('has exactly the documented transitions', () => {
    const table = Object.entries(lifecycleTransitions).flatMap(([from, tos]) =>
      tos.map((to) => [from, to]),
    );
    expect(table.sort()).toEqual(legal.map(([f, t]) => [f, t]).sort());
  });

  test.each(all.filter(([f, t]) => isLegal(f, t)))('%s -> %s is legal', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  test.each(all.filter(([f, t]) => !isLegal(f, t)))(
    '%s -> %s is refused with a typed error',
    (from, to) => {
      expect(canTransition(from, to)).toBe(false);
      try {
        assertTransition(from, to, 'w-1');
        expect.unreachable();
      } catch (error) {
        expect(IllegalTransitionError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({
          code: 'LIFECYCLE_ILLEGAL_TRANSITION',
          from,
          to,
          workerId: 'w-1',
        });
      }
    },
  );

  test('CleanedUp is final and reachable from every other state', () => {
    expect(lifecycleTransitions.CleanedUp).toEqual([]);
    for (const state of states.filter((s) => s !== 'CleanedUp'))
      expect(canTransition(state, 'CleanedUp')).toBe(true);
  });

  test('classifies active and finished states', () => {
    expect(states.filter(isActiveState)).toEqual(['Created', 'Initializing', 'Ready', 'Running']);
    expect(states.filter(isFinishedState)).toEqual(['Terminated', 'Failed', 'CleanedUp']);
  });
});
