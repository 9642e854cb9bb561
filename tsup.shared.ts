import { defineConfig } from 'tsup';

/** The build of every published package: ESM with declarations, one entry point. */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // Keep 'node:' in imports: bundlers and Deno need it to tell built-ins from packages.
  removeNodeProtocol: false,
});
