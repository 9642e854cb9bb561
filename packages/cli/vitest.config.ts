import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

// Unit tests run the command in-process on the in-memory provider; integration tests run the
// built command as a child process against a real engine and API server, one file at a time.
export default defineConfig({
  test: {
    ...sharedTestConfig(import.meta.dirname),
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
