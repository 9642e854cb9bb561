/**
 * `spec.extensions.docker`: what only Docker understands. Validated before any engine call;
 * a bad value is an InvalidSpecError whose paths start with `extensions.docker`.
 */
import type { ValidationIssue } from '@hodei/lifecycle-core/provider';
import { dockerNamePattern } from './settings.js';

/** A mount the spec asks for. Nothing from the host is mounted unless a spec asks. */
export type DockerMount =
  | {
      /** A host path, mounted into the container. */
      readonly type: 'bind';
      /** Absolute path on the engine's host. */
      readonly source: string;
      readonly target: string;
      readonly readOnly?: boolean;
    }
  | {
      /** A named volume (created if missing), or an anonymous one without `source`. */
      readonly type: 'volume';
      readonly source?: string;
      readonly target: string;
      readonly readOnly?: boolean;
    }
  | {
      /** A tmpfs in memory. */
      readonly type: 'tmpfs';
      readonly target: string;
      /** Size limit in bytes. */
      readonly sizeBytes?: number;
    };

/** The readiness probe: the worker is ready once the check passes (health 'healthy'). */
export interface DockerHealthcheck {
  /** Exec form (`['test', '-f', '/tmp/ready']`) or a shell command (`'test -f /tmp/ready'`). */
  readonly command: readonly string[] | string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly startPeriodMs?: number;
}

/** `spec.extensions.docker`. */
export interface DockerWorkerExtension {
  /** 'none' (the default unless the provider's settings say otherwise), 'host', 'bridge' or a network name. */
  readonly network?: string;
  readonly mounts?: readonly DockerMount[];
  /** Readiness: without it the worker is ready when running (unless the image has a HEALTHCHECK). */
  readonly healthcheck?: DockerHealthcheck;
  /** `uid`, `uid:gid`, `name` or `name:group`. */
  readonly user?: string;
  /** Absolute working directory. */
  readonly workingDir?: string;
  /** Every capability is dropped; list the ones to keep, e.g. `['CHOWN', 'SETUID']`. */
  readonly capAdd?: readonly string[];
  /** Refused unless the provider's settings allow it. */
  readonly privileged?: boolean;
  readonly readOnlyRootfs?: boolean;
  /** Maximum number of processes. */
  readonly pidsLimit?: number;
  /** Run an init process as PID 1 (reaps zombies, forwards signals). */
  readonly init?: boolean;
}

const fields = [
  'network',
  'mounts',
  'healthcheck',
  'user',
  'workingDir',
  'capAdd',
  'privileged',
  'readOnlyRootfs',
  'pidsLimit',
  'init',
] as const;

const capabilityPattern = /^(CAP_)?[A-Z][A-Z_]*$/;
const userPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object' && !Array.isArray(value);
const isAbsolutePath = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith('/') && !value.includes('\0');

/**
 * Checks `extensions.docker` and returns it typed; problems are pushed to `issues`
 * (paths `extensions.docker.*`). `allowPrivileged` comes from the provider's settings.
 */
export function parseDockerExtension(
  raw: unknown,
  allowPrivileged: boolean,
  issues: ValidationIssue[],
): DockerWorkerExtension {
  const base = 'extensions.docker';
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    issues.push({ path: base, message: 'must be an object' });
    return {};
  }
  const problem = (path: string, message: string): void => {
    issues.push({ path: `${base}${path === '' ? '' : `.${path}`}`, message });
  };
  for (const key of Object.keys(raw)) {
    if (!(fields as readonly string[]).includes(key)) {
      problem(key, `unknown field (allowed: ${fields.join(', ')})`);
    }
  }
  const ext = raw as Record<string, unknown>;
  if (ext.network !== undefined) {
    if (typeof ext.network !== 'string' || !dockerNamePattern.test(ext.network)) {
      problem('network', "must be 'none', 'host', 'bridge' or a network name");
    } else if (ext.network.startsWith('container:')) {
      problem('network', 'sharing another container’s network is not allowed');
    }
  }
  if (ext.mounts !== undefined) {
    if (!Array.isArray(ext.mounts)) problem('mounts', 'must be an array');
    else
      for (const [index, mount] of ext.mounts.entries()) {
        checkMount(mount, `mounts.${index}`, problem);
      }
  }
  if (ext.healthcheck !== undefined) checkHealthcheck(ext.healthcheck, problem);
  if (ext.user !== undefined && !(typeof ext.user === 'string' && userPattern.test(ext.user))) {
    problem('user', "must be 'uid', 'uid:gid', 'name' or 'name:group'");
  }
  if (ext.workingDir !== undefined && !isAbsolutePath(ext.workingDir)) {
    problem('workingDir', 'must be an absolute path');
  }
  if (ext.capAdd !== undefined) {
    if (!Array.isArray(ext.capAdd)) problem('capAdd', 'must be an array of capability names');
    else
      ext.capAdd.forEach((cap, index) => {
        if (typeof cap !== 'string' || !capabilityPattern.test(cap) || cap === 'ALL') {
          problem(`capAdd.${index}`, "must be a capability name such as 'CHOWN' (not ALL)");
        }
      });
  }
  for (const flag of ['privileged', 'readOnlyRootfs', 'init'] as const) {
    if (ext[flag] !== undefined && typeof ext[flag] !== 'boolean') {
      problem(flag, 'must be true or false');
    }
  }
  if (ext.privileged === true && !allowPrivileged) {
    problem('privileged', "is refused: the provider's settings do not allow privileged containers");
  }
  if (
    ext.pidsLimit !== undefined &&
    !(typeof ext.pidsLimit === 'number' && Number.isSafeInteger(ext.pidsLimit) && ext.pidsLimit > 0)
  ) {
    problem('pidsLimit', 'must be a whole number > 0');
  }
  return ext as DockerWorkerExtension;
}

function checkMount(
  mount: unknown,
  path: string,
  problem: (path: string, message: string) => void,
): void {
  if (!isPlainObject(mount)) {
    problem(path, 'must be an object');
    return;
  }
  const allowed: Record<string, readonly string[]> = {
    bind: ['type', 'source', 'target', 'readOnly'],
    volume: ['type', 'source', 'target', 'readOnly'],
    tmpfs: ['type', 'target', 'sizeBytes'],
  };
  const keys = typeof mount.type === 'string' ? allowed[mount.type] : undefined;
  if (!keys) {
    problem(`${path}.type`, "must be 'bind', 'volume' or 'tmpfs'");
    return;
  }
  for (const key of Object.keys(mount)) {
    if (!keys.includes(key)) {
      problem(`${path}.${key}`, `unknown field for a ${mount.type} mount`);
    }
  }
  if (!isAbsolutePath(mount.target) || mount.target === '/') {
    problem(`${path}.target`, "must be an absolute path other than '/'");
  }
  if (mount.type === 'bind' && !isAbsolutePath(mount.source)) {
    problem(`${path}.source`, 'must be an absolute path on the host');
  }
  if (
    mount.type === 'volume' &&
    mount.source !== undefined &&
    !(typeof mount.source === 'string' && dockerNamePattern.test(mount.source))
  ) {
    problem(`${path}.source`, 'must be a volume name');
  }
  if (mount.readOnly !== undefined && typeof mount.readOnly !== 'boolean') {
    problem(`${path}.readOnly`, 'must be true or false');
  }
  if (
    mount.sizeBytes !== undefined &&
    !(
      typeof mount.sizeBytes === 'number' &&
      Number.isSafeInteger(mount.sizeBytes) &&
      mount.sizeBytes > 0
    )
  ) {
    problem(`${path}.sizeBytes`, 'must be a whole number of bytes > 0');
  }
}

function checkHealthcheck(
  healthcheck: unknown,
  problem: (path: string, message: string) => void,
): void {
  if (!isPlainObject(healthcheck)) {
    problem('healthcheck', 'must be an object with a command');
    return;
  }
  const allowed = ['command', 'intervalMs', 'timeoutMs', 'retries', 'startPeriodMs'];
  for (const key of Object.keys(healthcheck)) {
    if (!allowed.includes(key)) {
      problem(`healthcheck.${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }
  const { command } = healthcheck;
  const validCommand =
    (typeof command === 'string' && command.trim() !== '' && !command.includes('\0')) ||
    (Array.isArray(command) &&
      command.length > 0 &&
      command.every((part) => typeof part === 'string' && !part.includes('\0')));
  if (!validCommand) {
    problem('healthcheck.command', 'must be a non-empty array of strings or a shell command');
  }
  for (const key of ['intervalMs', 'timeoutMs', 'retries', 'startPeriodMs'] as const) {
    const value = healthcheck[key];
    if (value === undefined) continue;
    // Docker refuses intervals, timeouts and start periods under 1 ms (0 means "inherit").
    const min = key === 'startPeriodMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      problem(`healthcheck.${key}`, `must be a whole number >= ${min}`);
    }
  }
}
