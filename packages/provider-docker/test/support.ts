import { fileURLToPath } from 'node:url';
import type { WorkerSpec } from '@hodei/lifecycle-core';
import { pollUntil } from '@hodei/lifecycle-testkit';
import Docker from 'dockerode';
import { ensurePackageBuilt } from '../../../ensure-built.shared.js';

/** The engine's unix socket: DOCKER_HOST when it names one, else the usual path. */
export function engineSocketPath(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

export const TEST_IMAGE = 'hodei-test-worker:1';

/** A raw engine client for the tests' own checks and out-of-band actions. */
export const docker = new Docker();

/** The readiness probe of the test image (tools/docker-env/README.md). */
export const readyProbe = {
  command: 'test -f /tmp/ready',
  intervalMs: 250,
  retries: 1,
} as const;

/** A worker of the test image, driven by its WORKER_* environment variables. */
export function worker(
  env: Record<string, string> = {},
  extra: Partial<WorkerSpec> = {},
): WorkerSpec {
  return {
    image: TEST_IMAGE,
    env,
    ...extra,
    extensions: { docker: { healthcheck: readyProbe }, ...extra.extensions },
  };
}

/** Fails, saying what it needed, when no engine answers or the test image is missing. */
export async function requireEngine(): Promise<void> {
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `no Docker engine answers on ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}: run tools/docker-env/bin/up (${String(error)})`,
    );
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`image ${TEST_IMAGE} is missing: run tools/docker-env/bin/up`);
  }
}

/** Polls `read` until `done`; fails after `timeoutMs` saying what it waited for and the last value. */
export function waitUntil<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  return pollUntil(what, read, done, { timeoutMs, intervalMs });
}

/**
 * Containers carrying `hodei.io/managed-by=<scope>`, straight from the engine: the workers,
 * without the owner-lease containers of the managers (`hodei.io/lease`), unless `leases`.
 */
export async function containersOf(
  scope: string,
  options: { leases?: boolean } = {},
): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({
    all: true,
    filters: { label: [`hodei.io/managed-by=${scope}`] },
  });
  return options.leases ? all : all.filter((c) => c.Labels?.['hodei.io/lease'] === undefined);
}

/** Force-removes every container of these scopes (afterAll of each file). */
export async function purgeScopes(scopes: Iterable<string>): Promise<void> {
  for (const scope of scopes) {
    for (const info of await containersOf(scope, { leases: true })) {
      await docker
        .getContainer(info.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    }
  }
}

/** A scope name unique to this run. */
export function uniqueScope(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
}

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Builds this package's dist when a source file is newer: the fixture process imports it. */
export function ensureBuilt(): void {
  ensurePackageBuilt(packageDir);
}
