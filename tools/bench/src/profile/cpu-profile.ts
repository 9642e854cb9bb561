/**
 * A CPU profile of one stretch of work (V8's sampling profiler through node:inspector, as
 * `node --cpu-prof` writes it), summarised as self time by package and by function.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixed } from '../lib/stats.ts';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export async function profileOf<T>(
  work: () => Promise<T>,
): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** Which package a script belongs to: the npm package, a workspace package, or Node itself. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    const name = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    // Workspace packages are linked: node_modules/@hodei/x resolves to packages/x.
    return name;
  }
  const workspace = /\/packages\/([^/]+)\//.exec(url);
  if (workspace) return `@hodei/lifecycle-${workspace[1]}`;
  if (url.includes('/tools/bench/')) return '(the benchmark itself)';
  return url;
}

const fileOf = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^.*\/packages\//, 'packages/')
    .replace(/^.*\/tools\//, 'tools/');

export interface ProfileSummary {
  /** Sampled CPU time (not idle), ms. */
  readonly busyMs: number;
  readonly byPackage: readonly { name: string; ms: number; share: number }[];
  /**
   * Self time charged to the nearest caller that is a package's own code: Node's streams,
   * sockets and timers working for dockerode count for dockerode.
   */
  readonly byCaller: readonly { name: string; ms: number; share: number }[];
  readonly byFunction: readonly { name: string; where: string; ms: number; share: number }[];
}

export function summarise(profile: CpuProfile, top = 12): ProfileSummary {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const isPlatform = (name: string) =>
    name === 'node (built-in modules)' || name === '(native)' || name === '(root)';
  const callerOf = (id: number): string => {
    let at: number | undefined = id;
    while (at !== undefined) {
      const node = nodes.get(at)!;
      const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
      if (!isPlatform(pkg)) return pkg;
      at = parent.get(at);
    }
    return '(node, no package on the stack)';
  };
  const byCaller = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, { name: string; where: string; ms: number }>();
  let busy = 0;
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    // Idle time, and the profiler's own work (node:inspector) when it stops, are not the
    // workload's.
    if (ms === 0 || node.callFrame.functionName === '(idle)') continue;
    if (node.callFrame.url === 'node:inspector') continue;
    busy += ms;
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    const caller = callerOf(node.id);
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + ms);
    const where = node.callFrame.url
      ? `${fileOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`
      : '';
    const key = `${node.callFrame.functionName}@${where}`;
    const entry = byFunction.get(key) ?? {
      name: node.callFrame.functionName || '(anonymous)',
      where,
      ms: 0,
    };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  return {
    busyMs: busy,
    byPackage: [...byPackage]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: ms / busy })),
    byCaller: [...byCaller]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: ms / busy })),
    byFunction: [...byFunction.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, share: f.ms / busy })),
  };
}

/** Where raw profiles go (not committed: they are large and this machine's). */
export const PROFILE_DIR =
  process.env.HODEI_BENCH_PROFILE_DIR ?? join(tmpdir(), 'hodei-bench-profiles');

/** Saves the raw profile (loadable in Chrome DevTools) as NAME.cpuprofile; returns its path. */
export function saveProfile(profile: CpuProfile, name: string): string {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const path = join(PROFILE_DIR, `${name}.cpuprofile`);
  writeFileSync(path, JSON.stringify(profile));
  return path;
}

/** Two rankings side by side: by the package of the running code, and by its nearest caller. */
export function profileRows(s: ProfileSummary): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i < Math.max(s.byPackage.length, s.byCaller.length); i += 1) {
    const a = s.byPackage[i];
    const b = s.byCaller[i];
    rows.push([
      a?.name ?? '',
      a ? `${fixed(a.ms, 0)} ms` : '',
      a ? `${fixed(a.share * 100, 1)} %` : '',
      b?.name ?? '',
      b ? `${fixed(b.ms, 0)} ms` : '',
      b ? `${fixed(b.share * 100, 1)} %` : '',
    ]);
  }
  return rows;
}
