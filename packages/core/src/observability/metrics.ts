import { type Attributes, type Meter, metrics } from '@opentelemetry/api';

/**
 * Metrics through the OpenTelemetry API: a no-op until the application installs an SDK
 * (a MeterProvider), so they cost nothing for those who do not collect them.
 */
export interface LifecycleMetrics {
  workerCreated(attributes: Attributes): void;
  workerCleaned(attributes: Attributes): void;
  orphanDetected(attributes: Attributes): void;
  gcCompleted(durationMs: number, attributes: Attributes): void;
  /** A failed removal (or read-back confirming one); `terminal` says whether it is a refusal. */
  removalFailed(attributes: Attributes): void;
  /** A failed stop; `terminal` says whether it is a refusal. */
  stopFailed(attributes: Attributes): void;
}

export const meterName = '@hodei/lifecycle-core';

export function createLifecycleMetrics(
  meter: Meter | undefined,
  trackedWorkers: () => number,
  baseAttributes: Attributes,
): LifecycleMetrics {
  const m = meter ?? metrics.getMeter(meterName);
  const created = m.createCounter('hodei.lifecycle.workers.created', {
    description: 'Workers created through the lifecycle manager',
  });
  const cleaned = m.createCounter('hodei.lifecycle.workers.cleaned', {
    description: 'Workers whose removal was confirmed',
  });
  const orphans = m.createCounter('hodei.lifecycle.orphans.detected', {
    description: 'Lost workers and orphan resources detected',
  });
  const gcDuration = m.createHistogram('hodei.lifecycle.gc.duration', {
    description: 'Duration of one garbage collection (resync) run',
    unit: 'ms',
  });
  const removalFailures = m.createCounter('hodei.lifecycle.removal.failures', {
    description:
      'Failed removal attempts (retried with backoff; refusals, terminal=true, at the resync interval)',
  });
  const stopFailures = m.createCounter('hodei.lifecycle.stop.failures', {
    description:
      'Failed stop attempts (retried with backoff; refusals, terminal=true, at the resync interval)',
  });
  m.createObservableGauge('hodei.lifecycle.workers.tracked', {
    description: 'Workers tracked by this manager',
  }).addCallback((result) => result.observe(trackedWorkers(), baseAttributes));
  const withBase = (attributes: Attributes) => ({ ...baseAttributes, ...attributes });
  return {
    workerCreated: (a) => created.add(1, withBase(a)),
    workerCleaned: (a) => cleaned.add(1, withBase(a)),
    orphanDetected: (a) => orphans.add(1, withBase(a)),
    gcCompleted: (ms, a) => gcDuration.record(ms, withBase(a)),
    removalFailed: (a) => removalFailures.add(1, withBase(a)),
    stopFailed: (a) => stopFailures.add(1, withBase(a)),
  };
}
