/**
 * From a validated spec and the ownership stamp to the engine's container configuration:
 * pure functions, so every rule (labels, limits, no privileges, no network) is unit-tested.
 */
import {
  mergeWithOwnership,
  type Ownership,
  parseCpuMillis,
  stampOwnership,
  type ValidatedWorkerSpec,
  type ValidationIssue,
  validateWorkerSpec,
  type WorkerSpec,
} from '@hodei/lifecycle-core/provider';
import { type DockerWorkerExtension, parseDockerExtension } from './extension.js';
import type { ResolvedDockerSettings } from './settings.js';

/** The engine refuses CPU limits under 0.01 CPU. */
export const MIN_DOCKER_CPU_MILLIS = 10;

/** The body of `POST /containers/create` as this provider fills it (API 1.41 field names). */
export interface ContainerCreateBody {
  Image: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env: string[];
  Labels: Record<string, string>;
  User?: string;
  WorkingDir?: string;
  Tty: false;
  OpenStdin: false;
  AttachStdin: false;
  AttachStdout: false;
  AttachStderr: false;
  Healthcheck?: {
    Test: string[];
    Interval: number;
    Timeout: number;
    Retries: number;
    StartPeriod: number;
  };
  HostConfig: {
    NetworkMode: string;
    NanoCpus?: number;
    Memory?: number;
    MemorySwap?: number;
    Privileged: boolean;
    CapDrop?: string[];
    CapAdd?: string[];
    SecurityOpt?: string[];
    Mounts?: Array<Record<string, unknown>>;
    ReadonlyRootfs?: boolean;
    PidsLimit?: number;
    Init?: boolean;
    RestartPolicy: { Name: 'no' };
    AutoRemove: false;
  };
}

export interface PreparedContainer {
  readonly name: string;
  readonly body: ContainerCreateBody;
  readonly spec: ValidatedWorkerSpec;
  readonly extension: DockerWorkerExtension;
}

/**
 * The container's name: `hodei_<scope>_<workerId>`. A worker id never contains '_', so the
 * name is unique per (scope, worker id), and the engine refuses a second one (409).
 */
export function containerName(scope: string, workerId: string): string {
  return `hodei_${scope}_${workerId}`;
}

const ns = (ms: number) => ms * 1_000_000;

/**
 * What Docker refuses beyond core's spec rules, on the spec as the caller wrote it (the kit
 * runs this with core's checks: one InvalidSpecError with every problem): `extensions.docker`,
 * a CPU limit under the engine's minimum, an annotation clashing with a label.
 */
export function checkDockerSpec(
  spec: WorkerSpec,
  settings: ResolvedDockerSettings,
  issues: ValidationIssue[],
): DockerWorkerExtension {
  const extension = parseDockerExtension(spec.extensions?.docker, settings.allowPrivileged, issues);
  const cpuMillis = parseCpuMillis(spec.resources?.cpu);
  if (cpuMillis !== undefined && cpuMillis < MIN_DOCKER_CPU_MILLIS) {
    issues.push({
      path: 'resources.cpu',
      message: `must be at least ${MIN_DOCKER_CPU_MILLIS}m: Docker refuses less than 0.01 CPU`,
    });
  }
  // Docker has no annotations: they become labels, so one key cannot mean two things.
  const labels = isRecord(spec.labels) ? spec.labels : {};
  for (const [key, value] of Object.entries(isRecord(spec.annotations) ? spec.annotations : {})) {
    const label = labels[key];
    if (label !== undefined && label !== value) {
      issues.push({
        path: `annotations.${key}`,
        message: `Docker keeps annotations as labels, and labels.${key} has another value`,
      });
    }
  }
  return extension;
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value != null && typeof value === 'object' && !Array.isArray(value);

/**
 * Validates everything that can be refused without the engine (spec, `extensions.docker`,
 * Docker-only limits) and builds the container. Throws InvalidSpecError listing every
 * problem, or InvalidOptionsError for a bad ownership stamp.
 */
export function prepareContainer(
  rawSpec: WorkerSpec,
  ownership: Ownership,
  settings: ResolvedDockerSettings,
): PreparedContainer {
  const issues: ValidationIssue[] = [];
  const extension = checkDockerSpec(rawSpec, settings, issues);
  const spec = validateWorkerSpec(rawSpec, issues);
  return buildContainer(spec, extension, ownership, settings);
}

/** The container of a validated spec: pure, so every rule is unit-tested. */
export function buildContainer(
  spec: ValidatedWorkerSpec,
  extension: DockerWorkerExtension,
  ownership: Ownership,
  settings: ResolvedDockerSettings,
): PreparedContainer {
  const cpuMillis = spec.resources.cpuMillis;
  const stamp = stampOwnership(ownership);

  const labels = mergeWithOwnership(
    { ...spec.annotations, ...spec.labels },
    { ...stamp.labels, ...stamp.annotations },
  );
  const hostConfig: ContainerCreateBody['HostConfig'] = {
    NetworkMode: extension.network ?? settings.defaultNetwork,
    Privileged: extension.privileged === true,
    RestartPolicy: { Name: 'no' },
    AutoRemove: false,
  };
  if (!hostConfig.Privileged) {
    hostConfig.CapDrop = ['ALL'];
    if (extension.capAdd && extension.capAdd.length > 0) hostConfig.CapAdd = [...extension.capAdd];
    hostConfig.SecurityOpt = ['no-new-privileges'];
  }
  if (cpuMillis !== undefined) hostConfig.NanoCpus = cpuMillis * 1_000_000;
  const memory = spec.resources.memoryBytes;
  if (memory !== undefined) {
    hostConfig.Memory = memory;
    hostConfig.MemorySwap = memory; // a hard limit: no swap beyond it
  }
  if (extension.mounts && extension.mounts.length > 0) {
    hostConfig.Mounts = extension.mounts.map((mount) => {
      switch (mount.type) {
        case 'bind':
          return {
            Type: 'bind',
            Source: mount.source,
            Target: mount.target,
            ReadOnly: mount.readOnly ?? false,
          };
        case 'volume':
          return {
            Type: 'volume',
            ...(mount.source === undefined ? {} : { Source: mount.source }),
            Target: mount.target,
            ReadOnly: mount.readOnly ?? false,
          };
        case 'tmpfs':
          return {
            Type: 'tmpfs',
            Target: mount.target,
            ...(mount.sizeBytes === undefined
              ? {}
              : { TmpfsOptions: { SizeBytes: mount.sizeBytes } }),
          };
      }
      return {};
    });
  }
  if (extension.readOnlyRootfs !== undefined) hostConfig.ReadonlyRootfs = extension.readOnlyRootfs;
  if (extension.pidsLimit !== undefined) hostConfig.PidsLimit = extension.pidsLimit;
  if (extension.init !== undefined) hostConfig.Init = extension.init;

  const body: ContainerCreateBody = {
    Image: spec.image,
    Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
    Labels: labels,
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: hostConfig,
  };
  // As on Kubernetes: `command` replaces the image's entrypoint (and drops its CMD), `args` its CMD.
  if (spec.command !== undefined) body.Entrypoint = [...spec.command];
  if (spec.args !== undefined) body.Cmd = [...spec.args];
  else if (spec.command !== undefined) body.Cmd = [];
  if (extension.user !== undefined) body.User = extension.user;
  if (extension.workingDir !== undefined) body.WorkingDir = extension.workingDir;
  const check = extension.healthcheck;
  if (check) {
    const defaults = settings.healthcheck;
    body.Healthcheck = {
      Test:
        typeof check.command === 'string'
          ? ['CMD-SHELL', check.command]
          : ['CMD', ...check.command],
      Interval: ns(check.intervalMs ?? defaults.intervalMs),
      Timeout: ns(check.timeoutMs ?? defaults.timeoutMs),
      Retries: check.retries ?? defaults.retries,
      StartPeriod: ns(check.startPeriodMs ?? defaults.startPeriodMs),
    };
  }
  return { name: containerName(ownership.scope, ownership.workerId), body, spec, extension };
}
