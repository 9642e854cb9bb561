import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

// The manager's tests use the testkit from source (a package dependency would be a cycle);
// core resolves to its source too, so both see one copy of every class.
export default defineConfig({
  resolve: {
    alias: {
      '@hodei/lifecycle-core': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
      '@hodei/lifecycle-testkit': fileURLToPath(
        new URL('../testkit/src/index.ts', import.meta.url),
      ),
    },
  },
  test: sharedTestConfig(import.meta.dirname),
});
