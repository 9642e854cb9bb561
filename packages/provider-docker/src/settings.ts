/**
 * The provider's settings: plain data, validated at construction (InvalidOptionsError listing
 * every problem). No dockerode type appears here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type CommonProviderSettings,
  type ProviderRequestInfo,
  parseProviderSettings,
  type ResolvedCommonSettings,
  type ValidationIssue,
  wholeNumberProblem,
} from '@hodei/lifecycle-core/provider';
import * as v from 'valibot';

/** One HTTP request to the engine, as reported to `onRequest` (`watch`: the event stream). */
export type DockerRequestInfo = ProviderRequestInfo;

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

/**
 * Defaults of the common settings: providerId 'docker', defaultGracePeriodMs 10 000,
 * requestTimeoutMs 30 000 (a stop adds its grace period), watchReconnectTimeoutMs 60 000;
 * `onRequest` sees every HTTP request to the engine.
 */
export interface DockerProviderSettings extends CommonProviderSettings {
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
  /** Defaults for health checks a spec asks for. */
  readonly healthcheck?: DockerHealthcheckDefaults;
  /** Allow specs to ask for `privileged: true`. Default false: such specs are refused. */
  readonly allowPrivileged?: boolean;
  /**
   * The image of the owner-lease containers (one small container per manager instance that
   * runs `sh -c 'while read -t <seconds> line; do :; done'`): any image with a POSIX `sh`
   * whose `read` has `-t`. Default 'busybox:1.36'.
   */
  readonly leaseImage?: string;
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

export interface ResolvedDockerSettings extends ResolvedCommonSettings {
  readonly connection: DockerConnection;
  readonly apiVersion: string | undefined;
  readonly defaultNetwork: string;
  readonly healthcheck: Required<DockerHealthcheckDefaults>;
  readonly allowPrivileged: boolean;
  readonly leaseImage: string;
}

/** Docker network and container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
export const dockerNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const WHAT = 'Docker provider settings';

const dockerDefaults = {
  providerId: 'docker',
  defaultGracePeriodMs: 10_000,
  requestTimeoutMs: 30_000,
  watchReconnectTimeoutMs: 60_000,
};

const whole = (fallback: number, min: number, unit = '') =>
  v.optional(
    v.custom<number>((x) => !wholeNumberProblem(x, min), `must be a whole number${unit} >= ${min}`),
    fallback,
  );
const text = v.optional(
  v.pipe(v.string('must be a non-empty string'), v.nonEmpty('must be a non-empty string')),
);

/** Every setting but the connection's cross-field rules (see resolveConnection). */
const settingsSchema = v.strictObject(
  {
    socketPath: text,
    host: text,
    port: v.optional(
      v.pipe(
        v.number('must be a port number (1-65535)'),
        v.integer('must be a port number (1-65535)'),
        v.minValue(1, 'must be a port number (1-65535)'),
        v.maxValue(65_535, 'must be a port number (1-65535)'),
      ),
    ),
    protocol: v.optional(v.picklist(['http', 'https'], "must be 'http' or 'https'")),
    ca: text,
    cert: text,
    key: text,
    apiVersion: v.optional(v.pipe(v.string(), v.regex(/^1\.\d+$/, "must look like '1.41'"))),
    defaultNetwork: v.optional(
      v.pipe(v.string(), v.regex(dockerNamePattern, 'must be a Docker network name')),
      'none',
    ),
    healthcheck: v.optional(
      v.strictObject(
        {
          intervalMs: whole(1_000, 1),
          timeoutMs: whole(5_000, 1),
          retries: whole(3, 1),
          startPeriodMs: whole(0, 0),
        },
        'unknown field (allowed: intervalMs, timeoutMs, retries, startPeriodMs)',
      ),
      {},
    ),
    allowPrivileged: v.optional(v.boolean('must be true or false'), false),
    leaseImage: v.optional(
      v.pipe(v.string('must be a non-empty string'), v.nonEmpty('must be a non-empty string')),
      'busybox:1.36',
    ),
  },
  (issue) => `unknown setting ${JSON.stringify(issue.input)}`,
);

/** Validates the settings and resolves the connection (settings, then DOCKER_HOST, then sockets). */
export function resolveDockerSettings(
  settings: DockerProviderSettings = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedDockerSettings {
  let connection: DockerConnection | undefined;
  // The connection's rules span several fields: checked even when a field is wrong, so the
  // caller sees every problem at once.
  const parsed = parseProviderSettings(WHAT, settingsSchema, settings, dockerDefaults, (issues) => {
    connection = resolveConnection(settings, env, issues);
  });
  // resolveConnection gives no connection only with a problem, and a problem throws above.
  return { ...parsed, apiVersion: parsed.apiVersion, connection: connection! };
}

function resolveConnection(
  settings: DockerProviderSettings,
  env: NodeJS.ProcessEnv,
  issues: ValidationIssue[],
): DockerConnection | undefined {
  // Each field's own rules are the schema's; here, how they combine.
  const { socketPath, host, port, protocol, ca, cert, key } = settings;
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
