/**
 * The provider's settings: plain data, validated at construction (InvalidOptionsError listing
 * every problem). No dockerode type appears here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionsError, type ValidationIssue } from '@hodei/lifecycle-core';
import { labelValueProblem } from '@hodei/lifecycle-core/provider';

/** One HTTP request to the engine, as reported to `onRequest`. */
export interface DockerRequestInfo {
  readonly method: string;
  /** Path and query, e.g. `/containers/json?all=true&filters=...`. */
  readonly path: string;
}

/** Defaults of the health check a spec asks for with `extensions.docker.healthcheck`. */
export interface DockerHealthcheckDefaults {
  /** Between two probes. Default 1 000 ms (Docker's own default is 30 s). */
  readonly intervalMs?: number;
  /** A probe taking longer fails. Default 5 000 ms. */
  readonly timeoutMs?: number;
  /** Consecutive failures before `unhealthy`. Default 3. */
  readonly retries?: number;
  /** Failures during this time after start do not count. Default 0 (none). */
  readonly startPeriodMs?: number;
}

export interface DockerProviderSettings {
  /** This provider instance, stamped as `hodei.io/provider-id`. Default 'docker'. */
  readonly providerId?: string;
  /**
   * The engine's unix socket (or Windows named pipe). Default: DOCKER_HOST, else the first of
   * /var/run/docker.sock, $XDG_RUNTIME_DIR/docker.sock and ~/.docker/run/docker.sock that exists.
   */
  readonly socketPath?: string;
  /** A TCP engine: host name or address. Exclusive with `socketPath`. */
  readonly host?: string;
  /** Default 2375 for http, 2376 for https. */
  readonly port?: number;
  /** Default 'http' (or 'https' when `ca`/`cert`/`key` are given). */
  readonly protocol?: 'http' | 'https';
  /** PEM text for TLS to a TCP engine. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Engine API version to speak, e.g. '1.41'. Default: the engine's own. */
  readonly apiVersion?: string;
  /** Network of every container unless its spec names one. Default 'none' (no network). */
  readonly defaultNetwork?: string;
  /** Grace period of stop and remove when the caller gives none. Default 10 000 ms. */
  readonly defaultGracePeriodMs?: number;
  /** Bound on each engine call (a stop adds its grace period). Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Defaults for health checks a spec asks for. */
  readonly healthcheck?: DockerHealthcheckDefaults;
  /** Allow specs to ask for `privileged: true`. Default false: such specs are refused. */
  readonly allowPrivileged?: boolean;
  /** How long a watch keeps reconnecting before it fails (retryable). Default 60 000 ms. */
  readonly watchReconnectTimeoutMs?: number;
  /** Called before every HTTP request to the engine (counting, tracing). Must not throw. */
  readonly onRequest?: (request: DockerRequestInfo) => void;
}

/** Where the engine is: a socket, or a TCP address. */
export type DockerConnection =
  | { readonly kind: 'socket'; readonly socketPath: string }
  | {
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly protocol: 'http' | 'https';
      readonly ca?: string;
      readonly cert?: string;
      readonly key?: string;
    };

export interface ResolvedDockerSettings {
  readonly providerId: string;
  readonly connection: DockerConnection;
  readonly apiVersion: string | undefined;
  readonly defaultNetwork: string;
  readonly defaultGracePeriodMs: number;
  readonly requestTimeoutMs: number;
  readonly healthcheck: Required<DockerHealthcheckDefaults>;
  readonly allowPrivileged: boolean;
  readonly watchReconnectTimeoutMs: number;
  readonly onRequest: ((request: DockerRequestInfo) => void) | undefined;
}

const knownSettings = new Set([
  'providerId',
  'socketPath',
  'host',
  'port',
  'protocol',
  'ca',
  'cert',
  'key',
  'apiVersion',
  'defaultNetwork',
  'defaultGracePeriodMs',
  'requestTimeoutMs',
  'healthcheck',
  'allowPrivileged',
  'watchReconnectTimeoutMs',
  'onRequest',
]);

/** Docker network and container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
export const dockerNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const WHAT = 'Docker provider settings';

/** Validates the settings and resolves the connection (settings, then DOCKER_HOST, then sockets). */
export function resolveDockerSettings(
  settings: DockerProviderSettings = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedDockerSettings {
  if (settings == null || typeof settings !== 'object') {
    throw new InvalidOptionsError(WHAT, [{ path: '', message: 'must be an object' }]);
  }
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(settings)) {
    if (!knownSettings.has(key)) {
      issues.push({
        path: key,
        message: `unknown setting (allowed: ${[...knownSettings].join(', ')})`,
      });
    }
  }
  const providerId = settings.providerId ?? 'docker';
  if (typeof providerId !== 'string' || providerId === '') {
    issues.push({ path: 'providerId', message: 'must be a non-empty string' });
  } else {
    const problem = labelValueProblem(providerId);
    if (problem) issues.push({ path: 'providerId', message: problem });
  }
  const ms = (path: string, value: unknown, fallback: number, min = 0): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      issues.push({ path, message: `must be a whole number of milliseconds >= ${min}` });
      return fallback;
    }
    return value;
  };
  const defaultGracePeriodMs = ms('defaultGracePeriodMs', settings.defaultGracePeriodMs, 10_000);
  const requestTimeoutMs = ms('requestTimeoutMs', settings.requestTimeoutMs, 30_000, 1);
  const watchReconnectTimeoutMs = ms(
    'watchReconnectTimeoutMs',
    settings.watchReconnectTimeoutMs,
    60_000,
  );
  const defaultNetwork = settings.defaultNetwork ?? 'none';
  if (typeof defaultNetwork !== 'string' || !dockerNamePattern.test(defaultNetwork)) {
    issues.push({ path: 'defaultNetwork', message: 'must be a Docker network name' });
  }
  const apiVersion = settings.apiVersion;
  if (
    apiVersion !== undefined &&
    !(typeof apiVersion === 'string' && /^1\.\d+$/.test(apiVersion))
  ) {
    issues.push({ path: 'apiVersion', message: "must look like '1.41'" });
  }
  if (settings.allowPrivileged !== undefined && typeof settings.allowPrivileged !== 'boolean') {
    issues.push({ path: 'allowPrivileged', message: 'must be true or false' });
  }
  if (settings.onRequest !== undefined && typeof settings.onRequest !== 'function') {
    issues.push({ path: 'onRequest', message: 'must be a function' });
  }
  const healthcheck = resolveHealthcheckDefaults(settings.healthcheck, issues);
  const connection = resolveConnection(settings, env, issues);
  if (issues.length > 0 || connection === undefined) throw new InvalidOptionsError(WHAT, issues);
  return {
    providerId,
    connection,
    apiVersion,
    defaultNetwork,
    defaultGracePeriodMs,
    requestTimeoutMs,
    healthcheck,
    allowPrivileged: settings.allowPrivileged ?? false,
    watchReconnectTimeoutMs,
    onRequest: settings.onRequest,
  };
}

function resolveHealthcheckDefaults(
  input: DockerHealthcheckDefaults | undefined,
  issues: ValidationIssue[],
): Required<DockerHealthcheckDefaults> {
  const defaults = { intervalMs: 1_000, timeoutMs: 5_000, retries: 3, startPeriodMs: 0 };
  if (input === undefined) return defaults;
  if (input == null || typeof input !== 'object') {
    issues.push({ path: 'healthcheck', message: 'must be an object' });
    return defaults;
  }
  const result = { ...defaults };
  for (const [key, value] of Object.entries(input)) {
    if (!(key in defaults)) {
      issues.push({
        path: `healthcheck.${key}`,
        message: 'unknown field (allowed: intervalMs, timeoutMs, retries, startPeriodMs)',
      });
      continue;
    }
    const min = key === 'startPeriodMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      issues.push({ path: `healthcheck.${key}`, message: `must be a whole number >= ${min}` });
      continue;
    }
    result[key as keyof typeof defaults] = value;
  }
  return result;
}

function resolveConnection(
  settings: DockerProviderSettings,
  env: NodeJS.ProcessEnv,
  issues: ValidationIssue[],
): DockerConnection | undefined {
  const { socketPath, host, port, protocol, ca, cert, key } = settings;
  for (const [path, value] of Object.entries({ socketPath, host, ca, cert, key })) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      issues.push({ path, message: 'must be a non-empty string' });
    }
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65_535)) {
    issues.push({ path: 'port', message: 'must be a port number (1-65535)' });
  }
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') {
    issues.push({ path: 'protocol', message: "must be 'http' or 'https'" });
  }
  if (socketPath !== undefined && host !== undefined) {
    issues.push({ path: 'host', message: 'give either socketPath or host, not both' });
  }
  const tls = ca !== undefined || cert !== undefined || key !== undefined;
  if (tls && host === undefined) {
    issues.push({ path: 'ca', message: 'ca, cert and key apply to a TCP engine (host)' });
  }
  if (socketPath !== undefined) return { kind: 'socket', socketPath };
  if (host !== undefined) {
    const proto = protocol ?? (tls ? 'https' : 'http');
    return {
      kind: 'tcp',
      host,
      port: port ?? (proto === 'https' ? 2376 : 2375),
      protocol: proto,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    };
  }
  if (port !== undefined || protocol !== undefined) {
    issues.push({ path: 'host', message: 'port and protocol need a host' });
  }
  return connectionFromEnv(env, issues);
}

/** DOCKER_HOST (unix://, npipe://, tcp://) with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH. */
function connectionFromEnv(
  env: NodeJS.ProcessEnv,
  issues: ValidationIssue[],
): DockerConnection | undefined {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (!dockerHost) return { kind: 'socket', socketPath: defaultSocketPath(env) };
  if (dockerHost.startsWith('unix://') || dockerHost.startsWith('npipe://')) {
    const path = dockerHost.replace(/^(unix|npipe):\/\//, '');
    if (path === '') {
      issues.push({ path: 'DOCKER_HOST', message: `has no socket path: ${dockerHost}` });
      return undefined;
    }
    return { kind: 'socket', socketPath: path };
  }
  let url: URL;
  try {
    url = new URL(dockerHost.includes('://') ? dockerHost : `tcp://${dockerHost}`);
  } catch {
    issues.push({ path: 'DOCKER_HOST', message: `is not a valid address: ${dockerHost}` });
    return undefined;
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    issues.push({
      path: 'DOCKER_HOST',
      message: `scheme ${url.protocol} is not supported (use unix://, npipe:// or tcp://)`,
    });
    return undefined;
  }
  const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '';
  const https = url.protocol === 'https:' || verify || url.port === '2376';
  const tls: { ca?: string; cert?: string; key?: string } = {};
  const certPath = env.DOCKER_CERT_PATH;
  if (https && certPath) {
    for (const file of ['ca', 'cert', 'key'] as const) {
      const path = join(certPath, `${file}.pem`);
      try {
        tls[file] = readFileSync(path, 'utf8');
      } catch {
        if (verify) issues.push({ path: 'DOCKER_CERT_PATH', message: `cannot read ${path}` });
      }
    }
  }
  const port = url.port === '' ? (https ? 2376 : 2375) : Number(url.port);
  return {
    kind: 'tcp',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    protocol: https ? 'https' : 'http',
    ...tls,
  };
}

/** The usual socket paths, in order; the first that exists, else /var/run/docker.sock. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return '//./pipe/docker_engine';
  const candidates = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) candidates.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  candidates.push(join(homedir(), '.docker', 'run', 'docker.sock'));
  return candidates.find((path) => existsSync(path)) ?? '/var/run/docker.sock';
}

/** For messages: where the engine is expected. */
export function describeConnection(connection: DockerConnection): string {
  return connection.kind === 'socket'
    ? `unix://${connection.socketPath}`
    : `${connection.protocol}://${connection.host}:${connection.port}`;
}
