import { runProviderContractSuite } from '@hodei/lifecycle-testkit';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { type FakeCloud, startFakeCloud } from './fake-cloud.js';
import { createRestCloudProvider, REST_CLOUD_IMAGE } from './rest-cloud-provider.js';

let cloud: FakeCloud;
beforeAll(async () => {
  cloud = await startFakeCloud();
});
afterAll(() => cloud.close());

const image = REST_CLOUD_IMAGE;

runProviderContractSuite({
  test,
  describe,
  suiteName: 'REST-cloud provider (written with the kit): contract v1',
  capabilities: {
    stop: true,
    watch: true,
    logs: true,
    health: true,
    nativeDeadline: false,
    nativeTtl: false,
  },
  createProvider: async () => {
    const provider = createRestCloudProvider({ endpoint: cloud.url, pollIntervalMs: 20 });
    return { provider, countCalls: () => cloud.requests, cleanup: () => provider.close() };
  },
  fixtures: {
    longRunning: { image, command: ['serve'] },
    completes: (code) => ({ image, command: ['exit', String(code)] }),
    withLogs: {
      spec: { image, command: ['print', 'one', 'two', 'three'] },
      lines: ['one', 'two', 'three'],
    },
    invalidSpecs: {
      'no command': { image },
      'another image': { image: 'busybox:1.36', command: ['serve'] },
    },
  },
  timeouts: { readyMs: 5_000, completeMs: 5_000, removeMs: 5_000, gracePeriodMs: 100 },
});
