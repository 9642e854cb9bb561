#!/usr/bin/env node
/** The `hodei-lifecycle` command. SIGTERM and SIGINT end `reap --watch` and `events` cleanly. */
import { runCli } from './cli.js';

const controller = new AbortController();
let signals = 0;
for (const name of ['SIGTERM', 'SIGINT'] as const) {
  process.on(name, () => {
    signals += 1;
    // A second signal: stop waiting for the clean end.
    if (signals > 1) process.exit(130);
    controller.abort();
  });
}
process.exitCode = await runCli(process.argv.slice(2), { signal: controller.signal });
