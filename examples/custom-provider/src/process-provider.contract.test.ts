// #region suite
import { runProviderContractSuite } from '@hodei/lifecycle-testkit';
import { describe, test } from 'vitest';
import { createProcessProvider, ProcessHost } from './index.ts';

const image = 'local/process';
const sh = (script: string, extensions?: object) => ({
  image,
  command: ['sh', '-c', script],
  ...(extensions ? { extensions: { process: extensions } } : {}),
});

runProviderContractSuite({
  test,
  describe,
  createProvider: async () => {
    const host = new ProcessHost(); // a fresh "node" per test
    const connect = () => createProcessProvider({ host, providerId: 'process-contract' });
    const provider = connect();
    return {
      provider,
      countCalls: () => host.calls.total,
      anotherInstance: connect, // a second provider on the same host
      cleanup: () => provider.close(),
    };
  },
  fixtures: {
    longRunning: { image, command: ['sleep', '600'] },
    completes: (code) => sh(`exit ${code}`),
    withLogs: {
      spec: sh('echo one; echo two; echo three; sleep 600'),
      lines: ['one', 'two', 'three'],
    },
    ignoresSigterm: sh('trap "" TERM; echo ignoring; sleep 600', { readyOnLine: 'ignoring' }),
    neverReady: sh('sleep 600', { readyOnLine: 'never printed' }),
    startsSlowly: sh('sleep 1.5; echo ready; sleep 600', { readyOnLine: 'ready' }),
    invalidSpecs: {
      'no command': { image },
      'an image': { image: 'busybox:1.36', command: ['true'] },
    },
  },
  timeouts: { readyMs: 5_000, completeMs: 5_000, removeMs: 5_000, gracePeriodMs: 500 },
});
// #endregion suite
