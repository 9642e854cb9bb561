/**
 * `hodei-lifecycle`: the operator command. `runCli(argv, io)` runs it in-process (the bin, the
 * tests and the quickstart call it) and returns the exit code.
 */
import {
  DuplicateProviderTypeError,
  definePolicy,
  type EphemeralWorkerPolicy,
  InvalidOptionsError,
  InvalidPolicyError,
  ProviderError,
  type ProviderV1,
  parseDuration,
  UnknownProviderTypeError,
} from '@hodei/lifecycle-core';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, UsageError } from './errors.js';
import { type InspectedWorker, inspectRecord, predictEndings } from './inspect.js';
import { reapable, scopeListerOf } from './leases.js';
import {
  type ActionResult,
  eventMapper,
  explain,
  scan,
  sweep,
  type WorkerEventLine,
} from './operations.js';
import {
  type CallCounter,
  type CliConfig,
  countCalls,
  createProvider,
  loadConfig,
  newCounter,
} from './provider.js';
import { formatSpan, paint, renderExplanation, renderWorkers, type Style } from './render.js';

/** Where the command writes, what it reads, and (in-process) what it runs against. */
export interface CliIo {
  /** Results (tables, JSON). Default: process.stdout. */
  readonly stdout?: CliStream;
  /** Errors, progress and pass summaries. Default: process.stderr. */
  readonly stderr?: CliStream;
  /** Default: process.env (NO_COLOR, DOCKER_HOST, KUBECONFIG). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where --config is resolved from. Default: process.cwd(). */
  readonly cwd?: string;
  /** The time. Default: Date.now. */
  readonly now?: () => number;
  /** Waits between intervals (reap --watch, events without a watch). Default: a timer. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Ends `reap --watch` and `events` cleanly (the bin aborts it on SIGTERM and SIGINT). */
  readonly signal?: AbortSignal;
  /** Run against this provider instead of creating one (in-process callers). */
  readonly provider?: ProviderV1;
}

/** Where the command writes: a process stream, or anything with `write`. */
export interface CliStream {
  write(text: string): unknown;
  /** A terminal: colours (unless NO_COLOR) on stdout, progress on stderr. */
  readonly isTTY?: boolean;
}

const exitCodesHelp = `
Exit codes:
  0  done, nothing failed
  1  failure (the worker to explain does not exist, an unexpected error)
  2  usage error (unknown option or provider type, bad value, no scope named)
  3  infrastructure unreachable (connection refused, timeout, 5xx)
  4  partly done: some stops or removals failed (each one is reported)

Environment: DOCKER_HOST (docker), KUBECONFIG (kubernetes), NO_COLOR (no colours).`;

interface GlobalOptions {
  provider?: string;
  config?: string;
  namespace?: string;
  kubeconfig?: string;
  scope: string[];
  allScopes?: boolean;
  json?: boolean;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`not a duration: ${JSON.stringify(value)} (e.g. 10s, 500ms, 1m)`);
  }
  return ms;
}

/** The command's context once the global options are read. */
class Session {
  counter: CallCounter = newCounter();
  provider!: ProviderV1;
  policy!: EphemeralWorkerPolicy;
  config: CliConfig = {};
  failed = 0;
  private owned = false;

  constructor(
    readonly io: Required<Omit<CliIo, 'provider' | 'signal'>> & Pick<CliIo, 'provider'>,
    readonly signal: AbortSignal,
    readonly options: GlobalOptions,
  ) {}

  get json(): boolean {
    return this.options.json === true;
  }

  get style(): Style {
    const env = this.io.env;
    return { color: !this.json && this.io.stdout.isTTY === true && !env.NO_COLOR };
  }

  /** Progress lines on stderr: only on a terminal, never with --json. */
  progress(text: string): void {
    if (this.json || this.io.stderr.isTTY !== true) return;
    this.io.stderr.write(`\r\u001b[K${text}`);
  }

  progressDone(): void {
    if (this.json || this.io.stderr.isTTY !== true) return;
    this.io.stderr.write('\r\u001b[K');
  }

  out(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  async open(): Promise<void> {
    if (this.options.config) this.config = await loadConfig(this.options.config, this.io.cwd);
    this.policy = definePolicy(this.config.policy ?? {}, 'generic');
    let raw = this.io.provider;
    if (!raw) {
      raw = await createProvider(this.config, this.options, () => {
        this.counter.http += 1;
      });
      this.owned = true;
    }
    this.provider = countCalls(raw, () => this.counter);
  }

  async close(): Promise<void> {
    if (this.owned) await this.provider.close?.();
  }

  /** The selected scopes (listScopes for --all-scopes: one more call). */
  async scopes(): Promise<string[]> {
    const { scope, allScopes } = this.options;
    if (allScopes && scope.length > 0)
      throw new UsageError('give --scope or --all-scopes, not both');
    if (allScopes) {
      const list = scopeListerOf(this.provider);
      if (!list) {
        throw new UsageError(
          `the ${this.provider.type} provider cannot list scopes: name them with --scope`,
        );
      }
      return [...new Set(await list())].sort();
    }
    const scopes = scope.length > 0 ? scope : [...(this.config.scopes ?? [])];
    if (scopes.length === 0)
      throw new UsageError('name the scopes: --scope NAME (repeatable) or --all-scopes');
    return [...new Set(scopes)];
  }

  scan(scopes: string[]): Promise<InspectedWorker[]> {
    return scan(this.provider, scopes, { now: this.io.now, policy: this.policy });
  }

  reportAction(result: ActionResult, index: number, total: number): void {
    if (result.outcome === 'failed') this.failed += 1;
    if (this.json) {
      this.out(JSON.stringify({ type: 'action', ...result }));
      return;
    }
    const verb =
      result.outcome === 'planned'
        ? `would ${result.action}`
        : result.outcome === 'done'
          ? result.action === 'stop'
            ? 'stopped'
            : 'removed'
          : `failed to ${result.action}`;
    const color =
      result.outcome === 'failed' ? 'red' : result.action === 'remove' ? 'yellow' : 'cyan';
    const line = `${paint(this.style, color, verb)} ${result.scope}/${result.workerId} (${result.reason}, rule ${result.rule}; owner ${result.owner} ${result.ownerState})${result.error ? `: ${result.error}` : ''}`;
    if (result.outcome === 'failed') this.err(line);
    else this.out(line);
    this.progress(`${index + 1}/${total}`);
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return ExitCode.usage;
  if (
    UnknownProviderTypeError.isInstance(error) ||
    DuplicateProviderTypeError.isInstance(error) ||
    InvalidOptionsError.isInstance(error) ||
    InvalidPolicyError.isInstance(error)
  )
    return ExitCode.usage;
  if (ProviderError.isInstance(error) && error.retryable) return ExitCode.unreachable;
  return ExitCode.failure;
}

/** Runs `hodei-lifecycle` with these arguments (without the node and script paths). */
export async function runCli(argv: readonly string[], cliIo: CliIo = {}): Promise<number> {
  const io = {
    stdout: cliIo.stdout ?? process.stdout,
    stderr: cliIo.stderr ?? process.stderr,
    env: cliIo.env ?? process.env,
    cwd: cliIo.cwd ?? process.cwd(),
    now: cliIo.now ?? Date.now,
    sleep: cliIo.sleep ?? defaultSleep,
    provider: cliIo.provider,
  };
  const signal = cliIo.signal ?? new AbortController().signal;
  let exitCode: number = ExitCode.ok;

  const program = new Command('hodei-lifecycle')
    .description(
      'Operator tool for Hodei Lifecycle: list managed workers, explain their future, sweep and reap what no live manager owns.',
    )
    .addOption(
      new Option('--provider <type>', 'the provider: docker, kubernetes, or a --config plugin'),
    )
    .option(
      '--config <module>',
      'a module exporting plugins (or a registry), provider options, a policy',
    )
    .option('--namespace <name>', 'kubernetes: the namespace of the workers')
    .option(
      '--kubeconfig <path>',
      'kubernetes: the kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)',
    )
    .option(
      '--scope <name>',
      'a scope (hodei.io/managed-by); repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--all-scopes', 'every scope the provider can list')
    .option('--json', 'machine-readable output (JSON; one JSON per line for streams)')
    .addHelpText('after', exitCodesHelp)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)');

  const action =
    <A extends unknown[]>(body: (session: Session, ...args: A) => Promise<number | undefined>) =>
    async (...args: A) => {
      const session = new Session(io, signal, program.opts<GlobalOptions>());
      try {
        await session.open();
        exitCode = (await body(session, ...args)) ?? ExitCode.ok;
      } catch (error) {
        exitCode = exitCodeOf(error);
        const message = error instanceof Error ? error.message : String(error);
        if (session.json) io.stderr.write(`${JSON.stringify({ error: message, exitCode })}\n`);
        else io.stderr.write(`hodei-lifecycle: ${message}\n`);
      } finally {
        session.progressDone();
        await session.close().catch(() => undefined);
      }
    };

  program
    .command('ls')
    .description(
      'every managed worker of the scopes: owner and liveness, age, state, deadline, TTL',
    )
    .action(
      action(async (s) => {
        const workers = await s.scan(await s.scopes());
        const views = workers.map((w) => w.view);
        if (s.json) s.out(JSON.stringify(views, null, 2));
        else s.out(renderWorkers(views, s.io.now(), s.style));
        return ExitCode.ok;
      }),
    );

  program
    .command('explain')
    .description(
      "which rule will end a worker, when, and what will happen (the manager's own decision function)",
    )
    .argument('<worker-id...>', 'one or more worker ids (one list per scope for all of them)')
    .action(
      action(async (s, workerIds: string[]) => {
        const scopes = await s.scopes();
        const workers = await s.scan(scopes);
        const explanations = [];
        let missing = 0;
        for (const workerId of workerIds) {
          const found = workers.filter((w) => w.view.workerId === workerId);
          if (found.length === 0) {
            missing += 1;
            s.err(`hodei-lifecycle: no managed worker ${workerId} in scope ${scopes.join(', ')}`);
          }
          explanations.push(...found.map(explain));
        }
        // JSON: one explanation for one worker id found once, else an array.
        if (s.json)
          s.out(
            JSON.stringify(
              workerIds.length === 1 && explanations.length === 1 ? explanations[0] : explanations,
              null,
              2,
            ),
          );
        else if (explanations.length > 0)
          s.out(explanations.map((e) => renderExplanation(e, s.style)).join('\n\n'));
        return missing > 0 ? ExitCode.failure : ExitCode.ok;
      }),
    );

  program
    .command('gc')
    .description(
      'stop and remove what a sweep of the scopes would, now (any owner: their stamped deadline and TTL)',
    )
    .option('--dry-run', 'only say what would be done, and why')
    .action(
      action(async (s, options: { dryRun?: boolean }) => {
        const workers = await s.scan(await s.scopes());
        const results = await sweep(s.provider, workers, {
          onlyWithoutLiveOwner: false,
          dryRun: options.dryRun === true,
          now: s.io.now,
          onAction: (r, i, n) => s.reportAction(r, i, n),
        });
        if (!s.json && results.length === 0) s.out('Nothing to do.');
        return s.failed > 0 ? ExitCode.partial : ExitCode.ok;
      }),
    );

  program
    .command('reap')
    .description(
      'enforce the stamped deadline and TTL of every worker whose owner is dead, absent or unknown; once, or --watch',
    )
    .option('--watch', 'keep going, one pass per interval, until SIGTERM or SIGINT')
    .option('--interval <duration>', 'time between passes with --watch', '10s')
    .option('--dry-run', 'only say what would be done, and why')
    .action(
      action(async (s, options: { watch?: boolean; interval: string; dryRun?: boolean }) => {
        const interval = durationArg(options.interval);
        const sweepOptions = {
          onlyWithoutLiveOwner: true,
          dryRun: options.dryRun === true,
          now: s.io.now,
          onAction: (r: ActionResult, i: number, n: number) => s.reportAction(r, i, n),
        };
        for (let pass = 1; ; pass += 1) {
          const startedAt = s.io.now();
          const nextPass = startedAt + interval;
          s.counter = newCounter();
          const scopes = await s.scopes();
          const results: ActionResult[] = [];
          let workers: InspectedWorker[] = [];
          try {
            workers = await s.scan(scopes);
            results.push(...(await sweep(s.provider, workers, sweepOptions)));
            // Between two lists, each action the decision schedules before the next pass is
            // made at its time, on the worker as last listed (pinned to its uid, so a changed
            // or replaced worker is left alone): no more lists, no interval of delay.
            if (options.watch) {
              const acted = new Set(results.map((r) => r.uid));
              for (const [at, due] of timedActions(workers, acted, nextPass)) {
                await s.io.sleep(Math.max(0, at - s.io.now()), s.signal);
                if (s.signal.aborted) break;
                const now = s.io.now();
                const again = due.flatMap(
                  (w) =>
                    inspectRecord(w.record, () => w.view.ownerState, { ...w.options, now }) ?? [],
                );
                results.push(...(await sweep(s.provider, again, sweepOptions)));
              }
            }
            reportPass(s, pass, startedAt, scopes, workers.length, results);
          } catch (error) {
            // One failed pass does not end a reaper: it says so, and tries again next interval.
            if (!options.watch) throw error;
            s.failed += 1;
            s.err(
              `hodei-lifecycle: pass ${pass} failed: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
          if (!options.watch || s.signal.aborted) break;
          await s.io.sleep(Math.max(0, nextPass - s.io.now()), s.signal);
          if (s.signal.aborted) break;
        }
        if (options.watch) return ExitCode.ok;
        return s.failed > 0 ? ExitCode.partial : ExitCode.ok;
      }),
    );

  program
    .command('events')
    .description(
      'the lifecycle events of the scopes as they happen (created, ready, finished, removing, removed)',
    )
    .option('--interval <duration>', 'list interval when the provider has no watch', '2s')
    .action(
      action(async (s, options: { interval: string }) => {
        const interval = durationArg(options.interval);
        const scopes = await s.scopes();
        const print = (line: WorkerEventLine) => {
          if (s.json) s.out(JSON.stringify(line));
          else {
            const detail = [
              line.phase && `phase ${line.phase}`,
              line.exitCode !== undefined && `exit code ${line.exitCode}`,
              line.reason && `reason ${line.reason}`,
            ]
              .filter(Boolean)
              .join(', ');
            s.out(
              `${line.at}  ${line.scope}/${line.workerId}  ${line.event}${detail ? `  ${detail}` : ''}`,
            );
          }
        };
        await Promise.all(scopes.map((scope) => follow(s, scope, interval, print)));
        return ExitCode.ok;
      }),
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
      )
        return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`hodei-lifecycle: ${error.message}\n`);
      return ExitCode.usage;
    }
    throw error;
  }
  return exitCode;
}

/**
 * The actions the decision schedules after now and before `until` (the next pass), by time:
 * the first predicted step of each reapable worker not acted on in this pass, unless the
 * infrastructure takes it itself.
 */
function timedActions(
  workers: readonly InspectedWorker[],
  acted: ReadonlySet<string>,
  until: number,
): [number, InspectedWorker[]][] {
  const byTime = new Map<number, InspectedWorker[]>();
  for (const worker of workers) {
    if (acted.has(worker.view.uid) || !reapable(worker.view.owner, worker.view.ownerState))
      continue;
    const step = predictEndings(worker, 1)[0];
    if (!step || step.byInfrastructure) continue;
    const at = step.at.getTime();
    if (at <= worker.input.now || at >= until) continue;
    byTime.set(at, [...(byTime.get(at) ?? []), worker]);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]);
}

function reportPass(
  s: Session,
  pass: number,
  startedAt: number,
  scopes: string[],
  workers: number,
  results: ActionResult[],
): void {
  const requests = Object.values(s.counter.calls).reduce((a, b) => a + b, 0);
  const summary = {
    type: 'pass',
    pass,
    at: new Date(startedAt).toISOString(),
    scopes,
    workers,
    stopped: results.filter((r) => r.action === 'stop' && r.outcome === 'done').length,
    removed: results.filter((r) => r.action === 'remove' && r.outcome === 'done').length,
    planned: results.filter((r) => r.outcome === 'planned').length,
    failed: results.filter((r) => r.outcome === 'failed').length,
    providerCalls: { total: requests, ...s.counter.calls },
    httpRequests: s.counter.http,
    durationMs: s.io.now() - startedAt,
  };
  if (s.json) s.out(JSON.stringify(summary));
  else {
    const calls = Object.entries(s.counter.calls)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    s.err(
      `pass ${pass}: ${workers} workers in ${scopes.length} scope(s), ${summary.stopped} stopped, ${summary.removed} removed${summary.planned ? `, ${summary.planned} planned` : ''}${summary.failed ? `, ${summary.failed} failed` : ''}; provider calls: ${calls || 'none'}${s.counter.http ? ` (${s.counter.http} HTTP requests)` : ''}; ${formatSpan(summary.durationMs)}`,
    );
  }
}

/** Follows one scope: its watch where the provider has one, else a list per interval. */
async function follow(
  s: Session,
  scope: string,
  interval: number,
  print: (line: WorkerEventLine) => void,
): Promise<void> {
  const map = eventMapper(scope, s.io.now);
  const seen = new Map<string, string>();
  const initial = await s.provider.list({ scope });
  for (const worker of initial) {
    seen.set(worker.uid, worker.workerId);
    for (const line of map({ type: 'upsert', worker }, true)) print(line);
  }
  if (s.provider.watch) {
    try {
      for await (const observation of s.provider.watch({ scope }, { signal: s.signal })) {
        for (const line of map(observation)) print(line);
      }
    } catch (error) {
      if (!s.signal.aborted) throw error;
    }
    return;
  }
  while (!s.signal.aborted) {
    await s.io.sleep(interval, s.signal);
    if (s.signal.aborted) break;
    const records = await s.provider.list({ scope });
    const now = new Set<string>();
    for (const worker of records) {
      now.add(worker.uid);
      seen.set(worker.uid, worker.workerId);
      for (const line of map({ type: 'upsert', worker })) print(line);
    }
    for (const [uid, workerId] of seen) {
      if (now.has(uid)) continue;
      seen.delete(uid);
      for (const line of map({ type: 'removed', uid, workerId })) print(line);
    }
  }
}
