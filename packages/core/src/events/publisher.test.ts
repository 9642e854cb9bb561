import { describe, expect, test, vi } from 'vitest';
import {
  combinePublishers,
  createInProcessPublisher,
  createPublisherAdapter,
  type LifecycleEvent,
  safePublish,
  type WorkerEphemeralReady,
} from './index.js';

const base = {
  providerId: 'memory-1',
  occurredAt: new Date('2026-01-01T00:00:00Z'),
  correlationId: 'c-1',
  actor: { kind: 'manager', instanceId: 'm-1' },
} as const;

const ready = (workerId: string): WorkerEphemeralReady => ({
  ...base,
  type: 'WorkerEphemeralReady',
  workerId,
});
const idle = (workerId: string): LifecycleEvent => ({
  ...base,
  type: 'WorkerEphemeralIdle',
  workerId,
  idleSince: base.occurredAt,
});

const idOf = (event: LifecycleEvent) => ('workerId' in event ? event.workerId : '-');

/** Lets queued microtasks and resolved promises run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('in-process publisher', () => {
  test('typed subscribe delivers only the chosen types, in order', async () => {
    const publisher = createInProcessPublisher();
    const seen: string[] = [];
    publisher.subscribe('WorkerEphemeralReady', (event) => {
      seen.push(`ready:${event.workerId}`);
    });
    publisher.subscribe(['WorkerEphemeralIdle'], (event) => {
      // typed: idleSince exists only on the idle event
      seen.push(`idle:${event.idleSince.toISOString()}`);
    });
    publisher.publish(ready('a'));
    publisher.publish(idle('b'));
    publisher.publish(ready('c'));
    await settle();
    expect(seen).toEqual(['ready:a', 'idle:2026-01-01T00:00:00.000Z', 'ready:c']);
  });

  test('publish returns before any subscriber runs', () => {
    const publisher = createInProcessPublisher();
    const handler = vi.fn();
    publisher.subscribe(handler);
    publisher.publish(ready('a'));
    expect(handler).not.toHaveBeenCalled();
  });

  test('a throwing subscriber loses only its own event; others and later events still arrive', async () => {
    const errors: unknown[] = [];
    const publisher = createInProcessPublisher({
      onSubscriberError: (error) => errors.push(error),
    });
    const good: string[] = [];
    const flaky: string[] = [];
    publisher.subscribe(() => {
      throw new Error('boom');
    });
    publisher.subscribe(async (event) => {
      if (idOf(event) === 'a') throw new Error('async boom');
      flaky.push(idOf(event));
    });
    publisher.subscribe((event) => {
      good.push(idOf(event));
    });
    expect(() => publisher.publish(ready('a'))).not.toThrow();
    publisher.publish(ready('b'));
    await settle();
    expect(good).toEqual(['a', 'b']);
    expect(flaky).toEqual(['b']);
    expect(errors).toHaveLength(3);
  });

  test('a slow subscriber delays only itself', async () => {
    const publisher = createInProcessPublisher();
    let release: () => void = () => {};
    const slowSeen: string[] = [];
    publisher.subscribe(async (event) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      slowSeen.push(idOf(event));
    });
    const fastSeen: string[] = [];
    publisher.subscribe((event) => {
      fastSeen.push(idOf(event));
    });
    publisher.publish(ready('a'));
    publisher.publish(ready('b'));
    await settle();
    expect(fastSeen).toEqual(['a', 'b']);
    expect(slowSeen).toEqual([]);
    release();
    await settle();
    release();
    await settle();
    expect(slowSeen).toEqual(['a', 'b']);
  });

  test('a subscriber that never keeps up drops its oldest events instead of growing', async () => {
    const errors: unknown[] = [];
    const publisher = createInProcessPublisher({
      maxQueuedPerSubscriber: 2,
      onSubscriberError: (e) => errors.push(e),
    });
    const seen: string[] = [];
    publisher.subscribe((event) => {
      seen.push(idOf(event));
    });
    for (const id of ['a', 'b', 'c', 'd']) publisher.publish(ready(id));
    await settle();
    expect(seen).toEqual(['c', 'd']);
  });

  test('unsubscribe stops delivery', async () => {
    const publisher = createInProcessPublisher();
    const handler = vi.fn();
    const unsubscribe = publisher.subscribe(handler);
    unsubscribe();
    publisher.publish(ready('a'));
    await settle();
    expect(handler).not.toHaveBeenCalled();
    expect(publisher.subscriberCount).toBe(0);
  });

  test('async iteration yields published events and ends on abort', async () => {
    const publisher = createInProcessPublisher();
    const controller = new AbortController();
    const received: LifecycleEvent[] = [];
    const consumer = (async () => {
      for await (const event of publisher.events({
        types: ['WorkerEphemeralReady'],
        signal: controller.signal,
      })) {
        received.push(event);
        if (received.length === 2) controller.abort();
      }
    })();
    await settle();
    publisher.publish(ready('a'));
    publisher.publish(idle('skip'));
    publisher.publish(ready('b'));
    await consumer;
    expect(received.map((e) => e.type === 'WorkerEphemeralReady' && e.workerId)).toEqual([
      'a',
      'b',
    ]);
    expect(publisher.subscriberCount).toBe(0);
  });

  test('for-await over the publisher itself, and close ends it', async () => {
    const publisher = createInProcessPublisher();
    const received: string[] = [];
    const consumer = (async () => {
      for await (const event of publisher) received.push(event.type);
    })();
    await settle();
    publisher.publish(ready('a'));
    await settle();
    publisher.close();
    await consumer;
    expect(received).toEqual(['WorkerEphemeralReady']);
  });

  test('an iterator with an already aborted signal ends at once', async () => {
    const publisher = createInProcessPublisher();
    const iterator = publisher.events({ signal: AbortSignal.abort() });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(publisher.subscriberCount).toBe(0);
  });
});

describe('adapters', () => {
  test('the adapter isolates a throwing or rejecting bus', async () => {
    const errors: unknown[] = [];
    const sync = createPublisherAdapter(
      () => {
        throw new Error('bus down');
      },
      { onError: (error) => errors.push(error) },
    );
    const async = createPublisherAdapter(() => Promise.reject(new Error('bus slow')), {
      onError: (error) => errors.push(error),
    });
    expect(() => sync.publish(ready('a'))).not.toThrow();
    expect(() => async.publish(ready('a'))).not.toThrow();
    await settle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['bus down', 'bus slow']);
  });

  test('the adapter hands every event to the bus', () => {
    const sent: LifecycleEvent[] = [];
    createPublisherAdapter((event) => sent.push(event)).publish(ready('a'));
    expect(sent).toEqual([ready('a')]);
  });

  test('combinePublishers reaches every publisher even when one throws', () => {
    const sent: string[] = [];
    const combined = combinePublishers([
      {
        publish() {
          throw new Error('first broken');
        },
      },
      { publish: (event) => void sent.push(event.type) },
    ]);
    combined.publish(ready('a'));
    expect(sent).toEqual(['WorkerEphemeralReady']);
  });

  test('safePublish survives an error handler that throws', () => {
    expect(() =>
      safePublish(
        {
          publish() {
            throw new Error('x');
          },
        },
        ready('a'),
        () => {
          throw new Error('handler broken too');
        },
      ),
    ).not.toThrow();
  });
});
