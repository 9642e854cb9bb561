import { basename } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';

/**
 * Settings every package's vitest config shares. When HODEI_TEST_REPORT_DIR is set (CI), each
 * package also writes a JSON report there, which tools/ci/summarize-tests.mjs adds up.
 */
export function sharedTestConfig(packageDir: string): NonNullable<ViteUserConfig['test']> {
  const reportDir = process.env.HODEI_TEST_REPORT_DIR;
  return {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: reportDir
      ? ['default', ['json', { outputFile: `${reportDir}/${basename(packageDir)}.json` }]]
      : ['default'],
  };
}
