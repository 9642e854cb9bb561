import { defineConfig } from 'tsup';
import shared from '../../tsup.shared.js';

// The shared build, with a second entry: the command (its shebang is kept by the bundler).
export default defineConfig({
  ...(shared as object),
  entry: ['src/index.ts', 'src/bin.ts'],
});
