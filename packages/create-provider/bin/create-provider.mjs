#!/usr/bin/env node
/**
 * npm create @hodei/provider <directory> [--type <plugin-type>]
 *
 * Writes a new provider package: ESM, TypeScript, built on @hodei/lifecycle-core/provider's
 * kit, with the testkit's contract and lifecycle conformance suites wired. Its tests pass as
 * generated, against a stand-in infrastructure (src/infrastructure.ts) that you replace with
 * your client. No dependency of its own: it copies template/ and fills in the names.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The versions the generated package starts from (a test keeps them equal to the repository's). */
export const toolVersions = {
  typescript: '5.9.3',
  vitest: '5.1.1',
  '@types/node': '^22.19.0',
  valibot: '^1.5.0',
};

const here = dirname(fileURLToPath(import.meta.url));
const templateDir = join(here, '..', 'template');
const own = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));

const usage = `Usage: npm create @hodei/provider <directory> [-- --type <plugin-type>]

  <directory>   where to write the package; its name is the package name
  --type        the plugin type (a lowercase DNS label); default: from the directory name`;

/** npm's rules for a package name, the ones a directory name can break. */
export function packageNameProblem(name) {
  if (name.length === 0 || name.length > 214) return 'must be 1-214 characters';
  if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) {
    return 'must be lowercase letters, digits, "-", "." or "_" (an npm package name)';
  }
  return undefined;
}

/** The plugin type from a package name: 'hodei-provider-nomad' -> 'nomad'. */
export function typeFromName(name) {
  const last = name.split('/').pop() ?? name;
  const type = last
    .replace(/^(hodei-|lifecycle-)*(provider-)?/, '')
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return type === '' ? 'custom' : type;
}

function parse(argv) {
  const args = { directory: undefined, type: undefined, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--type') args.type = argv[++i];
    else if (arg.startsWith('--type=')) args.type = arg.slice('--type='.length);
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}\n\n${usage}`);
    else if (args.directory === undefined) args.directory = arg;
    else throw new Error(`one directory only (got ${args.directory} and ${arg})\n\n${usage}`);
  }
  return args;
}

/** Every file of the template, relative to it. */
function templateFiles(dir = templateDir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? templateFiles(path) : [relative(templateDir, path)];
  });
}

/** Writes the package into `directory`; returns the files written. */
export function createProvider(directory, options = {}) {
  const target = resolve(directory);
  const name = basename(target);
  const nameProblem = packageNameProblem(name);
  if (nameProblem) throw new Error(`the directory name '${name}' ${nameProblem}`);
  const type = options.type ?? typeFromName(name);
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(type)) {
    throw new Error(`the plugin type '${type}' must be a lowercase DNS label (e.g. "my-cloud")`);
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new Error(`${target} exists and is not empty: choose another directory`);
  }
  const values = {
    name,
    type,
    hodeiVersion: `^${own.version}`,
    typescriptVersion: toolVersions.typescript,
    vitestVersion: toolVersions.vitest,
    typesNodeVersion: toolVersions['@types/node'],
    valibotVersion: toolVersions.valibot,
  };
  const written = [];
  for (const file of templateFiles()) {
    const text = readFileSync(join(templateDir, file), 'utf8').replace(
      /\{\{(\w+)\}\}/g,
      (match, key) => values[key] ?? match,
    );
    // npm drops .gitignore from a package, and a nested package.json would be read as a
    // package's own: the template keeps them as _gitignore and _package.json.
    const out = join(
      target,
      file.replace(/(^|\/)_gitignore$/, '$1.gitignore').replace(/^_package\.json$/, 'package.json'),
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text);
    written.push(relative(target, out));
  }
  return { target, name, type, files: written.sort() };
}

function main() {
  const args = parse(process.argv.slice(2));
  if (args.help || args.directory === undefined) {
    console.log(usage);
    if (!args.help) process.exitCode = 1;
    return;
  }
  const { target, name, type, files } = createProvider(args.directory, { type: args.type });
  console.log(`Created ${name} (plugin type '${type}') in ${target}:`);
  for (const file of files) console.log(`  ${file}`);
  console.log(`
Next:
  cd ${relative(process.cwd(), target) || '.'}
  npm install
  npm test          # the contract and lifecycle conformance suites, against the stand-in
Then replace src/infrastructure.ts with your infrastructure's client; the guide:
https://github.com/hodei-lifecycle/hodei-lifecycle/blob/main/docs/writing-a-provider.md`);
}

// Run as a program (also through npm's bin link), not when a test imports it.
if (
  process.argv[1] &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
) {
  try {
    main();
  } catch (error) {
    console.error(`create-provider: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  }
}
