import { InvalidOptionsError } from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import { createDockerProvider, dockerProviderPlugin } from './index.js';
import { resolveDockerSettings } from './settings.js';

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (InvalidOptionsError.isInstance(error)) return error.issues.map((i) => i.path);
    throw error;
  }
  return [];
};

describe('settings', () => {
  test('defaults: provider id docker, no network, 10 s grace, a 1 s health interval', () => {
    const settings = resolveDockerSettings({}, {});
    expect(settings.providerId).toBe('docker');
    expect(settings.defaultNetwork).toBe('none');
    expect(settings.defaultGracePeriodMs).toBe(10_000);
    expect(settings.healthcheck).toEqual({
      intervalMs: 1_000,
      timeoutMs: 5_000,
      retries: 3,
      startPeriodMs: 0,
    });
    expect(settings.allowPrivileged).toBe(false);
    expect(settings.connection.kind).toBe('socket');
  });

  test('DOCKER_HOST: unix sockets and tcp addresses', () => {
    expect(resolveDockerSettings({}, { DOCKER_HOST: 'unix:///run/x.sock' }).connection).toEqual({
      kind: 'socket',
      socketPath: '/run/x.sock',
    });
    expect(resolveDockerSettings({}, { DOCKER_HOST: 'tcp://127.0.0.1:2375' }).connection).toEqual({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 2375,
      protocol: 'http',
    });
    expect(resolveDockerSettings({}, { DOCKER_HOST: 'tcp://localhost' }).connection).toMatchObject({
      port: 2375,
    });
    expect(issuesOf(() => resolveDockerSettings({}, { DOCKER_HOST: 'ssh://me@host' }))).toEqual([
      'DOCKER_HOST',
    ]);
    expect(issuesOf(() => resolveDockerSettings({}, { DOCKER_HOST: 'unix://' }))).toEqual([
      'DOCKER_HOST',
    ]);
  });

  test('explicit connection settings win over DOCKER_HOST', () => {
    const env = { DOCKER_HOST: 'tcp://10.0.0.1:2375' };
    expect(resolveDockerSettings({ socketPath: '/tmp/d.sock' }, env).connection).toEqual({
      kind: 'socket',
      socketPath: '/tmp/d.sock',
    });
    expect(
      resolveDockerSettings({ host: '127.0.0.1', ca: 'pem', cert: 'pem', key: 'pem' }, env)
        .connection,
    ).toMatchObject({ kind: 'tcp', protocol: 'https', port: 2376 });
  });

  test('every problem is listed in one InvalidOptionsError', () => {
    const bad = {
      providerId: 'not a label!',
      port: 70_000,
      host: 'x',
      socketPath: '/s',
      defaultGracePeriodMs: -1,
      requestTimeoutMs: 0,
      defaultNetwork: 'bad net',
      apiVersion: 'v2',
      healthcheck: { intervalMs: 0, every: 1 },
      allowPrivileged: 'yes',
      surprise: true,
    } as unknown as Parameters<typeof createDockerProvider>[0];
    expect(issuesOf(() => createDockerProvider(bad)).sort()).toEqual(
      [
        'providerId',
        'port',
        'host',
        'defaultGracePeriodMs',
        'requestTimeoutMs',
        'defaultNetwork',
        'apiVersion',
        'healthcheck.intervalMs',
        'healthcheck.every',
        'allowPrivileged',
        'surprise',
      ].sort(),
    );
  });

  test('the plugin creates a docker provider with its declared capabilities', async () => {
    const provider = dockerProviderPlugin.create({ providerId: 'plugged' });
    expect(dockerProviderPlugin.type).toBe('docker');
    expect(provider.type).toBe('docker');
    expect(provider.providerId).toBe('plugged');
    expect(provider.capabilities).toMatchObject({ stop: true, watch: true, nativeTtl: false });
    await provider.close?.();
  });
});
