import { expect, test } from 'vitest';
import { pollUntil } from './poll-until.js';

test('returns the first value that satisfies the condition', async () => {
  let n = 0;
  const value = await pollUntil(
    'n to reach 3',
    () => ++n,
    (v) => v >= 3,
    { intervalMs: 1 },
  );
  expect(value).toBe(3);
});

test('a timeout says what it waited for and what it last saw', async () => {
  await expect(
    pollUntil(
      'the worker to be ready',
      () => ({ ready: false }),
      (v) => v.ready,
      {
        timeoutMs: 0,
        intervalMs: 1,
      },
    ),
  ).rejects.toThrow(/waiting for the worker to be ready; last observed: \{"ready":false\}/);
});

test('an error from read fails at once', async () => {
  await expect(
    pollUntil(
      'anything',
      () => {
        throw new Error('engine down');
      },
      () => true,
    ),
  ).rejects.toThrow('engine down');
});
