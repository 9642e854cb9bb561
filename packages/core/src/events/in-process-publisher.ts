import { BoundedFifo } from '../util/fifo.js';
import type { EventOfType, LifecycleEvent, LifecycleEventType } from './events.js';
import type { EventPublisher, PublishErrorHandler } from './publisher.js';

export type Unsubscribe = () => void;
export type EventHandler<E extends LifecycleEvent = LifecycleEvent> = (
  event: E,
) => void | PromiseLike<void>;

export interface InProcessPublisherOptions {
  /** Receives what a subscriber throws or rejects with. Default: ignored. */
  onSubscriberError?: PublishErrorHandler;
  /**
   * Events queued per subscriber (or iterator) before the oldest are dropped, so a subscriber
   * that never keeps up cannot grow memory without bound. Default 10 000.
   */
  maxQueuedPerSubscriber?: number;
}

export interface EventIterationOptions<T extends LifecycleEventType> {
  /** Only these types; all when absent. */
  types?: readonly T[];
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/**
 * An in-process event bus. Subscribers run one event at a time, in order, each on its own
 * queue: a slow subscriber delays only itself, a throwing one only loses that event.
 */
export interface InProcessPublisher extends EventPublisher, AsyncIterable<LifecycleEvent> {
  /** Every event. */
  subscribe(handler: EventHandler): Unsubscribe;
  /** Events of one type, or of several, typed by their payload. */
  subscribe<T extends LifecycleEventType>(
    type: T | readonly T[],
    handler: EventHandler<EventOfType<T>>,
  ): Unsubscribe;
  /** An async iterator of the events published from now on. */
  events<T extends LifecycleEventType = LifecycleEventType>(
    options?: EventIterationOptions<T>,
  ): AsyncIterableIterator<EventOfType<T>>;
  /** Number of live subscribers and iterators. */
  readonly subscriberCount: number;
  /** Ends every iterator and drops every subscriber. */
  close(): void;
}

interface Subscriber {
  accepts(event: LifecycleEvent): boolean;
  deliver(event: LifecycleEvent): void;
  end(): void;
}

export function createInProcessPublisher(
  options: InProcessPublisherOptions = {},
): InProcessPublisher {
  const capacity = options.maxQueuedPerSubscriber ?? 10_000;
  const onError = options.onSubscriberError ?? (() => {});
  const subscribers = new Set<Subscriber>();

  function queuedHandler(handler: EventHandler): Subscriber['deliver'] {
    const queue = new BoundedFifo<LifecycleEvent>(capacity);
    let draining = false;
    const drain = async () => {
      draining = true;
      for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
        try {
          await handler(event);
        } catch (error) {
          try {
            onError(error, event);
          } catch {
            // nowhere left to report
          }
        }
      }
      draining = false;
    };
    return (event) => {
      queue.push(event);
      // Delivery starts on a microtask, so publish() returns before any subscriber runs.
      if (!draining) queueMicrotask(() => void drain());
      draining = true;
    };
  }

  function typeFilter(types: readonly string[] | undefined) {
    return types === undefined ? () => true : (event: LifecycleEvent) => types.includes(event.type);
  }

  function subscribe(
    typeOrHandler: LifecycleEventType | readonly LifecycleEventType[] | EventHandler,
    maybeHandler?: EventHandler<never>,
  ): Unsubscribe {
    const handler = (
      typeof typeOrHandler === 'function' ? typeOrHandler : maybeHandler
    ) as EventHandler;
    const types =
      typeof typeOrHandler === 'function'
        ? undefined
        : typeof typeOrHandler === 'string'
          ? [typeOrHandler]
          : typeOrHandler;
    const subscriber: Subscriber = {
      accepts: typeFilter(types),
      deliver: queuedHandler(handler),
      end() {},
    };
    subscribers.add(subscriber);
    return () => {
      subscribers.delete(subscriber);
    };
  }

  function events<T extends LifecycleEventType>(
    iteration: EventIterationOptions<T> = {},
  ): AsyncIterableIterator<EventOfType<T>> {
    const buffer = new BoundedFifo<LifecycleEvent>(capacity);
    let waiting: ((result: IteratorResult<EventOfType<T>>) => void) | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      subscribers.delete(subscriber);
      iteration.signal?.removeEventListener('abort', finish);
      buffer.clear();
      waiting?.({ done: true, value: undefined });
      waiting = undefined;
    };
    const subscriber: Subscriber = {
      accepts: typeFilter(iteration.types),
      deliver(event) {
        if (waiting) {
          const resolve = waiting;
          waiting = undefined;
          resolve({ done: false, value: event as EventOfType<T> });
        } else {
          buffer.push(event);
        }
      },
      end: finish,
    };
    if (iteration.signal?.aborted) done = true;
    else {
      subscribers.add(subscriber);
      iteration.signal?.addEventListener('abort', finish, { once: true });
    }
    return {
      next() {
        const event = buffer.shift();
        if (event !== undefined)
          return Promise.resolve({ done: false, value: event as EventOfType<T> });
        if (done) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return() {
        finish();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  return {
    publish(event) {
      for (const subscriber of subscribers) {
        if (subscriber.accepts(event)) subscriber.deliver(event);
      }
    },
    subscribe: subscribe as InProcessPublisher['subscribe'],
    events,
    [Symbol.asyncIterator]: () => events(),
    get subscriberCount() {
      return subscribers.size;
    },
    close() {
      for (const subscriber of [...subscribers]) subscriber.end();
      subscribers.clear();
    },
  };
}
