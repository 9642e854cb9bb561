import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

// No aliases: the tests import @hodei/lifecycle-core and @hodei/lifecycle-testkit as a third
// party would, from their built packages.
export default defineConfig({ test: sharedTestConfig(import.meta.dirname) });
