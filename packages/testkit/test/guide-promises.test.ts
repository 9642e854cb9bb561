/**
 * The guide states every promise the suites check, in the same words: its "Promises" section
 * is generated from the suites. HODEI_WRITE_PROMISES=1 (the docs:promises script) rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { providerContractTests } from '../src/contract/index.js';
import { lifecycleConformanceTests } from '../src/lifecycle/index.js';
import { renderPromises, withRenderedPromises } from './guide-promises.js';

const guidePath = fileURLToPath(new URL('../../../docs/writing-a-provider.md', import.meta.url));

test('the guide lists every promise of the suites, in the words of the tests', () => {
  const guide = readFileSync(guidePath, 'utf8');
  const rendered = withRenderedPromises(guide);
  if (process.env.HODEI_WRITE_PROMISES === '1' && rendered !== guide) {
    writeFileSync(guidePath, rendered);
    return;
  }
  expect(
    guide === rendered,
    'docs/writing-a-provider.md: the Promises section differs from the suites; run `pnpm --filter @hodei/lifecycle-testkit docs:promises`',
  ).toBe(true);
});

test('the rendered section holds every id and every promise word for word', () => {
  const section = renderPromises();
  for (const t of [...providerContractTests, ...lifecycleConformanceTests]) {
    if (t.id.startsWith('spec.invalid.')) continue; // one line lists them all
    expect(section).toContain(`\`${t.id}\`: ${t.promise}.`);
  }
});
