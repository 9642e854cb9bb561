/** Human output: tables, durations, colours (only on a terminal, never with NO_COLOR). */
import type { WorkerView } from './inspect.js';
import type { Explanation } from './operations.js';

export interface Style {
  readonly color: boolean;
}

const codes = { red: 31, green: 32, yellow: 33, cyan: 36, gray: 90, bold: 1 } as const;

export function paint(style: Style, color: keyof typeof codes, text: string): string {
  return style.color ? `\u001b[${codes[color]}m${text}\u001b[0m` : text;
}

/** `1h2m`, `45s`, `1.5s`, `-3s` (negative: that long ago). */
export function formatSpan(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 10_000 && rest % 1000 !== 0) return `${sign}${(rest / 1000).toFixed(1)}s`;
  rest = Math.round(rest / 1000);
  const d = Math.floor(rest / 86_400);
  const h = Math.floor((rest % 86_400) / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m && parts.length < 2) parts.push(`${m}m`);
  if ((s || parts.length === 0) && parts.length < 2) parts.push(`${s}s`);
  return sign + parts.join('');
}

/** Visible width of a cell (colour codes take no room). */
const ansi = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');
const width = (text: string) => text.replace(ansi, '').length;

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell)),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function ownerCell(view: WorkerView, style: Style): string {
  const color =
    view.ownerState === 'alive' ? 'green' : view.ownerState === 'unknown' ? 'gray' : 'red';
  return `${view.owner} (${paint(style, color, view.ownerState)})`;
}

function deadlineCell(view: WorkerView, now: number): string {
  if (!view.expiresAt) return 'none';
  if (view.finishedAt) return 'ended';
  const left = view.expiresAt.getTime() - now;
  return left >= 0 ? `in ${formatSpan(left)}` : `passed ${formatSpan(-left)} ago`;
}

function ttlCell(view: WorkerView, now: number): string {
  const ttl = `${formatSpan(view.ttlMs)}${view.ttlStamped ? '' : ' (policy)'}`;
  if (!view.removalDueAt) return ttl;
  const left = view.removalDueAt.getTime() - now;
  return left >= 0 ? `${ttl}, ${formatSpan(left)} left` : `${ttl}, over by ${formatSpan(-left)}`;
}

/** The `ls` table. */
export function renderWorkers(views: readonly WorkerView[], now: number, style: Style): string {
  if (views.length === 0) return 'No managed workers.';
  return table(
    ['SCOPE', 'WORKER', 'OWNER', 'AGE', 'STATE', 'PHASE', 'DEADLINE', 'TTL'],
    views.map((v) => [
      v.scope,
      v.workerId,
      ownerCell(v, style),
      formatSpan(Math.max(0, now - v.createdAt.getTime())),
      v.state,
      `${v.phase}${v.removing ? ' (removing)' : v.ready && v.phase === 'running' ? ' (ready)' : ''}`,
      deadlineCell(v, now),
      ttlCell(v, now),
    ]),
  );
}

const verbs = { stop: 'stopped', remove: 'removed' } as const;

/** The `explain` view. */
export function renderExplanation(explanation: Explanation, style: Style): string {
  const { view, now, steps, ownerRulesApply } = explanation;
  const lines = [
    `${paint(style, 'bold', view.workerId)} in scope ${view.scope}, owned by ${ownerCell(view, style)}`,
    `  state ${view.state}, phase ${view.phase}, age ${formatSpan(now - view.createdAt.getTime())}`,
    `  deadline ${view.expiresAt ? `${view.expiresAt.toISOString()} (${deadlineCell(view, now)})` : 'none stamped'}, TTL ${ttlCell(view, now)}`,
  ];
  if (steps.length === 0) {
    lines.push(
      '  No stamped rule ends it: only its job, its owner (idle timeout, the caller) or an operator will.',
    );
  }
  for (const step of steps) {
    const when =
      step.at.getTime() <= now
        ? paint(style, 'yellow', 'now')
        : `at ${step.at.toISOString()} (in ${formatSpan(step.at.getTime() - now)})`;
    const assumed = step.assumesStopAt ? ', once the stop takes effect' : '';
    const native = step.byInfrastructure ? ' by the infrastructure itself' : '';
    lines.push(
      `  ${when}: ${paint(style, step.action === 'remove' ? 'red' : 'yellow', verbs[step.action])}${native} by rule ${step.rule} (${step.reason}${assumed})`,
    );
  }
  if (ownerRulesApply) {
    lines.push(
      '  Its owner is alive and may act before these times (idle timeout, its caller); the reaper leaves it to its owner.',
    );
  } else {
    lines.push(
      `  Its owner is ${view.ownerState}: any manager of the scope, or the reaper, enforces these stamps.`,
    );
  }
  return lines.join('\n');
}
