/**
 * Helpers of the integration tests: the built command as a child process, the manager fixture
 * process, bounded polls, and the delays the reaper reports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '@hodei/lifecycle-testkit';
import { ensurePackageBuilt } from '../../../ensure-built.shared.js';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
export const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/manager-process.mjs', import.meta.url));

/** Builds the command when a source file is newer than its dist (tests run the built bin). */
export function ensureBuilt(): void {
  ensurePackageBuilt(packageDir);
}

export function waitUntil<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<T> {
  return pollUntil(what, read, done, { timeoutMs, intervalMs });
}

export const uniqueName = (prefix: string) =>
  `${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;

/** One run of `hodei-lifecycle` to its end: exit code, stdout, stderr. */
export async function runBin(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (err += String(c)));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

/** A long-running `hodei-lifecycle` (reap --watch, events): its JSON lines as they come. */
export interface RunningBin {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  /** SIGTERM, then the exit code (fails after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export function startBin(args: string[], env: NodeJS.ProcessEnv = {}): RunningBin {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += String(c)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ text: line });
    }
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    lines,
    stderr: () => stderr,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`hodei-lifecycle did not end within ${timeoutMs} ms of SIGTERM`)),
          timeoutMs,
        );
      });
      try {
        const [code] = await Promise.race([exited, timeout]);
        return code;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface ManagerProcess {
  readonly child: ChildProcess;
  readonly workers: { workerId: string; uid: string }[];
}

/** Runs the manager fixture until it prints its workers; fails if it exits first. */
export async function startManager(config: object): Promise<ManagerProcess> {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, HODEI_FIXTURE: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the manager process exited (${code}) before printing its workers:\n${stderr}`);
  });
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  lines.close();
  return { child, workers: (JSON.parse(line) as Omit<ManagerProcess, 'child'>).workers };
}

/** SIGKILL, and wait for the process to be gone. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

export interface ActionLine {
  type: 'action';
  workerId: string;
  uid: string;
  action: 'stop' | 'remove';
  rule: string;
  reason: string;
  outcome: string;
  at: string;
  dueAt: string;
}

export const actionsOf = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.type === 'action') as unknown as ActionLine[];

export const delayOf = (a: ActionLine) => Date.parse(a.at) - Date.parse(a.dueAt);

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
