import { expect, test } from 'vitest';
import {
  assertWorkerRef,
  assertWorkerSelector,
  InvalidOptionsError,
  matchesSelector,
} from '../provider.js';

const worker = { labels: { 'hodei.io/managed-by': 'ci', team: 'infra' } };

test('matches on the scope and every selector label', () => {
  expect(matchesSelector(worker, { scope: 'ci' })).toBe(true);
  expect(matchesSelector(worker, { scope: 'ci', labels: { team: 'infra' } })).toBe(true);
  expect(matchesSelector(worker, { scope: 'other' })).toBe(false);
  expect(matchesSelector(worker, { scope: 'ci', labels: { team: 'web' } })).toBe(false);
  expect(matchesSelector({ labels: {} }, { scope: 'ci' })).toBe(false);
});

test('malformed references and selectors are refused with a typed error', () => {
  expect(() => assertWorkerRef({ workerId: 'w-1', scope: 'ci' })).not.toThrow();
  expect(() => assertWorkerRef({ workerId: 'w-1', scope: 'ci', uid: 'u-1' })).not.toThrow();
  for (const bad of [
    null,
    {},
    { workerId: '', scope: 'ci' },
    { workerId: 'w', scope: 'ci', uid: '' },
  ]) {
    expect(() => assertWorkerRef(bad as never)).toThrow(InvalidOptionsError);
  }
  expect(() => assertWorkerSelector({ scope: 'ci' })).not.toThrow();
  expect(() => assertWorkerSelector({ scope: '' })).toThrow(/never lists across scopes/);
  expect(() => assertWorkerSelector(undefined as never)).toThrow(InvalidOptionsError);
});
