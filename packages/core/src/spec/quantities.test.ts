import { expect, test } from 'vitest';
import { parseCpuMillis, parseMemoryBytes } from '../provider.js';

test.each([
  [0.5, 500],
  [2, 2000],
  ['500m', 500],
  ['1.5', 1500],
  ['250m', 250],
])('cpu %j is %d millicores', (input, millis) => {
  expect(parseCpuMillis(input)).toBe(millis);
});

test.each([0, -1, '0', '-1', '1.5m', 'm', '1 core', Number.NaN, null])(
  'cpu %j is refused',
  (input) => {
    expect(parseCpuMillis(input)).toBeUndefined();
  },
);

test.each([
  [1024, 1024],
  ['1Ki', 1024],
  ['256Mi', 268_435_456],
  ['1Gi', 1_073_741_824],
  ['512M', 512_000_000],
  ['1.5Gi', 1_610_612_736],
])('memory %j is %d bytes', (input, bytes) => {
  expect(parseMemoryBytes(input)).toBe(bytes);
});

test.each([0, -1, 1.5, '0', '12 GB', 'Mi', '1mi', null])('memory %j is refused', (input) => {
  expect(parseMemoryBytes(input)).toBeUndefined();
});
