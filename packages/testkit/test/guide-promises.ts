/**
 * Renders the "Promises" section of docs/writing-a-provider.md from the suites themselves:
 * each test's id and promise, the group it is listed under, and what it needs. The guide's
 * section is checked against it (guide-promises.test.ts), so the words cannot drift.
 */
import {
  builtInInvalidSpecs,
  providerContractTests,
  uncheckedPromises,
} from '../src/contract/index.js';
import { lifecycleConformanceTests } from '../src/lifecycle/index.js';

export const PROMISES_START =
  "<!-- promises:start: generated from the testkit's suites; `pnpm --filter @hodei/lifecycle-testkit docs:promises` rewrites it -->";
export const PROMISES_END = '<!-- promises:end -->';

const needLabels: Record<string, string> = {
  countCalls: 'createProvider returns countCalls',
  anotherInstance: 'createProvider returns anotherInstance',
  'faults.failNext': 'createProvider returns faults.failNext',
  'faults.dropWatches': 'createProvider returns faults.dropWatches',
  close: 'the provider has close()',
};

function conditions(test: {
  capability?: string;
  fixture?: string;
  needs: readonly string[];
}): string {
  const parts = [
    ...(test.capability ? [`capability \`${test.capability}\``] : []),
    ...(test.fixture ? [`\`fixtures.${test.fixture}\``] : []),
    ...test.needs.map((need) => needLabels[need] ?? need),
  ];
  return parts.length === 0 ? '' : ` _(when: ${parts.join('; ')})_`;
}

/** The section between the markers, markers included. */
export function renderPromises(): string {
  const lines: string[] = [PROMISES_START, ''];
  lines.push(
    "Each promise below is one test of the testkit's suites, registered as `<id>: <promise>` in",
    'these very words; `only: [id]` runs one. A test whose condition does not hold is skipped, and',
    'the suite says so. The contract suite (`runProviderContractSuite`) checks every record it reads',
    'as `create.records` states.',
    '',
  );
  let group: string | undefined;
  const invalid = providerContractTests.filter((t) => t.id.startsWith('spec.invalid.'));
  for (const test of providerContractTests) {
    if (test.group !== group) {
      group = test.group;
      lines.push(`### ${group}`, '');
    }
    if (test.id.startsWith('spec.invalid.')) {
      if (test !== invalid[0]) continue;
      const names = Object.keys(builtInInvalidSpecs);
      lines.push(
        `- \`spec.invalid.*\`: ${test.promise.replace(/: [^:]+$/, '')}, one test each: ${names
          .map((name) => `${name}`)
          .join(', ')}; and \`spec.fixture.*\`, one test for each of \`fixtures.invalidSpecs\`.`,
      );
      continue;
    }
    lines.push(`- \`${test.id}\`: ${test.promise}.${conditions(test)}`);
    if (
      test === providerContractTests.at(-1) ||
      providerContractTests[providerContractTests.indexOf(test) + 1]?.group !== group
    ) {
      lines.push('');
    }
  }
  lines.push(
    '### With the manager: the lifecycle conformance suite',
    '',
    '`runLifecycleConformanceSuite` runs `withLifecycle` on the provider, with the real clock and',
    'short policies:',
    '',
  );
  for (const test of lifecycleConformanceTests) {
    lines.push(`- \`${test.id}\`: ${test.promise}.${conditions(test)}`);
  }
  lines.push('', '### Not checked by the suites', '');
  for (const { promise, reason } of uncheckedPromises) {
    lines.push(`- ${promise}: ${reason}.`);
  }
  lines.push('', PROMISES_END);
  return lines.join('\n');
}

/** The guide with its section replaced; throws when the markers are missing. */
export function withRenderedPromises(guide: string): string {
  const start = guide.indexOf(PROMISES_START);
  const end = guide.indexOf(PROMISES_END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`the guide has no "${PROMISES_START}" ... "${PROMISES_END}" section`);
  }
  return guide.slice(0, start) + renderPromises() + guide.slice(end + PROMISES_END.length);
}
