/**
 * An EventPublisher that keeps every event, with assertions whose failures read well:
 * "expected WorkerEphemeralCreated, WorkerEphemeralReady for w-1, got WorkerEphemeralCreated".
 */
import { AssertionError } from 'node:assert';
import type {
  EventOfType,
  EventPublisher,
  LifecycleEvent,
  LifecycleEventType,
} from '@hodei/lifecycle-core';

export interface WaitForOptions {
  /** Real milliseconds to wait before failing. Default 2 000. */
  readonly timeoutMs?: number;
}

export interface EventRecorder extends EventPublisher {
  /** Every event published, in order. */
  readonly events: readonly LifecycleEvent[];
  /** The events of one type, typed by their payload. */
  ofType<T extends LifecycleEventType>(type: T): EventOfType<T>[];
  /** The events about one worker. */
  forWorker(workerId: string): LifecycleEvent[];
  /** The types of the events about one worker, in order. */
  typesFor(workerId: string): LifecycleEventType[];
  clear(): void;
  /** The worker's events are exactly these types, in this order. */
  expectSequence(workerId: string, types: readonly LifecycleEventType[]): void;
  /**
   * These types occur among the worker's events, in this order (others may come between).
   * Without a worker id (`expectContains(types)`), among all events.
   */
  expectContains(workerId: string, types: readonly LifecycleEventType[]): void;
  expectContains(types: readonly LifecycleEventType[]): void;
  /** No event of this type (about this worker, when given) was published. */
  expectNone(type: LifecycleEventType, workerId?: string): void;
  /**
   * Resolves with the first event of the type (matching the predicate) already recorded or
   * published later; rejects when none comes within `timeoutMs` of real time.
   */
  waitFor<T extends LifecycleEventType>(
    type: T,
    predicate?: (event: EventOfType<T>) => boolean,
    options?: WaitForOptions,
  ): Promise<EventOfType<T>>;
}

const workerIdOf = (event: LifecycleEvent): string | undefined =>
  'workerId' in event ? event.workerId : undefined;

const list = (types: readonly string[]) => (types.length === 0 ? '(none)' : types.join(', '));

/** True when `wanted` appears in `actual` in order, possibly with other items between. */
function isSubsequence(wanted: readonly string[], actual: readonly string[]): boolean {
  let index = 0;
  for (const item of actual) {
    if (item === wanted[index]) index += 1;
    if (index === wanted.length) return true;
  }
  return index === wanted.length;
}

interface Waiter {
  accepts(event: LifecycleEvent): boolean;
  resolve(event: LifecycleEvent): void;
  reject(error: unknown): void;
}

export function createEventRecorder(): EventRecorder {
  const events: LifecycleEvent[] = [];
  const waiters = new Set<Waiter>();

  const forWorker = (workerId: string) => events.filter((e) => workerIdOf(e) === workerId);
  const typesFor = (workerId: string) => forWorker(workerId).map((e) => e.type);

  function expectContains(
    first: string | readonly LifecycleEventType[],
    second?: readonly LifecycleEventType[],
  ): void {
    const workerId = typeof first === 'string' ? first : undefined;
    const wanted = typeof first === 'string' ? (second ?? []) : first;
    const actual = workerId === undefined ? events.map((e) => e.type) : typesFor(workerId);
    if (!isSubsequence(wanted, actual)) {
      throw new AssertionError({
        message: `expected events ${list(wanted)} in this order${
          workerId === undefined ? '' : ` for worker ${workerId}`
        }, got ${list(actual)}`,
        expected: wanted,
        actual,
        operator: 'expectContains',
      });
    }
  }

  return {
    publish(event) {
      events.push(event);
      for (const waiter of waiters) {
        // A throwing predicate fails its own wait, never the publisher.
        try {
          if (waiter.accepts(event)) waiter.resolve(event);
        } catch (error) {
          waiter.reject(error);
        }
      }
    },
    get events() {
      return events;
    },
    ofType: <T extends LifecycleEventType>(type: T) =>
      events.filter((e): e is EventOfType<T> => e.type === type),
    forWorker,
    typesFor,
    clear() {
      events.length = 0;
    },
    expectSequence(workerId, types) {
      const actual = typesFor(workerId);
      const same = actual.length === types.length && actual.every((type, i) => type === types[i]);
      if (!same) {
        throw new AssertionError({
          message: `expected exactly ${list(types)} for worker ${workerId}, got ${list(actual)}`,
          expected: [...types],
          actual,
          operator: 'expectSequence',
        });
      }
    },
    expectContains: expectContains as EventRecorder['expectContains'],
    expectNone(type, workerId) {
      const found = events.filter(
        (e) => e.type === type && (workerId === undefined || workerIdOf(e) === workerId),
      );
      if (found.length > 0) {
        const about = workerId === undefined ? '' : ` for worker ${workerId}`;
        throw new AssertionError({
          message: `expected no ${type}${about}, got ${found.length}: ${JSON.stringify(found[0])}`,
          expected: [],
          actual: found.map((e) => e.type),
          operator: 'expectNone',
        });
      }
    },
    waitFor<T extends LifecycleEventType>(
      type: T,
      predicate?: (event: EventOfType<T>) => boolean,
      options: WaitForOptions = {},
    ): Promise<EventOfType<T>> {
      const timeoutMs = options.timeoutMs ?? 2_000;
      const accepts = (e: LifecycleEvent): e is EventOfType<T> =>
        e.type === type && (predicate === undefined || predicate(e as EventOfType<T>));
      let already: EventOfType<T> | undefined;
      try {
        already = events.find(accepts);
      } catch (error) {
        return Promise.reject(error);
      }
      if (already) return Promise.resolve(already);
      // Event-driven, with a real-time bound: no polling delay, and never waits forever.
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          accepts,
          resolve(event) {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(event as EventOfType<T>);
          },
          reject(error) {
            clearTimeout(timer);
            waiters.delete(waiter);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = events.map((e) => `${e.type}${workerIdOf(e) ? `(${workerIdOf(e)})` : ''}`);
          reject(
            new AssertionError({
              message: `waited ${timeoutMs} ms for ${type}${
                predicate ? ' matching the predicate' : ''
              }; recorded so far: ${list(seen)}`,
              operator: 'waitFor',
            }),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}
