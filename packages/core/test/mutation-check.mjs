#!/usr/bin/env node
/**
 * The mutation check of the decision function: drops each rule in turn from the ordered list
 * in src/manager/decision/decide.ts, runs core's tests, and reports which tests fail. Every
 * rule must make some test fail when it is gone, and some test outside the decision
 * function's own table (a behaviour of the manager), or the rule is either dead or untested.
 *
 *   node test/mutation-check.mjs            # all rules (20 s to 7 min each)
 *   node test/mutation-check.mjs ready idle-mark
 *
 * It edits decide.ts in place and always restores it. Exit code 1 when a rule survives.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const decidePath = join(packageDir, 'src/manager/decision/decide.ts');
const original = readFileSync(decidePath, 'utf8');

// The ordered list: one `  ruleVariable,` line per rule inside `export const rules ... = [ ... ];`.
const list = /export const rules: readonly Rule\[\] = \[\n([\s\S]*?)\n\];/.exec(original);
if (!list) throw new Error(`no rule list found in ${decidePath}`);
const entries = list[1].split('\n').map((line) => line.trim().replace(/,$/, ''));
const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const wanted = process.argv.slice(2);
const selected = entries.filter((e) => wanted.length === 0 || wanted.includes(kebab(e)));

const restore = () => writeFileSync(decidePath, original);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    restore();
    process.exit(130);
  });
}

const results = [];
try {
  for (const entry of selected) {
    const mutated = original.replace(list[0], list[0].replace(`\n  ${entry},`, ''));
    if (mutated === original) throw new Error(`could not drop ${entry}`);
    writeFileSync(decidePath, mutated);
    const report = join(tmpdir(), `hodei-mutation-${process.pid}-${entry}.json`);
    // Everything but the property test, bounded: a test that hangs is a test that fails.
    // GNU timeout kills the whole process group (vitest's workers too) when time is up.
    const run = spawnSync(
      'timeout',
      [
        '-s',
        'KILL',
        '240',
        'npx',
        'vitest',
        'run',
        '--reporter=json',
        `--outputFile=${report}`,
        '--exclude=**/*.property.test.ts',
        'src/manager',
        'test',
      ],
      { cwd: packageDir, stdio: 'ignore' },
    );
    let failed = [{ file: '(run)', name: 'timed out: a test hung without the rule' }];
    if (run.status !== 137) {
      const json = JSON.parse(readFileSync(report, 'utf8'));
      failed = json.testResults.flatMap((file) =>
        file.assertionResults
          .filter((t) => t.status === 'failed')
          .map((t) => ({ file: file.name.slice(packageDir.length), name: t.fullName })),
      );
    }
    rmSync(report, { force: true });
    // The property test alone, 200 sequences, bounded the same way.
    const property = spawnSync(
      'timeout',
      [
        '-s',
        'KILL',
        '180',
        'npx',
        'vitest',
        'run',
        'src/manager/lifecycle-manager.property.test.ts',
      ],
      { cwd: packageDir, env: { ...process.env, HODEI_PROPERTY_RUNS: '200' }, stdio: 'ignore' },
    );
    const propertyResult =
      property.status === 0 ? 'passes' : property.status === 137 ? 'hangs' : 'fails';
    if (propertyResult !== 'passes') {
      failed.push({
        file: '/src/manager/lifecycle-manager.property.test.ts',
        name: `property test ${propertyResult}`,
      });
    }
    const behaviour = failed.filter((t) => !t.file.endsWith('decide.test.ts'));
    results.push({ rule: kebab(entry), failed, behaviour, property: propertyResult });
    const example = behaviour.find((t) => !t.file.includes('property')) ?? behaviour[0];
    console.log(
      `${kebab(entry).padEnd(20)} ${String(failed.length).padStart(3)} failing, ${String(behaviour.length).padStart(3)} outside the decision table, property test ${propertyResult}${example ? `; e.g. ${example.file}: ${example.name}` : ''}`,
    );
  }
} finally {
  restore();
}

const survivors = results.filter((r) => r.failed.length === 0).map((r) => r.rule);
const tableOnly = results.filter((r) => r.failed.length > 0 && r.behaviour.length === 0);
console.log(
  survivors.length === 0
    ? `\nevery rule dropped made tests fail (${results.length} rules)`
    : `\nSURVIVED (no test failed without them): ${survivors.join(', ')}`,
);
if (tableOnly.length > 0) {
  console.log(`caught only by the decision table: ${tableOnly.map((r) => r.rule).join(', ')}`);
}
process.exit(survivors.length === 0 ? 0 : 1);
