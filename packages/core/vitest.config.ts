import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

// The manager's tests use the testkit from source (a package dependency would be a cycle);
// core resolves to its source too, so both see one copy of every class.
export default defineConfig({
  resolve: {
    // Exact matches: '@hodei/lifecycle-core' must not also rewrite '@hodei/lifecycle-core/provider'.
    alias: [
      {
        find: /^@hodei\/lifecycle-core$/,
        replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
      },
      {
        find: /^@hodei\/lifecycle-core\/provider$/,
        replacement: fileURLToPath(new URL('./src/provider.ts', import.meta.url)),
      },
      {
        find: /^@hodei\/lifecycle-testkit$/,
        replacement: fileURLToPath(new URL('../testkit/src/index.ts', import.meta.url)),
      },
    ],
  },
  test: sharedTestConfig(import.meta.dirname),
});
