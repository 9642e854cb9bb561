import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Tests that run a fixture as a separate node process import the package's built dist. Core's
 * dist must exist (turbo builds dependencies first); the package's own dist is rebuilt here when
 * a source file is newer, so running vitest directly after an edit still tests the edit.
 */
export function ensurePackageBuilt(packageDir: string): void {
  const require = createRequire(join(packageDir, 'package.json'));
  try {
    require.resolve('@hodei/lifecycle-core');
  } catch {
    throw new Error('@hodei/lifecycle-core is not built: run pnpm build at the repository root');
  }
  const dist = join(packageDir, 'dist', 'index.js');
  const builtAt = existsSync(dist) ? statSync(dist).mtimeMs : 0;
  if (builtAt >= newestSourceMtime(join(packageDir, 'src'))) return;
  const tsup = join(dirname(require.resolve('tsup/package.json')), 'dist', 'cli-default.js');
  execFileSync(process.execPath, [tsup], { cwd: packageDir, stdio: 'pipe' });
}

/** The newest modification time under `dir`, tests left out (they are not in dist). */
function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
