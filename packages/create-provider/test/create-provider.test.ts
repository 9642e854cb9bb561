import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain ESM script without declarations
import {
  createProvider,
  packageNameProblem,
  toolVersions,
  typeFromName,
} from '../bin/create-provider.mjs';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'create-provider-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const repo = (path: string) => json(join(import.meta.dirname, '..', '..', '..', path));

describe('create-provider', () => {
  test('writes an ESM package with the suites wired, every placeholder filled', () => {
    const target = join(scratch(), 'hodei-provider-nomad');
    const created = createProvider(target);
    expect(created.type).toBe('nomad');
    expect(created.files).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'src/index.ts',
      'src/infrastructure.ts',
      'src/provider.ts',
      'test/contract.test.ts',
      'test/lifecycle.test.ts',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    for (const file of created.files) {
      expect(readFileSync(join(target, file), 'utf8'), file).not.toMatch(/\{\{\w+\}\}/);
    }
    const manifest = json(join(target, 'package.json'));
    const own = json(join(import.meta.dirname, '..', 'package.json'));
    expect(manifest).toMatchObject({
      name: 'hodei-provider-nomad',
      type: 'module',
      peerDependencies: { '@hodei/lifecycle-core': `^${own.version}` },
    });
    expect(manifest.devDependencies['@hodei/lifecycle-testkit']).toBe(`^${own.version}`);
    expect(readFileSync(join(target, 'src/provider.ts'), 'utf8')).toContain("type: 'nomad'");
  });

  test('the generated tool versions are the repository’s', () => {
    const root = repo('package.json');
    expect(toolVersions.typescript).toBe(root.devDependencies.typescript);
    expect(toolVersions.vitest).toBe(root.devDependencies.vitest);
    expect(toolVersions['@types/node']).toBe(root.devDependencies['@types/node']);
    expect(toolVersions.valibot).toBe(repo('packages/core/package.json').dependencies.valibot);
    // The @hodei packages it depends on share its version (a fixed changesets group).
    const own = json(join(import.meta.dirname, '..', 'package.json'));
    expect(repo('packages/core/package.json').version).toBe(own.version);
    expect(repo('packages/testkit/package.json').version).toBe(own.version);
  });

  test('refuses a non-empty directory, a bad package name or plugin type', () => {
    const dir = scratch();
    const taken = join(dir, 'taken');
    createProvider(taken);
    expect(() => createProvider(taken)).toThrow(/not empty/);
    writeFileSync(join(dir, 'x'), '');
    expect(() => createProvider(join(dir, 'Bad Name'))).toThrow(/npm package name/);
    expect(() => createProvider(join(dir, 'ok-name'), { type: 'Not_A_Type' })).toThrow(/DNS label/);
    expect(packageNameProblem('my-provider')).toBeUndefined();
    expect(typeFromName('@acme/provider-my-cloud')).toBe('my-cloud');
    expect(typeFromName('lifecycle-provider-x')).toBe('x');
  });
});
