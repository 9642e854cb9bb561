import { expect, test } from 'vitest';
import { matchesSelector } from '../index.js';

const worker = { labels: { 'hodei.io/managed-by': 'ci', team: 'infra' } };

test('matches on the scope and every selector label', () => {
  expect(matchesSelector(worker, { scope: 'ci' })).toBe(true);
  expect(matchesSelector(worker, { scope: 'ci', labels: { team: 'infra' } })).toBe(true);
  expect(matchesSelector(worker, { scope: 'other' })).toBe(false);
  expect(matchesSelector(worker, { scope: 'ci', labels: { team: 'web' } })).toBe(false);
  expect(matchesSelector({ labels: {} }, { scope: 'ci' })).toBe(false);
});
