import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { expect, test } from 'vitest';
import { setup, testPolicy, workerSpec } from '../../test/lifecycle-setup.js';

/** The SDK's pull reader, collected on demand: what an application's exporter would see. */
class InMemoryReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  async values(): Promise<Map<string, number>> {
    const { resourceMetrics } = await this.collect();
    const values = new Map<string, number>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints) {
          const value = point.value as number | { count: number };
          const n = typeof value === 'number' ? value : value.count;
          values.set(metric.descriptor.name, (values.get(metric.descriptor.name) ?? 0) + n);
        }
      }
    }
    return values;
  }
}

test('the four metrics of the plan, and more, read back through the OpenTelemetry SDK', async () => {
  const reader = new InMemoryReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const { manager, infrastructure, clock } = setup({
    options: {
      meter: meterProvider.getMeter('test'),
      policy: { ...testPolicy, ttlAfterCompletion: 0 },
    },
  });
  await manager.createWorker(workerSpec({ runForMs: 1_000 }), { workerId: 'w-1' });
  await manager.createWorker(workerSpec(), { workerId: 'w-2' });
  infrastructure.faults.failRemoves(1);
  infrastructure.vanish('w-2');
  await clock.advance(1_000); // w-1 completes; its first removal fails
  await clock.advance(1_000); // the retry succeeds
  await manager.collectGarbage();

  const values = await reader.values();
  expect(values.get('hodei.lifecycle.workers.created')).toBe(2);
  expect(values.get('hodei.lifecycle.workers.cleaned')).toBe(2);
  expect(values.get('hodei.lifecycle.orphans.detected')).toBe(1);
  expect(values.get('hodei.lifecycle.gc.duration')).toBe(2); // the start-up run and ours
  expect(values.get('hodei.lifecycle.removal.failures')).toBe(1);
  expect(values.get('hodei.lifecycle.workers.tracked')).toBe(0);
  await meterProvider.shutdown();
});

test('without an SDK the metrics are a no-op and cost nothing to call', async () => {
  const { manager, clock } = setup();
  await manager.createWorker(workerSpec({ runForMs: 1_000 }));
  await clock.advance(120_000);
  expect(manager.workers()).toEqual([]);
});
