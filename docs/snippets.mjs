#!/usr/bin/env node
/**
 * Keeps the code snippets of the documentation identical to code that the tests run.
 *
 * A snippet in a Markdown file is a fenced block right under a marker naming a region of a
 * source file:
 *
 *     <!-- snippet: examples/custom-provider/src/process-provider.ts#create -->
 *     ```ts
 *     ...
 *     ```
 *
 * and the region is delimited in the source by comments (`//` or `#`):
 *
 *     // #region create
 *     ...
 *     // #endregion create
 *
 * The snippet is the region's lines without its marker lines (nested regions' markers are
 * left out too), with their common indentation removed and blank lines trimmed at both ends.
 *
 * Every ```ts or ```js block (also typescript, javascript, tsx, jsx, mts, cts, mjs, cjs) must
 * have a marker, so an untested snippet can never be added. A block that is not code to run (a
 * type signature, an outline) opts out with a reason, and is then left as it is:
 *
 *     <!-- snippet: none (the signature only) -->
 *
 * Other blocks (```sh, ```yaml, ```json, ...) are not checked.
 *
 *   node docs/snippets.mjs           checks every snippet; exits 1 listing each mismatch
 *                                    and each ts/js block without a marker
 *   node docs/snippets.mjs --write   rewrites the snippets that differ
 *
 * Files scanned: README.md, docs/**\/*.md (not docs/api), packages/*\/README.md,
 * examples/*\/README.md and tools/*\/README.md. Paths in markers are relative to the
 * repository root.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const write = process.argv.includes('--write');
const unknownArgs = process.argv.slice(2).filter((arg) => arg !== '--write');
if (unknownArgs.length > 0) {
  console.error(`unknown argument(s): ${unknownArgs.join(' ')} (usage: snippets.mjs [--write])`);
  process.exit(2);
}

const markerPattern = /^<!--\s*snippet:\s*([^#\s]+)#([\w.-]+)\s*-->\s*$/;
const optOutPattern = /^<!--\s*snippet:\s*none\s*\(\s*[^)\s][^)]*\)\s*-->\s*$/;
const fencePattern = /^(`{3,}|~{3,})(.*)$/;
/** Any fence opening, also indented (in a list item): its fence and its language. */
const anyFencePattern = /^ *(`{3,}|~{3,})\s*([^\s`{]*)/;
/** The languages whose blocks must be snippets (or opt out). */
const checkedLanguages = new Set([
  'ts',
  'typescript',
  'tsx',
  'mts',
  'cts',
  'js',
  'javascript',
  'jsx',
  'mjs',
  'cjs',
]);
const regionPattern = /^\s*(?:\/\/|#)\s*#(region|endregion)\b\s*([\w.-]*)\s*$/;

/** The Markdown files that may hold snippets. */
function markdownFiles() {
  const files = [];
  const add = (path) => {
    if (existsSync(path)) files.push(path);
  };
  add(join(root, 'README.md'));
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join(root, 'docs', 'api') && entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.md')) {
        files.push(path);
      }
    }
  };
  walk(join(root, 'docs'));
  for (const group of ['packages', 'examples', 'tools']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) add(join(dir, entry.name, 'README.md'));
    }
  }
  return files.sort();
}

/** Every region of a source file, by name: its lines, markers of nested regions left out. */
function regionsOf(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const regions = new Map();
  const problems = [];
  const open = [];
  lines.forEach((line, index) => {
    const match = regionPattern.exec(line);
    if (!match) {
      for (const region of open) region.lines.push(line);
      return;
    }
    const [, kind, name] = match;
    if (kind === 'region') {
      if (!name) problems.push(`line ${index + 1}: #region needs a name`);
      else if (regions.has(name) || open.some((r) => r.name === name)) {
        problems.push(`line ${index + 1}: region '${name}' is defined twice`);
      } else open.push({ name, start: index + 1, lines: [] });
      return;
    }
    const at = name ? open.findLastIndex((r) => r.name === name) : open.length - 1;
    if (at === -1) {
      problems.push(`line ${index + 1}: #endregion ${name} closes no open region`);
      return;
    }
    if (at !== open.length - 1) {
      problems.push(`line ${index + 1}: #endregion ${name} closes '${name}' before inner regions`);
    }
    const [region] = open.splice(at, 1);
    regions.set(region.name, normalise(region.lines));
  });
  for (const region of open) {
    problems.push(`line ${region.start}: region '${region.name}' is never closed`);
  }
  return { regions, problems };
}

/** Common indentation removed, blank lines trimmed at both ends, trailing spaces dropped. */
function normalise(lines) {
  const trimmed = lines.map((line) => line.replace(/\s+$/, ''));
  while (trimmed.length > 0 && trimmed[0] === '') trimmed.shift();
  while (trimmed.length > 0 && trimmed.at(-1) === '') trimmed.pop();
  const indents = trimmed.filter((l) => l !== '').map((l) => /^ */.exec(l)[0].length);
  const indent = indents.length === 0 ? 0 : Math.min(...indents);
  return trimmed.map((line) => line.slice(indent));
}

/** The index of the line closing the fence opened at `open`, or -1 when none does. */
function closingLine(lines, open, fence) {
  for (let close = open + 1; close < lines.length; close += 1) {
    const candidate = lines[close].trim();
    if (candidate.startsWith(fence[0].repeat(fence.length)) && /^[`~]+$/.test(candidate)) {
      return close;
    }
  }
  return -1;
}

/**
 * The snippets of one Markdown file (marker, source, region and where the fenced body is), the
 * marker problems, and the lines of the ts/js blocks that have no marker.
 */
function snippetsOf(lines) {
  const snippets = [];
  const problems = [];
  const unmarked = [];
  for (let i = 0; i < lines.length; i += 1) {
    const marker = markerPattern.exec(lines[i]);
    const optOut = !marker && optOutPattern.test(lines[i]);
    if (!marker && !optOut) {
      if (/<!--\s*snippet:/.test(lines[i])) {
        problems.push(
          `line ${i + 1}: malformed marker (expected <!-- snippet: path#region --> or <!-- snippet: none (reason) -->)`,
        );
        continue;
      }
      // A block without a marker: skipped whole (a ts fence inside a markdown block is text).
      const open = anyFencePattern.exec(lines[i]);
      if (!open) continue;
      const close = closingLine(lines, i, open[1]);
      if (checkedLanguages.has(open[2].toLowerCase()))
        unmarked.push({ line: i + 1, lang: open[2] });
      if (close === -1) {
        problems.push(`line ${i + 1}: the fenced block is never closed`);
        break;
      }
      i = close;
      continue;
    }
    const open = fencePattern.exec(lines[i + 1] ?? '');
    if (!open) {
      problems.push(`line ${i + 1}: the marker must be followed at once by a fenced code block`);
      continue;
    }
    const close = closingLine(lines, i + 1, open[1]);
    if (close === -1) {
      problems.push(`line ${i + 2}: the fenced block is never closed`);
      continue;
    }
    if (marker) {
      snippets.push({ line: i + 1, source: marker[1], region: marker[2], from: i + 2, to: close });
    }
    i = close;
  }
  return { snippets, problems, unmarked };
}

const sources = new Map();
function region(source, name) {
  const path = join(root, source);
  if (!existsSync(path)) return { error: `${source} does not exist` };
  if (!sources.has(path)) sources.set(path, regionsOf(path));
  const { regions, problems } = sources.get(path);
  if (problems.length > 0) return { error: `${source}: ${problems.join('; ')}` };
  const lines = regions.get(name);
  if (!lines) {
    const known = [...regions.keys()].join(', ') || 'none';
    return { error: `${source} has no region '${name}' (regions: ${known})` };
  }
  return { lines };
}

function firstDifference(expected, actual) {
  const length = Math.max(expected.length, actual.length);
  for (let i = 0; i < length; i += 1) {
    if (expected[i] !== actual[i]) {
      const show = (line) => (line === undefined ? '(no line)' : JSON.stringify(line));
      return `snippet line ${i + 1}: source has ${show(expected[i])}, the doc has ${show(actual[i])}`;
    }
  }
  return '';
}

const failures = [];
let checked = 0;
let rewritten = 0;
let mismatches = 0;
for (const file of markdownFiles()) {
  const name = relative(root, file);
  const lines = readFileSync(file, 'utf8').split('\n');
  const { snippets, problems, unmarked } = snippetsOf(lines);
  for (const problem of problems) failures.push(`${name}: ${problem}`);
  for (const block of unmarked) {
    failures.push(
      `${name}:${block.line}: \`\`\`${block.lang} block without a snippet marker (take it from a region of a tested file: <!-- snippet: path#region -->; if it is not code to run: <!-- snippet: none (reason) -->)`,
    );
  }
  let changed = false;
  // From the end, so that rewriting one snippet does not move the next ones.
  for (const snippet of [...snippets].reverse()) {
    checked += 1;
    const found = region(snippet.source, snippet.region);
    const where = `${name}:${snippet.line} (${snippet.source}#${snippet.region})`;
    if (found.error) {
      failures.push(`${where}: ${found.error}`);
      continue;
    }
    const body = lines.slice(snippet.from, snippet.to);
    if (body.join('\n') === found.lines.join('\n')) continue;
    if (write) {
      lines.splice(snippet.from, snippet.to - snippet.from, ...found.lines);
      changed = true;
      rewritten += 1;
    } else {
      failures.push(`${where}: differs from the source; ${firstDifference(found.lines, body)}`);
      mismatches += 1;
    }
  }
  if (changed) writeFileSync(file, lines.join('\n'));
}

if (write && rewritten > 0) console.log(`rewrote ${rewritten} snippet(s)`);
if (failures.length > 0) {
  console.error(`${failures.length} snippet problem(s):`);
  for (const failure of failures) console.error(`  - ${failure}`);
  if (mismatches > 0) console.error('Run `node docs/snippets.mjs --write` to copy the sources in.');
  process.exit(1);
}
console.log(`${checked} snippet(s) match their sources`);
