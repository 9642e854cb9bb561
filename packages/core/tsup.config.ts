import { defineConfig } from 'tsup';
import shared from '../../tsup.shared.js';

/**
 * Two entry points, one per audience: `.` (applications) and `./provider` (provider authors).
 * They share one chunk, so a class exported by both (the errors) is one class.
 * `internal-for-benchmarks` is built for tools/bench only and is not in `exports`.
 */
export default defineConfig({
  ...shared,
  entry: {
    index: 'src/index.ts',
    provider: 'src/provider.ts',
    'internal-for-benchmarks': 'src/internal-for-benchmarks.ts',
  },
});
