/**
 * The "node" the process provider runs workers on: a table of the child processes it started,
 * their output, and a stream of changes. It plays the part the Docker engine or the Kubernetes
 * API server plays for the real providers, so it knows nothing about the contract: scopes,
 * ownership and errors are the provider's business (process-provider.ts).
 *
 * Several provider instances may share one host, as several managers share one cluster: each
 * sees the processes the others started. A worker is a process group (the process and
 * everything it starts), so stopping it stops all of it, as stopping a container does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import type { WorkerPhaseV1, WorkerRecordV1 } from '@hodei/lifecycle-core';

/** What the provider asks the host to start. Everything in it is already validated. */
export interface ProcessLaunch {
  readonly workerId: string;
  readonly scope: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Ready once a line of output contains this text; absent: ready as soon as it runs. */
  readonly readyOnLine: string | undefined;
}

/** One worker on the host. Only the host changes it; the provider reads it as a record. */
export interface ProcessEntry {
  readonly uid: string;
  readonly workerId: string;
  readonly scope: string;
}

/** A change on the host, with the worker as it is after the change. */
export interface HostEvent {
  readonly type: 'upsert' | 'removed';
  readonly record: WorkerRecordV1;
}

export type HostOperation =
  | 'create'
  | 'get'
  | 'list'
  | 'remove'
  | 'stop'
  | 'logs'
  | 'watch'
  | 'health';

export interface ProcessHostOptions {
  /** Lines of output kept per worker (stdout and stderr, interleaved). Default 10 000. */
  readonly maxLogLines?: number;
}

interface Entry extends ProcessEntry {
  readonly launch: ProcessLaunch;
  readonly createdAt: Date;
  child: ChildProcess | undefined;
  pid: number | undefined;
  phase: WorkerPhaseV1;
  sawReadyLine: boolean;
  exitCode: number | undefined;
  reason: string | undefined;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  removing: boolean;
  /** The process itself has exited (its group may still be draining its output). */
  exited: boolean;
  /** The signal this host sent last, to tell a stop from a crash. */
  sentSignal: 'SIGTERM' | 'SIGKILL' | undefined;
  killTimer: NodeJS.Timeout | undefined;
  killAt: number | undefined;
  logs: string[];
  finished: Promise<void>;
  markFinished: () => void;
  removal: Promise<void> | undefined;
}

/** Exit codes as a shell (and Docker, and Kubernetes) report a death by signal: 128 + n. */
const exitCodeOfSignal = (signal: NodeJS.Signals) => 128 + (constants.signals[signal] ?? 0);

/** Process groups still alive in this Node process, killed when it exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The host lives in this process: when it ends, so do its workers (no process is left behind
  // without a registry that knows about it). A process killed by a signal cannot run this.
  process.once('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

export class ProcessHost {
  /** Calls made to the host so far, by operation, and their total. */
  readonly calls: Record<HostOperation | 'total', number> = {
    create: 0,
    get: 0,
    list: 0,
    remove: 0,
    stop: 0,
    logs: 0,
    watch: 0,
    health: 0,
    total: 0,
  };
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<(event: HostEvent) => void>();
  readonly #maxLogLines: number;

  constructor(options: ProcessHostOptions = {}) {
    const max = options.maxLogLines ?? 10_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxLogLines must be a whole number >= 1, got ${max}`);
    }
    this.#maxLogLines = max;
  }

  /** Counts one call to the host (what a provider's `countCalls` reports). */
  count(operation: HostOperation): void {
    this.calls[operation] += 1;
    this.calls.total += 1;
  }

  /**
   * Starts a process group, unless a worker with that id already exists in that scope
   * (finished or not: like a container name, the id stays taken until the worker is removed).
   * `spawned` resolves once the process runs, or rejects with the error of `spawn`.
   */
  launch(
    launch: ProcessLaunch,
  ): { entry: ProcessEntry; spawned: Promise<void> } | { conflict: WorkerRecordV1 } {
    const existing = this.find(launch.scope, launch.workerId);
    if (existing) return { conflict: this.record(existing) };
    let markFinished!: () => void;
    const finished = new Promise<void>((resolve) => {
      markFinished = resolve;
    });
    const entry: Entry = {
      uid: randomUUID(),
      workerId: launch.workerId,
      scope: launch.scope,
      launch,
      createdAt: new Date(),
      child: undefined,
      pid: undefined,
      phase: 'pending',
      sawReadyLine: false,
      exitCode: undefined,
      reason: undefined,
      startedAt: undefined,
      finishedAt: undefined,
      removing: false,
      exited: false,
      sentSignal: undefined,
      killTimer: undefined,
      killAt: undefined,
      logs: [],
      finished,
      markFinished,
      removal: undefined,
    };
    this.#entries.set(entry.uid, entry);
    this.#emit('upsert', entry);
    return { entry, spawned: this.#spawn(entry) };
  }

  /** The worker of that scope and id (and uid, when given), if the host has it. */
  find(scope: string, workerId: string, uid?: string): ProcessEntry | undefined {
    for (const entry of this.#entries.values()) {
      if (entry.scope !== scope || entry.workerId !== workerId) continue;
      if (uid !== undefined && entry.uid !== uid) continue;
      return entry;
    }
    return undefined;
  }

  /** Every worker on the host, of every scope. */
  records(): WorkerRecordV1[] {
    return [...this.#entries.values()].map((entry) => this.record(entry));
  }

  /** The worker as a contract record (a copy: later changes do not show in it). */
  record(worker: ProcessEntry): WorkerRecordV1 {
    const entry = this.#entry(worker);
    return {
      workerId: entry.workerId,
      uid: entry.uid,
      phase: entry.phase,
      ready:
        entry.phase === 'running' &&
        !entry.exited &&
        (entry.launch.readyOnLine === undefined || entry.sawReadyLine),
      exitCode: entry.exitCode,
      reason: entry.reason,
      createdAt: entry.createdAt,
      startedAt: entry.startedAt,
      finishedAt: entry.finishedAt,
      removing: entry.removing,
      labels: { ...entry.launch.labels },
      annotations: { ...entry.launch.annotations },
    };
  }

  logs(worker: ProcessEntry, tail?: number): string[] {
    const { logs } = this.#entry(worker);
    if (tail === undefined) return [...logs];
    return tail === 0 ? [] : logs.slice(-tail);
  }

  /**
   * Sends SIGTERM to the process group, and SIGKILL when the grace period ends (at once for
   * 0). Resolves once the worker has finished. A second call can only bring the kill closer.
   */
  terminate(worker: ProcessEntry, gracePeriodMs: number): Promise<void> {
    const entry = this.#entry(worker);
    if (entry.exited || entry.pid === undefined) return entry.finished;
    const pid = entry.pid;
    // Someone waits for this process now: it keeps Node alive until it is gone.
    entry.child?.ref();
    if (gracePeriodMs <= 0) {
      entry.sentSignal = 'SIGKILL';
      killGroup(pid, 'SIGKILL');
      return entry.finished;
    }
    if (entry.sentSignal === undefined) {
      entry.sentSignal = 'SIGTERM';
      killGroup(pid, 'SIGTERM');
    }
    const killAt = Date.now() + gracePeriodMs;
    if (entry.killAt === undefined || killAt < entry.killAt) {
      clearTimeout(entry.killTimer);
      entry.killAt = killAt;
      entry.killTimer = setTimeout(() => {
        if (entry.exited) return;
        entry.sentSignal = 'SIGKILL';
        killGroup(pid, 'SIGKILL');
      }, gracePeriodMs);
    }
    return entry.finished;
  }

  /**
   * Terminates the worker and deletes it from the table. Idempotent: a second call joins the
   * removal under way (and may bring its kill closer).
   */
  remove(worker: ProcessEntry, gracePeriodMs: number): Promise<void> {
    const entry = this.#entry(worker);
    if (entry.removal) {
      void this.terminate(entry, gracePeriodMs);
      return entry.removal;
    }
    entry.removing = true;
    this.#emit('upsert', entry);
    entry.removal = this.terminate(entry, gracePeriodMs).then(() => {
      if (this.#entries.get(entry.uid) !== entry) return;
      this.#entries.delete(entry.uid);
      this.#emit('removed', entry);
    });
    return entry.removal;
  }

  /** Calls `listener` with every change until the returned function is called. */
  subscribe(listener: (event: HostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Processes still running. */
  get running(): number {
    return [...this.#entries.values()].filter((entry) => !entry.exited && entry.pid !== undefined)
      .length;
  }

  #entry(worker: ProcessEntry): Entry {
    const entry = this.#entries.get(worker.uid);
    if (entry) return entry;
    // Removed already: the caller holds the last copy, which still answers.
    return worker as Entry;
  }

  #emit(type: HostEvent['type'], entry: Entry): void {
    const event: HostEvent = { type, record: this.record(entry) };
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the host goes on.
      }
    }
  }

  #spawn(entry: Entry): Promise<void> {
    const { launch } = entry;
    return new Promise<void>((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(launch.file, [...launch.args], {
          cwd: launch.cwd,
          env: { ...launch.env },
          // Its own process group, so a stop reaches everything the worker started.
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (error) {
        this.#failToStart(entry);
        reject(error);
        return;
      }
      entry.child = child;
      // The pid is known at once when the process could be started (it can be signalled from
      // now on); it stays undefined when it could not, and 'error' follows.
      entry.pid = child.pid;
      if (entry.pid !== undefined) {
        liveGroups.add(entry.pid);
        installExitHook();
        // A running worker does not keep Node alive; a stop or removal in progress does.
        child.unref();
        for (const stream of [child.stdout, child.stderr]) {
          (stream as unknown as { unref?: () => void } | null)?.unref?.();
        }
      }
      child.once('error', (error) => {
        if (entry.pid !== undefined) return; // a failed kill of a process already gone
        this.#failToStart(entry);
        reject(error);
      });
      child.once('spawn', () => {
        entry.startedAt = new Date();
        if (entry.phase === 'pending') {
          entry.phase = 'running';
          this.#emit('upsert', entry);
        }
        resolve();
      });
      this.#capture(entry, child);
      child.once('exit', (code, signal) => this.#exited(entry, code, signal));
      // Output may still arrive after the exit: the worker has finished once it is all read.
      child.once('close', () => this.#finish(entry));
    });
  }

  #capture(entry: Entry, child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      stream.setEncoding('utf8');
      let partial = '';
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.#line(entry, line.replace(/\r$/, ''));
      });
      stream.once('end', () => {
        if (partial !== '') this.#line(entry, partial);
        partial = '';
      });
    }
  }

  #line(entry: Entry, line: string): void {
    entry.logs.push(line);
    if (entry.logs.length > this.#maxLogLines)
      entry.logs.splice(0, entry.logs.length - this.#maxLogLines);
    const { readyOnLine } = entry.launch;
    if (readyOnLine !== undefined && !entry.sawReadyLine && line.includes(readyOnLine)) {
      entry.sawReadyLine = true;
      if (entry.phase === 'running') this.#emit('upsert', entry);
    }
  }

  #exited(entry: Entry, code: number | null, signal: NodeJS.Signals | null): void {
    if (entry.pid === undefined) return; // it never started: #failToStart said so
    entry.exited = true;
    clearTimeout(entry.killTimer);
    liveGroups.delete(entry.pid);
    // The worker is its process group: whatever it left running goes with it.
    killGroup(entry.pid, 'SIGKILL');
    if (code !== null) {
      entry.exitCode = code;
      entry.reason = code === 0 ? 'Completed' : 'Error';
    } else {
      const killedBy = signal ?? 'SIGKILL';
      entry.exitCode = exitCodeOfSignal(killedBy);
      entry.reason =
        killedBy === entry.sentSignal ? (killedBy === 'SIGTERM' ? 'Stopped' : 'Killed') : killedBy;
    }
    // Its output normally ends with it; if something holds the pipes, do not wait for ever.
    setTimeout(() => {
      entry.child?.stdout?.destroy();
      entry.child?.stderr?.destroy();
      this.#finish(entry);
    }, 500).unref();
  }

  #finish(entry: Entry): void {
    if (entry.finishedAt !== undefined || entry.exitCode === undefined) return;
    entry.phase = entry.exitCode === 0 ? 'succeeded' : 'failed';
    entry.finishedAt = new Date();
    entry.markFinished();
    this.#emit('upsert', entry);
  }

  #failToStart(entry: Entry): void {
    entry.exited = true;
    entry.phase = 'failed';
    entry.exitCode = 127;
    entry.reason = 'StartError';
    entry.finishedAt = new Date();
    entry.markFinished();
    this.#emit('upsert', entry);
  }
}

/** The host every process provider uses unless given another: this Node process. */
export const defaultProcessHost = new ProcessHost();
