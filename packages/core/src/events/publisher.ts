import type { LifecycleEvent } from './events.js';

/**
 * The publisher contract: one method. The manager never awaits it and never lets it throw
 * into its own work (see `safePublish`), so a slow or broken bus cannot stall the lifecycle.
 */
export interface EventPublisher {
  publish(event: LifecycleEvent): void | PromiseLike<void>;
}

/** Receives errors thrown by publishers or subscribers, which are otherwise swallowed. */
export type PublishErrorHandler = (error: unknown, event: LifecycleEvent) => void;

/** Publishes without blocking or throwing: sync throws and async rejections go to `onError`. */
export function safePublish(
  publisher: EventPublisher,
  event: LifecycleEvent,
  onError: PublishErrorHandler = () => {},
): void {
  try {
    const result = publisher.publish(event);
    if (result && typeof result.then === 'function') {
      result.then(undefined, (error: unknown) => reportSafely(onError, error, event));
    }
  } catch (error) {
    reportSafely(onError, error, event);
  }
}

function reportSafely(onError: PublishErrorHandler, error: unknown, event: LifecycleEvent): void {
  try {
    onError(error, event);
  } catch {
    // An error handler that throws has nowhere left to report to.
  }
}

/**
 * Adapts your own event bus (Kafka producer, NATS, an EventEmitter...) to the contract:
 * `createPublisherAdapter((event) => producer.send(topic, event))`. Errors and rejections of
 * `send` go to `onError`; the manager never waits for `send`.
 */
export function createPublisherAdapter(
  send: (event: LifecycleEvent) => unknown,
  options: { onError?: PublishErrorHandler } = {},
): EventPublisher {
  const wrapped: EventPublisher = { publish: (event) => send(event) as void | PromiseLike<void> };
  return { publish: (event) => safePublish(wrapped, event, options.onError) };
}

/** Sends every event to each publisher; one failing never stops the others. */
export function combinePublishers(
  publishers: readonly EventPublisher[],
  options: { onError?: PublishErrorHandler } = {},
): EventPublisher {
  return {
    publish(event) {
      for (const publisher of publishers) safePublish(publisher, event, options.onError);
    },
  };
}

/** A publisher that drops everything: the default when none is given. */
export const noopPublisher: EventPublisher = { publish() {} };
