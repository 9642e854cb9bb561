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
 *   node docs/snippets.mjs           checks every snippet; exits 1 listing each mismatch
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
const fencePattern = /^(`{3,}|~{3,})(.*)$/;
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

/** The snippets of one Markdown file: marker, source, region and where the fenced body is. */
function snippetsOf(lines) {
  const snippets = [];
  const problems = [];
  for (let i = 0; i < lines.length; i += 1) {
    const marker = markerPattern.exec(lines[i]);
    if (!marker) {
      if (/<!--\s*snippet:/.test(lines[i])) {
        problems.push(`line ${i + 1}: malformed marker (expected <!-- snippet: path#region -->)`);
      }
      continue;
    }
    const open = fencePattern.exec(lines[i + 1] ?? '');
    if (!open) {
      problems.push(`line ${i + 1}: the marker must be followed at once by a fenced code block`);
      continue;
    }
    const fence = open[1];
    let close = i + 2;
    while (close < lines.length) {
      const candidate = lines[close].trim();
      if (candidate.startsWith(fence[0].repeat(fence.length)) && /^[`~]+$/.test(candidate)) break;
      close += 1;
    }
    if (close >= lines.length) {
      problems.push(`line ${i + 2}: the fenced block is never closed`);
      continue;
    }
    snippets.push({ line: i + 1, source: marker[1], region: marker[2], from: i + 2, to: close });
    i = close;
  }
  return { snippets, problems };
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
for (const file of markdownFiles()) {
  const name = relative(root, file);
  const lines = readFileSync(file, 'utf8').split('\n');
  const { snippets, problems } = snippetsOf(lines);
  for (const problem of problems) failures.push(`${name}: ${problem}`);
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
    }
  }
  if (changed) writeFileSync(file, lines.join('\n'));
}

if (write && rewritten > 0) console.log(`rewrote ${rewritten} snippet(s)`);
if (failures.length > 0) {
  console.error(`${failures.length} snippet problem(s):`);
  for (const failure of failures) console.error(`  - ${failure}`);
  if (!write) console.error('Run `node docs/snippets.mjs --write` to copy the sources in.');
  process.exit(1);
}
console.log(`${checked} snippet(s) match their sources`);
