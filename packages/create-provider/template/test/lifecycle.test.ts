/**
 * The provider under the lifecycle manager (@hodei/lifecycle-testkit's lifecycle conformance
 * suite): completion then TTL removal, maxLifetime, a worker removed out of band, a second
 * manager adopting the first one's workers, another scope left alone. Real clock, short
 * durations.
 */
import { runLifecycleConformanceSuite } from '@hodei/lifecycle-testkit';
import { describe, test } from 'vitest';
import { createProvider } from '../src/index.js';
import { Infrastructure } from '../src/infrastructure.js';

const image = 'busybox:1.36';

runLifecycleConformanceSuite({
  test,
  describe,
  createProvider: async () => {
    const infrastructure = new Infrastructure(); // fresh per test
    // A second instance on the same infrastructure: what a restarted manager would use.
    const connect = () => createProvider({ infrastructure, pollIntervalMs: 20 });
    const provider = connect();
    return { provider, anotherInstance: connect, cleanup: () => provider.close() };
  },
  fixtures: {
    longRunning: { image, command: ['serve'] },
    completes: (code) => ({ image, command: ['exit', String(code)] }),
  },
  timeouts: { readyMs: 5_000, completeMs: 5_000, removeMs: 5_000, gracePeriodMs: 100 },
});
