/**
 * node:test runs the suite with its own `test` and no adapter: the suite's per-test timeout
 * fails a hanging test, and no timer of the suite keeps node alive once the tests are done.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';
import { ensurePackageBuilt } from '../../../ensure-built.shared.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/node-test-suite.mjs', import.meta.url));

beforeAll(() => ensurePackageBuilt(packageDir), 120_000);

/** Runs the fixture under `node --test`; a process that does not exit is killed after 60 s. */
async function nodeTest(env: Record<string, string> = {}) {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--test', '--test-reporter=tap', fixture],
      { cwd: packageDir, timeout: 60_000, env: { ...process.env, ...env } },
    );
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; killed?: boolean; stdout?: string };
    if (failed.killed) throw new Error('node --test did not exit: a timer kept it alive');
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

test('under node:test the suite passes and node exits, though removeMs is ten minutes', async () => {
  const { code, stdout } = await nodeTest();
  expect(stdout).toMatch(/# pass 8\n/);
  expect(stdout).toMatch(/# fail 0\n/);
  expect(code).toBe(0);
}, 90_000);

test('under node:test a test that hangs fails at the suite timeout, without an adapter', async () => {
  const { code, stdout } = await nodeTest({ HODEI_FIXTURE_HANG: '1' });
  expect(stdout).toMatch(/timed out after 300 ms: test get\.unknown/);
  expect(stdout).toMatch(/# fail 1\n/);
  expect(code).not.toBe(0);
}, 90_000);
