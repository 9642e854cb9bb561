/**
 * pnpm bench: runs the benchmark suites, saves each one's data to tools/bench/results, and
 * renders docs/benchmarks.md with its SVG charts from every saved result.
 *
 *   pnpm bench                          every suite at its default size (each a few minutes)
 *   pnpm bench -- --scale               the scale runs (5,000 pods, 1,000 containers, 100,000 in memory)
 *   pnpm bench -- --suite=docker,memory only these suites
 *   pnpm bench -- --report              only render the page from the saved results
 */
import { parseArgs } from 'node:util';
import { machine } from './lib/machine.ts';
import { type SuiteResult, saveResult } from './lib/results.ts';
import { renderReport } from './report/render.ts';

const SUITES = ['memory', 'docker', 'kubernetes'] as const;
type Suite = (typeof SUITES)[number];

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    suite: { type: 'string' },
    scale: { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
  },
});
const chosen = (values.suite ?? SUITES.join(',')).split(',').map((s) => s.trim());
for (const s of chosen) {
  if (!SUITES.includes(s as Suite))
    throw new Error(`unknown suite '${s}' (have: ${SUITES.join(', ')})`);
}
const scale = values.scale === true;

async function run(suite: Suite) {
  const opts = { scale };
  switch (suite) {
    case 'memory':
      return (await import('./memory/memory.bench.ts')).runMemory(opts);
    case 'docker':
      return (await import('./docker/docker.bench.ts')).runDocker(opts);
    case 'kubernetes':
      return (await import('./kubernetes/kubernetes.bench.ts')).runKubernetes(opts);
  }
}

if (!values.report) {
  for (const suite of SUITES.filter((s) => chosen.includes(s))) {
    const at = new Date();
    const host = machine();
    const started = performance.now();
    console.log(`[bench] ${suite}${scale ? ' (scale)' : ''}: starting`);
    const part = await run(suite);
    const result: SuiteResult = {
      ...part,
      variant: scale ? 'scale' : 'default',
      command: `pnpm bench -- --suite=${suite}${scale ? ' --scale' : ''}`,
      ranAt: at.toISOString(),
      durationSeconds: (performance.now() - started) / 1000,
      machine: host,
    };
    const file = saveResult(result);
    console.log(`[bench] ${suite}: ${Math.round(result.durationSeconds)} s, saved ${file}`);
    for (const t of result.tables) {
      console.log(`\n${t.title}`);
      console.table(t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]]))));
    }
    for (const g of result.goals) {
      console.log(`${g.met ? 'met   ' : 'MISSED'} ${g.measure}: ${g.shown} (goal ${g.goal})`);
    }
  }
}
console.log(`[bench] wrote ${renderReport()}`);
process.exit(0);
