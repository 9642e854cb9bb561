/**
 * The pack test: proves, from outside the workspace, that the published packages install and
 * work as a user gets them from npm.
 *
 * 1. `pnpm pack` every published package (packages/*, skipping private ones) and check each
 *    tarball: the files its `exports` name are in it, no `workspace:` specifier is left.
 * 2. In a temporary project outside the workspace, `npm install` the tarballs, with
 *    TypeScript and @types/node (and the examples' other dependencies) from the registry.
 * 3. Type-check a consumer (fixtures/consumer.ts, plus a file importing every package) under
 *    `moduleResolution` nodenext, bundler (module esnext) and bundler (module preserve), with
 *    skipLibCheck off, so the shipped declarations are checked too; then run it with Node.
 * 4. Copy each example's src (tests left out), type-check it, and run it with Node: its
 *    imports resolve to the temporary node_modules only.
 * 5. Scaffold a provider with the starter (`npm create @hodei/provider`, from its tarball) in
 *    a directory of its own, install it with npm (the @hodei packages from the tarballs), and
 *    run its generated type-check, tests and build.
 * arethetypeswrong checks every entry point of every packed package (publint runs on the
 * package folders in `pnpm check:packages`).
 *
 * Any failure exits non-zero, says which step failed and keeps the temporary project for a
 * look (its path is printed); on success it is deleted (unless --keep). The packages must be
 * built first (`pnpm build`).
 *
 *   pnpm --filter @hodei/pack-test pack-test [--keep]
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

interface Example {
  /** The example's folder, from the repository root. */
  readonly dir: string;
  /** The program to run, inside the folder. */
  readonly entry: string;
}

/** The examples run from the tarballs: one line each. */
const examples: readonly Example[] = [
  { dir: 'examples/custom-provider', entry: 'src/main.ts' },
  { dir: 'examples/docker', entry: 'src/main.ts' },
];

/** The module settings a consumer may use; the consumer must type-check under each. */
const moduleSettings = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  'bundler (esnext)': { module: 'esnext', moduleResolution: 'bundler' },
  'bundler (preserve)': { module: 'preserve', moduleResolution: 'bundler' },
} as const;

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  bin?: unknown;
  exports?: unknown;
  main?: string;
  types?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const root = resolve(import.meta.dirname, '../../..');
const keep = process.argv.includes('--keep');
const started = Date.now();
const timings: string[] = [];

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Runs one step, timing it; a failure names the step. */
function step<T>(name: string, action: () => T): T {
  const at = Date.now();
  console.log(`\n==> ${name}`);
  try {
    const result = action();
    timings.push(`${seconds(Date.now() - at).padStart(6)}  ${name}`);
    return result;
  } catch (error) {
    throw new Error(`step "${name}" failed: ${error instanceof Error ? error.message : error}`, {
      cause: error,
    });
  }
}

/** npm must not inherit the settings pnpm exports to the scripts it runs. */
function cleanEnv(): NodeJS.ProcessEnv {
  const keepers = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']);
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.toLowerCase().startsWith('npm_') || keepers.has(key.toLowerCase()),
    ),
  );
}

/** Runs a command; throws with its output when it fails. Returns its stdout. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; show?: boolean; timeoutMs?: number },
): string {
  const spawnOptions: SpawnSyncOptions = {
    cwd: options.cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    stdio: options.show ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 300_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 2 ** 20,
  };
  const result = spawnSync(command, args, spawnOptions);
  const line = `${command} ${args.join(' ')}`;
  if (result.error) throw new Error(`${line}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = options.show ? '' : `\n${result.stdout ?? ''}${result.stderr ?? ''}`;
    const why = result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`;
    throw new Error(`${line} (in ${options.cwd}): ${why}${output}`);
  }
  return String(result.stdout ?? '');
}

/** Every file path named by `exports`, `main` and `types`. */
function exportedFiles(manifest: PackageJson): string[] {
  const files = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === 'string') {
      if (value.startsWith('./') && !value.includes('*')) files.add(value.slice(2));
    } else if (value && typeof value === 'object') {
      for (const inner of Object.values(value)) visit(inner);
    }
  };
  visit(manifest.exports);
  visit(manifest.main && `./${manifest.main.replace(/^\.\//, '')}`);
  visit(manifest.types && `./${manifest.types.replace(/^\.\//, '')}`);
  return [...files].sort();
}

interface Packed {
  readonly name: string;
  readonly dir: string;
  readonly tarball: string;
  /** A library (it has entry points), not a program such as the starter. */
  readonly library: boolean;
}

function publishedPackages(): { name: string; dir: string }[] {
  const packagesDir = join(root, 'packages');
  const found = [];
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    const manifestPath = join(packagesDir, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = readJson<PackageJson>(manifestPath);
    if (manifest.private) continue;
    found.push({ name: manifest.name, dir: join(packagesDir, entry.name) });
  }
  if (found.length === 0) throw new Error(`no published package under ${packagesDir}`);
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

function pack(pkg: { name: string; dir: string }, destination: string): Packed {
  const output = run('pnpm', ['pack', '--json', '--pack-destination', destination], {
    cwd: pkg.dir,
  });
  const { filename } = JSON.parse(output.slice(output.indexOf('{'))) as { filename: string };
  const tarball = resolve(destination, filename);
  if (!existsSync(tarball)) throw new Error(`pnpm pack of ${pkg.name} made no ${tarball}`);
  const listing = run('tar', ['-tzf', tarball], { cwd: destination })
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));
  const manifestText = run('tar', ['-xzOf', tarball, 'package/package.json'], {
    cwd: destination,
  });
  if (manifestText.includes('workspace:')) {
    throw new Error(`${pkg.name}: the packed package.json still has a workspace: specifier`);
  }
  const manifest = JSON.parse(manifestText) as PackageJson;
  const missing = exportedFiles(manifest).filter((file) => !listing.includes(file));
  if (missing.length > 0) {
    throw new Error(
      `${pkg.name}: the tarball lacks ${missing.join(', ')} (named by its exports); run pnpm build first`,
    );
  }
  const readme = run('tar', ['-xzOf', tarball, 'package/README.md'], { cwd: destination });
  const relativeLink = /\]\((?!https?:|#|mailto:)[^)]+\)/.exec(readme);
  if (relativeLink) {
    throw new Error(
      `${pkg.name}: its README links ${relativeLink[0]} by a relative path, which npm users cannot follow`,
    );
  }
  if (!readme.includes('docs/writing-a-provider.md')) {
    throw new Error(`${pkg.name}: its README does not link the guide (Writing a provider)`);
  }
  console.log(`    ${filename}: ${listing.length} files`);
  return {
    name: pkg.name,
    dir: pkg.dir,
    tarball,
    library: manifest.exports !== undefined || manifest.main !== undefined,
  };
}

/** Dependencies the examples need beyond the published packages, from the registry. */
function exampleDependencies(published: readonly Packed[]): string[] {
  const names = new Set(published.map((p) => p.name));
  const extra = new Map<string, string>();
  for (const example of examples) {
    const manifest = readJson<PackageJson>(join(root, example.dir, 'package.json'));
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      if (range.startsWith('workspace:')) {
        if (!names.has(name)) {
          throw new Error(`${example.dir} depends on ${name}, which is not a published package`);
        }
      } else {
        extra.set(name, range);
      }
    }
  }
  return [...extra].map(([name, range]) => `${name}@${range}`);
}

function tsconfig(compilerOptions: Record<string, unknown>, include: string[]): string {
  return `${JSON.stringify(
    {
      compilerOptions: {
        target: 'es2023',
        lib: ['es2023', 'esnext.disposable'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        ...compilerOptions,
      },
      include,
    },
    null,
    2,
  )}\n`;
}

function main(): void {
  const tmp = mkdtempSync(join(tmpdir(), 'hodei-pack-test-'));
  if (!relative(root, tmp).startsWith('..')) {
    throw new Error(`the temporary directory ${tmp} is inside the workspace ${root}`);
  }
  const tarballs = join(tmp, 'tarballs');
  const project = join(tmp, 'project');
  let ok = false;
  try {
    const published = step('pack the published packages', () =>
      publishedPackages().map((pkg) => pack(pkg, tarballs)),
    );
    const rootManifest = readJson<PackageJson>(join(root, 'package.json'));
    const typescript = rootManifest.devDependencies?.typescript ?? 'latest';
    const typesNode = rootManifest.devDependencies?.['@types/node'] ?? 'latest';

    step('install the tarballs with npm, outside the workspace', () => {
      cpSync(join(import.meta.dirname, '../fixtures'), project, { recursive: true });
      writeFileSync(
        join(project, 'package.json'),
        `${JSON.stringify({ name: 'hodei-pack-test-consumer', private: true, type: 'module' }, null, 2)}\n`,
      );
      const args = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
      args.push(...published.map((p) => p.tarball));
      args.push(`typescript@${typescript}`, `@types/node@${typesNode}`);
      args.push(...exampleDependencies(published));
      run('npm', args, { cwd: project });
      const versions = published.map((p) => {
        const installed = readJson<PackageJson>(
          join(project, 'node_modules', p.name, 'package.json'),
        );
        return `${installed.name}@${installed.version}`;
      });
      console.log(`    installed ${versions.join(', ')}`);
    });

    const libraries = published.filter((p) => p.library);
    step('arethetypeswrong: every entry point of every packed library', () => {
      const attw = join(root, 'node_modules', '.bin', 'attw');
      for (const p of libraries) {
        run(attw, [p.tarball, '--profile', 'esm-only', '--format', 'ascii'], { cwd: tmp });
        console.log(`    ${p.name}: ok`);
      }
    });

    step('write a file importing every package', () => {
      const lines = [
        "import { fileURLToPath } from 'node:url';",
        ...libraries.map((p, i) => `import * as package${i} from '${p.name}';`),
        '',
        'const packages: Record<string, object> = {',
        ...libraries.map((p, i) => `  '${p.name}': package${i},`),
        '};',
        'for (const [name, module] of Object.entries(packages)) {',
        '  const where = fileURLToPath(import.meta.resolve(name));',
        "  if (!where.startsWith(process.cwd())) throw new Error(name + ' resolved to ' + where);",
        "  if (Object.keys(module).length === 0) throw new Error(name + ' exports nothing');",
        '}',
        "console.log('every package: ok (' + Object.keys(packages).join(', ') + ')');",
        '',
      ];
      writeFileSync(join(project, 'all-packages.ts'), lines.join('\n'));
    });

    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const [name, settings] of Object.entries(moduleSettings)) {
      step(`type-check the consumer: ${name}`, () => {
        const file = `tsconfig.${name.replace(/\W+/g, '-').replace(/-$/, '')}.json`;
        writeFileSync(join(project, file), tsconfig(settings, ['consumer.ts', 'all-packages.ts']));
        run(process.execPath, [tsc, '-p', file], { cwd: project });
      });
    }

    step('run the consumer with Node', () => {
      for (const file of ['all-packages.ts', 'consumer.ts']) {
        process.stdout.write(
          `    ${run(process.execPath, [file], { cwd: project, timeoutMs: 60_000 })}`,
        );
      }
    });

    step('run the operator command from the tarball: hodei-lifecycle --help', () => {
      if (!published.some((p) => p.name === '@hodei/lifecycle-cli')) {
        throw new Error('no @hodei/lifecycle-cli among the published packages');
      }
      const bin = join(project, 'node_modules', '.bin', 'hodei-lifecycle');
      const help = run(bin, ['--help'], { cwd: project, timeoutMs: 60_000 });
      for (const command of ['ls', 'explain', 'gc', 'reap', 'events', 'Exit codes']) {
        if (!help.includes(command))
          throw new Error(`hodei-lifecycle --help does not show ${command}`);
      }
      console.log(`    ${help.split('\n')[0]}`);
    });

    for (const example of examples) {
      const target = join(project, example.dir);
      step(`type-check ${example.dir} against the tarballs`, () => {
        cpSync(join(root, example.dir, 'src'), join(target, 'src'), {
          recursive: true,
          filter: (source) => !source.endsWith('.test.ts'),
        });
        const file = `tsconfig.${example.dir.replace(/\W+/g, '-')}.json`;
        writeFileSync(
          join(project, file),
          tsconfig(
            {
              module: 'nodenext',
              moduleResolution: 'nodenext',
              allowImportingTsExtensions: true,
              erasableSyntaxOnly: true,
            },
            [`${example.dir}/src`],
          ),
        );
        run(process.execPath, [tsc, '-p', file], { cwd: project });
      });
      step(`run ${example.dir} from the tarballs`, () => {
        run(process.execPath, [join(target, example.entry)], {
          cwd: project,
          show: true,
          timeoutMs: 120_000,
        });
      });
    }
    step('scaffold a provider with the starter, install it with npm, run its tests', () => {
      const starter = published.find((p) => p.name === '@hodei/create-provider');
      if (!starter) throw new Error('no @hodei/create-provider among the published packages');
      const byName = new Map(published.map((p) => [p.name, p.tarball]));
      const workspace = join(tmp, 'scaffold');
      mkdirSync(workspace);
      // What `npm create @hodei/provider my-provider` runs, from the tarball.
      run(
        'npm',
        ['exec', '--yes', `--package=${starter.tarball}`, '--', 'create-provider', 'my-provider'],
        {
          cwd: workspace,
          show: true,
        },
      );
      const generated = join(workspace, 'my-provider');
      const manifest = readJson<PackageJson>(join(generated, 'package.json'));
      // The @hodei packages are not on the registry yet: npm takes them from the tarballs.
      const local = Object.keys(manifest.devDependencies ?? {})
        .filter((name) => name.startsWith('@hodei/'))
        .map((name) => {
          const tarball = byName.get(name);
          if (!tarball) throw new Error(`the starter depends on ${name}, which is not packed`);
          return tarball;
        });
      run(
        'npm',
        ['install', '--no-audit', '--no-fund', '--loglevel=error', '--save-dev', ...local],
        {
          cwd: generated,
        },
      );
      for (const script of ['typecheck', 'test', 'build']) {
        run('npm', ['run', script], { cwd: generated, show: true, timeoutMs: 300_000 });
      }
    });
    ok = true;
  } finally {
    console.log('\nTimings:');
    for (const timing of timings) console.log(timing);
    console.log(`${seconds(Date.now() - started).padStart(6)}  total`);
    if (ok && !keep) rmSync(tmp, { recursive: true, force: true });
    else console.log(`The temporary project is kept in ${tmp}`);
  }
}

try {
  main();
  console.log('\npack test: ok');
} catch (error) {
  console.error(`\npack test FAILED: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
}
