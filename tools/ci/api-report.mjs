#!/usr/bin/env node
/**
 * The API reports: one per entry point of every published package (`api-extractor*.json`
 * beside its package.json), committed in `<package>/api/<entry>.api.md`.
 *
 *   node tools/ci/api-report.mjs           checks that every report matches the build (CI);
 *                                          exits 1 naming each report that changed
 *   node tools/ci/api-report.mjs --write   rewrites the reports (commit them with the change)
 *
 * The packages must be built first (`pnpm build`): the reports are made from their .d.ts.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const write = process.argv.includes('--write');

const configs = [];
for (const pkg of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
  if (!pkg.isDirectory()) continue;
  const dir = join(root, 'packages', pkg.name);
  for (const file of readdirSync(dir)) {
    if (/^api-extractor(\.[\w-]+)?\.json$/.test(file)) configs.push(join(dir, file));
  }
}

let failed = 0;
for (const path of configs.sort()) {
  const config = ExtractorConfig.loadFileAndPrepare(path);
  const result = Extractor.invoke(config, {
    localBuild: write,
    showVerboseMessages: false,
    messageCallback: (message) => {
      // Only what needs a look: the rest is in the report itself.
      if (message.logLevel !== 'error' && message.logLevel !== 'warning') message.handled = true;
    },
  });
  const report = relative(root, config.reportFilePath);
  if (!result.succeeded) {
    failed += 1;
    console.error(
      `${report}: ${result.errorCount} error(s), ${result.warningCount} warning(s)${
        result.apiReportChanged && !write
          ? ': the API changed; run pnpm api:report --write and commit the report'
          : ''
      }`,
    );
  } else {
    console.log(`${report}: ${result.apiReportChanged ? 'updated' : 'unchanged'}`);
  }
}
if (failed > 0) process.exitCode = 1;
