import {
  InvalidOptionsError,
  InvalidSpecError,
  type Ownership,
  OwnershipKeys,
  readOwnership,
  type WorkerSpec,
} from '@hodei/lifecycle-core';
import { describe, expect, test } from 'vitest';
import { containerName, prepareContainer } from './container-config.js';
import { resolveDockerSettings } from './settings.js';

const settings = resolveDockerSettings({}, {});
const ownership: Ownership = {
  scope: 'team-a',
  workerId: 'w-1',
  providerId: 'docker',
  owner: 'mgr-1',
  expiresAt: new Date('2026-01-01T01:00:00.000Z'),
  ttlAfterFinishedSeconds: 120,
};

const pathsOf = (spec: WorkerSpec, options = settings) => {
  try {
    prepareContainer(spec, ownership, options);
  } catch (error) {
    if (InvalidSpecError.isInstance(error)) return error.issues.map((i) => i.path);
    throw error;
  }
  return [];
};

describe('container configuration', () => {
  test('a minimal spec: no network, no privileges, every capability dropped, no mounts', () => {
    const { name, body } = prepareContainer({ image: 'busybox:1.36' }, ownership, settings);
    expect(name).toBe('hodei_team-a_w-1');
    expect(body.Image).toBe('busybox:1.36');
    expect(body.HostConfig).toEqual({
      NetworkMode: 'none',
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'no' },
      AutoRemove: false,
    });
    expect(body.Healthcheck).toBeUndefined();
    expect(body.Entrypoint).toBeUndefined();
    expect(body.Cmd).toBeUndefined();
  });

  test('labels: the stamp (deadline and TTL included), user labels and annotations', () => {
    const { body } = prepareContainer(
      {
        image: 'busybox:1.36',
        labels: { team: 'a' },
        annotations: { 'example.com/note': 'any text, spaces too' },
      },
      ownership,
      settings,
    );
    expect(body.Labels).toEqual({
      team: 'a',
      'example.com/note': 'any text, spaces too',
      [OwnershipKeys.managedBy]: 'team-a',
      [OwnershipKeys.workerId]: 'w-1',
      [OwnershipKeys.providerId]: 'docker',
      [OwnershipKeys.owner]: 'mgr-1',
      [OwnershipKeys.expiresAt]: '2026-01-01T01:00:00.000Z',
      [OwnershipKeys.ttlAfterFinished]: '120',
    });
    expect(readOwnership({ labels: body.Labels, annotations: {} })).toEqual(ownership);
  });

  test('command replaces the entrypoint (and drops the image CMD); args replace CMD', () => {
    const both = prepareContainer(
      { image: 'busybox:1.36', command: ['sh', '-c'], args: ['echo hi'] },
      ownership,
      settings,
    ).body;
    expect([both.Entrypoint, both.Cmd]).toEqual([['sh', '-c'], ['echo hi']]);
    const command = prepareContainer(
      { image: 'busybox:1.36', command: ['true'] },
      ownership,
      settings,
    ).body;
    expect([command.Entrypoint, command.Cmd]).toEqual([['true'], []]);
    const args = prepareContainer({ image: 'busybox:1.36', args: ['x'] }, ownership, settings).body;
    expect([args.Entrypoint, args.Cmd]).toEqual([undefined, ['x']]);
  });

  test('resources become NanoCpus and a hard memory limit', () => {
    const { body } = prepareContainer(
      { image: 'busybox:1.36', resources: { cpu: '250m', memory: '64Mi' } },
      ownership,
      settings,
    );
    expect(body.HostConfig.NanoCpus).toBe(250_000_000);
    expect(body.HostConfig.Memory).toBe(64 * 2 ** 20);
    expect(body.HostConfig.MemorySwap).toBe(64 * 2 ** 20);
  });

  test('the docker extension: network, mounts, health check, user, capabilities', () => {
    const { body } = prepareContainer(
      {
        image: 'busybox:1.36',
        env: { A: '1' },
        extensions: {
          docker: {
            network: 'host',
            mounts: [
              { type: 'bind', source: '/srv/data', target: '/data', readOnly: true },
              { type: 'volume', target: '/cache' },
              { type: 'tmpfs', target: '/scratch', sizeBytes: 1024 },
            ],
            healthcheck: { command: ['test', '-f', '/tmp/ready'], intervalMs: 500 },
            user: '1000:1000',
            workingDir: '/work',
            capAdd: ['CHOWN'],
            readOnlyRootfs: true,
            pidsLimit: 64,
            init: true,
          },
        },
      },
      ownership,
      settings,
    );
    expect(body.Env).toEqual(['A=1']);
    expect(body.HostConfig).toMatchObject({
      NetworkMode: 'host',
      CapDrop: ['ALL'],
      CapAdd: ['CHOWN'],
      ReadonlyRootfs: true,
      PidsLimit: 64,
      Init: true,
      Mounts: [
        { Type: 'bind', Source: '/srv/data', Target: '/data', ReadOnly: true },
        { Type: 'volume', Target: '/cache', ReadOnly: false },
        { Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1024 } },
      ],
    });
    expect(body.Healthcheck).toEqual({
      Test: ['CMD', 'test', '-f', '/tmp/ready'],
      Interval: 500_000_000,
      Timeout: 5_000_000_000,
      Retries: 3,
      StartPeriod: 0,
    });
    expect(body.User).toBe('1000:1000');
    expect(body.WorkingDir).toBe('/work');
  });

  test('a shell health check, and privileged only when the settings allow it', () => {
    const spec: WorkerSpec = {
      image: 'busybox:1.36',
      extensions: { docker: { privileged: true, healthcheck: { command: 'test -f /r' } } },
    };
    expect(pathsOf(spec)).toEqual(['extensions.docker.privileged']);
    const allowed = resolveDockerSettings({ allowPrivileged: true }, {});
    const { body } = prepareContainer(spec, ownership, allowed);
    expect(body.HostConfig.Privileged).toBe(true);
    expect(body.HostConfig.CapDrop).toBeUndefined();
    expect(body.Healthcheck?.Test).toEqual(['CMD-SHELL', 'test -f /r']);
  });

  test('refusals name every bad field of the extension', () => {
    expect(
      pathsOf({
        image: 'busybox:1.36',
        extensions: {
          docker: {
            network: 'bad net',
            mounts: [
              { type: 'bind', source: 'relative', target: '/x' },
              { type: 'nfs', target: '/y' },
              { type: 'tmpfs', target: '/', sizeBytes: -1 },
            ],
            healthcheck: { command: [], intervalMs: 0 },
            user: 'a b',
            workingDir: 'rel',
            capAdd: ['ALL', 'chown'],
            privileged: 'no',
            pidsLimit: 0,
            extra: 1,
          },
        },
      }).sort(),
    ).toEqual(
      [
        'extensions.docker.network',
        'extensions.docker.mounts.0.source',
        'extensions.docker.mounts.1.type',
        'extensions.docker.mounts.2.target',
        'extensions.docker.mounts.2.sizeBytes',
        'extensions.docker.healthcheck.command',
        'extensions.docker.healthcheck.intervalMs',
        'extensions.docker.user',
        'extensions.docker.workingDir',
        'extensions.docker.capAdd.0',
        'extensions.docker.capAdd.1',
        'extensions.docker.privileged',
        'extensions.docker.pidsLimit',
        'extensions.docker.extra',
      ].sort(),
    );
    expect(pathsOf({ image: 'busybox:1.36', extensions: { docker: 'host' } })).toEqual([
      'extensions.docker',
    ]);
  });

  test('Docker-only refusals: CPU under 0.01, an annotation clashing with a label', () => {
    expect(pathsOf({ image: 'busybox:1.36', resources: { cpu: '9m' } })).toEqual(['resources.cpu']);
    expect(
      pathsOf({ image: 'busybox:1.36', labels: { team: 'a' }, annotations: { team: 'b' } }),
    ).toEqual(['annotations.team']);
    expect(
      pathsOf({ image: 'busybox:1.36', labels: { team: 'a' }, annotations: { team: 'a' } }),
    ).toEqual([]);
  });

  test('the core validation runs first, and a bad ownership stamp is InvalidOptionsError', () => {
    expect(pathsOf({ image: 'Not Valid' })).toEqual(['image']);
    expect(() =>
      prepareContainer({ image: 'busybox:1.36' }, { ...ownership, workerId: 'Bad_Id' }, settings),
    ).toThrow(expect.objectContaining({ code: 'LIFECYCLE_INVALID_OPTIONS' }));
    expect(InvalidOptionsError.isInstance(new InvalidOptionsError('x', []))).toBe(true);
  });

  test('names are unique per scope and worker id (a worker id never holds an underscore)', () => {
    expect(containerName('s', 'w-1')).toBe('hodei_s_w-1');
    expect(containerName('a_b', 'c')).not.toBe(containerName('a', 'b-c'));
  });
});
