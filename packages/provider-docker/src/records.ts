/**
 * From the engine's container views to provider records. `inspect` is exact; the list summary
 * (one call for the whole scope) carries no timestamps or exit details, so they are read from
 * its human status line ("Exited (3) 5 seconds ago") conservatively (see summaryToRecord).
 */
import {
  OwnershipKeys,
  type WorkerPhaseV1,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core/provider';

/** The parts of `GET /containers/{id}/json` this provider reads. */
export interface ContainerInspect {
  readonly Id: string;
  readonly Created: string;
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly Paused: boolean;
    readonly Restarting: boolean;
    readonly OOMKilled: boolean;
    readonly Dead: boolean;
    readonly ExitCode: number;
    readonly Error: string;
    readonly StartedAt: string;
    readonly FinishedAt: string;
    readonly Health?: { readonly Status: string } | undefined;
  };
  readonly Config: {
    readonly Labels?: Record<string, string> | null;
    readonly Tty?: boolean;
  };
}

/** The parts of one entry of `GET /containers/json` this provider reads. */
export interface ContainerSummary {
  readonly Id: string;
  readonly Created: number;
  readonly Labels?: Record<string, string> | null;
  readonly State: string;
  readonly Status: string;
}

/** Docker's zero time ("0001-01-01T00:00:00Z") means "never". */
function dateOf(value: string | undefined): Date | undefined {
  if (!value || value.startsWith('0001-')) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** The phase of a container state; `exitCode` decides between succeeded and failed. */
export function phaseOf(
  status: string,
  running: boolean | undefined,
  exitCode: number | undefined,
): WorkerPhaseV1 {
  const ended = (): WorkerPhaseV1 =>
    exitCode === undefined ? 'unknown' : exitCode === 0 ? 'succeeded' : 'failed';
  switch (status) {
    case 'created':
    case 'restarting':
      return 'pending';
    case 'running':
    case 'paused':
      return 'running';
    case 'exited':
      return ended();
    case 'dead':
      return 'failed';
    case 'removing':
      return running === true ? 'running' : running === false ? ended() : 'unknown';
    default:
      return 'unknown';
  }
}

/**
 * The reason in the provider contract's words. A main process ended by SIGTERM (exit 143) or
 * SIGKILL (137) was `Stopped` or `Killed`: by `docker stop` / `docker kill`, by the engine
 * shutting down (a restart without live-restore), or by the manager's own stop. The manager
 * tells them apart (it knows when it stopped a worker itself).
 */
function reasonOf(
  phase: WorkerPhaseV1,
  status: string,
  oomKilled: boolean,
  error: string | undefined,
  exitCode: number | undefined,
): string | undefined {
  if (oomKilled) return 'OOMKilled';
  if (status === 'dead') return 'Dead';
  if (status === 'paused') return 'Paused';
  if (status === 'created' && error) return 'ContainerCannotRun';
  if (phase === 'succeeded') return 'Completed';
  if (phase === 'failed' && exitCode === 143) return 'Stopped';
  if (phase === 'failed' && exitCode === 137) return 'Killed';
  if (phase === 'failed') return 'Error';
  return undefined;
}

/** A record from an exact inspect. */
export function inspectToRecord(info: ContainerInspect): WorkerRecordV1 {
  const state = info.State;
  const labels = { ...(info.Config.Labels ?? {}) };
  const finishedAt = dateOf(state.FinishedAt);
  const startedAt = dateOf(state.StartedAt);
  // The exit code means something once the container has run and stopped.
  const hasExited =
    !state.Running && (state.Status === 'exited' || state.Status === 'dead' || finishedAt);
  let phase = phaseOf(state.Status, state.Running, hasExited ? state.ExitCode : undefined);
  if (state.Status === 'created' && state.Error) phase = 'failed'; // start failed
  const exitCode = hasExited || phase === 'failed' ? state.ExitCode : undefined;
  const healthy = state.Health ? state.Health.Status === 'healthy' : true;
  const running = state.Status === 'running' && state.Running && !state.Paused;
  return {
    workerId: labels[OwnershipKeys.workerId] ?? '',
    uid: info.Id,
    phase,
    ready: running && healthy,
    exitCode,
    reason: reasonOf(phase, state.Status, state.OOMKilled, state.Error || undefined, exitCode),
    createdAt: dateOf(info.Created) ?? new Date(0),
    startedAt,
    finishedAt: state.Running ? undefined : finishedAt,
    removing: state.Status === 'removing',
    labels,
    annotations: {},
  };
}

const units: Record<string, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  year: 365 * 86_400_000,
};

/**
 * Reads Docker's human duration ("Less than a second", "5 seconds", "About a minute",
 * "3 hours") as its lower bound in milliseconds, or undefined when it is not one.
 */
export function parseHumanDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'less than a second') return 0;
  const about = /^about an? (second|minute|hour)$/.exec(value);
  if (about) return units[about[1] as string];
  const counted = /^(\d+) (second|minute|hour|day|week|month|year)s?$/.exec(value);
  if (counted) return Number(counted[1]) * (units[counted[2] as string] as number);
  return undefined;
}

/**
 * A record from the list summary, as of `now`. The summary has no timestamps: startedAt and
 * finishedAt come from the status line ("Up 5 seconds", "Exited (0) 2 minutes ago") at its
 * lower bound, so they are never earlier than the truth (a TTL counted from them never fires
 * early), and are undefined when the line cannot be read. The OOM reason is not in a summary.
 */
export function summaryToRecord(summary: ContainerSummary, now: number): WorkerRecordV1 {
  const labels = { ...(summary.Labels ?? {}) };
  const status = summary.Status ?? '';
  const exited = /^Exited \((-?\d+)\) (.+) ago$/.exec(status);
  const up = /^Up (.+?)(?: \((?:healthy|unhealthy|health: starting|Paused)\))*$/.exec(status);
  const exitCode = exited ? Number(exited[1]) : undefined;
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1];
  const state = summary.State;
  const running = state === 'running' || state === 'paused';
  const phase = phaseOf(state, state === 'removing' ? undefined : running, exitCode);
  const ago = (text: string | undefined) => {
    const ms = text === undefined ? undefined : parseHumanDuration(text);
    return ms === undefined ? undefined : new Date(now - ms);
  };
  return {
    workerId: labels[OwnershipKeys.workerId] ?? '',
    uid: summary.Id,
    phase,
    ready: state === 'running' && (health === undefined || health === 'healthy'),
    exitCode,
    reason: reasonOf(phase, state, false, undefined, exitCode),
    createdAt: new Date(summary.Created * 1000),
    startedAt: up ? ago(up[1]) : undefined,
    finishedAt: exited ? ago(exited[2]) : undefined,
    removing: state === 'removing',
    labels,
    annotations: {},
  };
}
