import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

// Most tests run against a real API server (tools/k8s-env/bin/up): one file at a time, so the
// API server restart in one file never lands in another's middle.
export default defineConfig({
  test: {
    ...sharedTestConfig(import.meta.dirname),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
