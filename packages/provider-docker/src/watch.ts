/**
 * The watch: the engine's event stream, filtered by the scope's label, turned into
 * observations. The loop around it is the kit's reflector: after a dropped connection
 * (dockerd restarting) it reconnects with `since`, re-lists, and reports everything it sees
 * plus a removal for what vanished meanwhile.
 */
import type { Readable } from 'node:stream';
import type { Clock, LifecycleError } from '@hodei/lifecycle-core/provider';
import {
  OwnershipKeys,
  type ReflectorEvent,
  reflect,
  type WorkerObservationV1,
  type WorkerRecordV1,
} from '@hodei/lifecycle-core/provider';
import type { EngineEvent } from './client.js';

/** Container actions that change what a record says. Health events match by prefix. */
export const WATCHED_ACTIONS = [
  'start',
  'restart',
  'die',
  'pause',
  'unpause',
  'oom',
  'destroy',
  'health_status',
];

export interface WatchDeps {
  /** Opens the event stream for these filters (since: unix seconds). */
  open(
    filters: Record<string, string[]>,
    since: number | undefined,
    signal: AbortSignal,
  ): Promise<Readable>;
  /** Exact state of one container (remembered), undefined when it is gone or not in the scope. */
  inspect(uid: string): Promise<ObservedContainer | undefined>;
  /** The last state known of a container, if any. */
  recall(uid: string): ObservedContainer | undefined;
  /** True while this provider itself stops or removes the container (its exit is expected). */
  stopping(uid: string): boolean;
  /** Remembers a state derived from events (or forgets a destroyed container). */
  remember(uid: string, observed: ObservedContainer | undefined): void;
  /** Every container of the selector, one call. */
  list(): Promise<WorkerRecordV1[]>;
  /** The reflector's time: its backoff and when it gives up. */
  readonly clock: Clock;
  /** Give up reconnecting after this long without a connection. */
  readonly reconnectTimeoutMs: number;
  /** Wraps a failure in the provider's typed error. */
  fail(error: unknown): LifecycleError;
}

/** A container's record, and whether it has a health check (readiness then waits for it). */
export interface ObservedContainer {
  readonly record: WorkerRecordV1;
  readonly hasHealth: boolean;
}

/**
 * The state after an event, derived without asking the engine, or undefined when only an
 * inspection can tell (an exit: its code, its OOM reason, whether a removal is under way).
 */
export function applyEvent(
  known: ObservedContainer,
  action: string,
  at: Date,
): ObservedContainer | undefined {
  const record = known.record;
  if (action === 'create') return known;
  if (action === 'start' || action === 'restart') {
    return {
      ...known,
      record: {
        ...record,
        phase: 'running',
        ready: !known.hasHealth, // a health check starts over
        exitCode: undefined,
        reason: undefined,
        startedAt: at,
        finishedAt: undefined,
      },
    };
  }
  if (action.startsWith('health_status')) {
    if (record.phase !== 'running' || record.reason === 'Paused') return known;
    const status = action.slice('health_status'.length).replace(/^:\s*/, '');
    return { ...known, record: { ...record, ready: status === 'healthy' } };
  }
  if (action === 'pause' && record.phase === 'running') {
    return { ...known, record: { ...record, ready: false, reason: 'Paused' } };
  }
  return undefined;
}

/**
 * The state after the exit of a container this provider is stopping itself: the event
 * carries the exit code, and no out-of-band removal can be under way, so no inspection.
 */
export function applyOwnExit(
  known: ObservedContainer,
  event: EngineEvent,
  at: Date,
): ObservedContainer | undefined {
  const raw = event.Actor?.Attributes?.exitCode;
  const exitCode = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : undefined;
  if (exitCode === undefined) return undefined;
  return {
    ...known,
    record: {
      ...known.record,
      phase: exitCode === 0 ? 'succeeded' : 'failed',
      ready: false,
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      finishedAt: at,
    },
  };
}

const eventTime = (event: EngineEvent): Date =>
  new Date(
    typeof event.timeNano === 'number'
      ? Math.floor(event.timeNano / 1e6)
      : (event.time ?? 0) * 1000,
  );

/** Splits a byte stream into parsed JSON lines. */
async function* jsonLines(stream: Readable): AsyncGenerator<EngineEvent> {
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== '') {
        try {
          yield JSON.parse(line) as EngineEvent;
        } catch {
          // not an event: skip it
        }
      }
      newline = pending.indexOf('\n');
    }
  }
}

/** Inspections run at once by one watch. */
const INSPECT_CONCURRENCY = 8;

/** A queue with one async consumer: what the event pump found, in the order it found it. */
class Channel<T> {
  private readonly items: T[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    this.notify();
  }
  end(failure?: { error: unknown }): void {
    this.ended = true;
    this.failure ??= failure;
    this.notify();
  }
  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

/**
 * Reads the event stream into the channel. Each container's events are handled in order:
 * starts, health changes and pauses update its last known state without a call; an exit (or
 * a container never seen) costs one inspection, and a burst of events queued meanwhile is
 * handled in one go. Different containers are handled concurrently, so one busy worker never
 * delays the news of another. A failed inspection ends the pump with that failure.
 */
async function pumpEvents(
  stream: Readable,
  channel: Channel<WorkerObservationV1>,
  inScope: (attributes: Record<string, string> | undefined) => boolean,
  onTime: (time: number) => void,
  deps: WatchDeps,
): Promise<void> {
  interface Track {
    readonly events: EngineEvent[];
    destroyed: string | undefined;
  }
  const tracks = new Map<string, Track>();
  const running = new Set<Promise<void>>();
  let slots = INSPECT_CONCURRENCY;
  const queue: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (slots > 0) {
      slots -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => queue.push(resolve));
  };
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else slots += 1;
  };
  let failure: { error: unknown } | undefined;

  const follow = (uid: string, track: Track) => {
    const task = (async () => {
      while (track.events.length > 0 && !failure) {
        const batch = track.events.splice(0);
        const before = deps.recall(uid);
        let observed = before;
        for (const event of batch) {
          if (!observed) break;
          const action = event.Action ?? event.status ?? '';
          observed =
            action === 'die' && deps.stopping(uid)
              ? applyOwnExit(observed, event, eventTime(event))
              : applyEvent(observed, action, eventTime(event));
        }
        if (observed) {
          deps.remember(uid, observed);
          if (observed === before) continue; // nothing new to say
        } else {
          await acquire();
          try {
            observed = await deps.inspect(uid);
          } catch (error) {
            failure ??= { error };
            stream.destroy();
            return;
          } finally {
            release();
          }
        }
        // Gone already, or being removed (`docker rm -f` kills it first, so its die event
        // comes while the removal runs): its destroy event follows. Reporting the dying
        // container would make it look as if it had ended by itself.
        if (observed && !observed.record.removing) {
          channel.push({ type: 'upsert', worker: observed.record });
        }
      }
      tracks.delete(uid);
      if (track.destroyed !== undefined && !failure) {
        deps.remember(uid, undefined);
        channel.push({ type: 'removed', workerId: track.destroyed, uid });
      }
    })();
    running.add(task);
    void task.finally(() => running.delete(task));
  };

  try {
    for await (const event of jsonLines(stream)) {
      if (typeof event.time === 'number') onTime(event.time);
      const uid = event.Actor?.ID ?? event.id;
      const action = event.Action ?? event.status ?? '';
      if (!uid || event.Type !== 'container' || !inScope(event.Actor?.Attributes)) continue;
      const track = tracks.get(uid);
      if (action === 'destroy') {
        const workerId = event.Actor?.Attributes?.[OwnershipKeys.workerId] ?? '';
        // After the container's pending work, so the removal is its last word.
        if (track) {
          track.destroyed = workerId;
        } else {
          deps.remember(uid, undefined);
          channel.push({ type: 'removed', workerId, uid });
        }
        continue;
      }
      if (track) {
        track.events.push(event); // handled after the work under way, in order
        continue;
      }
      const fresh: Track = { events: [event], destroyed: undefined };
      tracks.set(uid, fresh);
      follow(uid, fresh);
    }
  } catch (error) {
    failure ??= { error };
  }
  while (running.size > 0) await Promise.all([...running]);
  // The engine never ends the stream by itself: an end is a dropped connection (retryable).
  channel.end(
    failure ?? {
      error: Object.assign(new Error('the event stream ended'), { code: 'ECONNRESET' }),
    },
  );
}

/** What the reflector resumes from: the event stream opened just before the list. */
interface Opened {
  stream: Readable | undefined;
}

export function watchContainers(
  scope: string,
  labels: Readonly<Record<string, string>>,
  signal: AbortSignal,
  deps: WatchDeps,
): AsyncGenerator<WorkerObservationV1> {
  const filters = {
    type: ['container'],
    event: WATCHED_ACTIONS,
    label: [
      `${OwnershipKeys.managedBy}=${scope}`,
      ...Object.entries(labels).map(([key, value]) => `${key}=${value}`),
    ],
  };
  /** The time of the last event seen: a reconnection asks the engine for what followed it. */
  let since: number | undefined;
  // A container of the scope without a worker id (an owner-lease container) is no worker:
  // its events are skipped before any call.
  const inScope = (attributes: Record<string, string> | undefined) =>
    attributes?.[OwnershipKeys.managedBy] === scope &&
    Boolean(attributes[OwnershipKeys.workerId]) &&
    Object.entries(labels).every(([key, value]) => attributes[key] === value);

  return reflect<Opened>({
    signal,
    clock: deps.clock,
    giveUpAfterMs: deps.reconnectTimeoutMs,
    fail: deps.fail,
    describeTarget: 'the Docker engine',
    source: {
      async list(listSignal) {
        // The stream opens first: events from now on are buffered while the list runs.
        const startedAt = deps.clock.now();
        const stream = await deps.open(filters, since, listSignal);
        since ??= Math.floor(startedAt / 1000) - 1;
        try {
          return { records: await deps.list(), cursor: { stream } };
        } catch (error) {
          stream.destroy();
          throw error;
        }
      },
      async *watch(opened): AsyncGenerator<ReflectorEvent<Opened>> {
        const stream = opened.stream;
        opened.stream = undefined;
        if (!stream) {
          // Consumed already: only a new list (which opens a new stream) can go on.
          yield { type: 'relist' };
          return;
        }
        try {
          const channel = new Channel<WorkerObservationV1>();
          void pumpEvents(
            stream,
            channel,
            inScope,
            (time) => {
              since = time;
            },
            deps,
          );
          yield* channel.drain();
        } finally {
          stream.destroy();
        }
      },
    },
  });
}
