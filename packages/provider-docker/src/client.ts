/**
 * A thin, typed layer over dockerode: the calls this provider makes, each bounded by a
 * timeout, each reported to `onRequest`. Nothing of dockerode leaks out of this file.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import { inspect } from 'node:util';
import Docker from 'dockerode';
import type { ContainerCreateBody } from './container-config.js';
import type { ContainerInspect, ContainerSummary } from './records.js';
import type { ResolvedDockerSettings } from './settings.js';

/** One engine event (`GET /events`), the fields this provider reads. */
export interface EngineEvent {
  readonly Type?: string;
  readonly Action?: string;
  readonly status?: string;
  readonly id?: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Record<string, string> };
  readonly time?: number;
  readonly timeNano?: number;
}

interface DialOptions {
  path: string;
  method: string;
  options?: Record<string, unknown>;
}
type Dial = (options: DialOptions, callback: (error: unknown, data: unknown) => void) => void;

export interface DockerClientOptions {
  readonly signal?: AbortSignal;
  /** Added to the request timeout (a stop waits its grace period). */
  readonly extraTimeoutMs?: number;
}

export class DockerClient {
  private readonly docker: Docker;
  private readonly agent: HttpAgent;

  constructor(private readonly settings: ResolvedDockerSettings) {
    const connection = settings.connection;
    this.agent =
      connection.kind === 'tcp' && connection.protocol === 'https'
        ? new HttpsAgent({ keepAlive: true })
        : new HttpAgent({ keepAlive: true });
    // docker-modem formats every request's options with util.inspect (showHidden, no depth
    // limit) for its debug log, even when that log is off. Through the agent that walks every
    // pooled socket: about 8 ms of CPU per request, 40x the request itself. A one-line
    // description makes it free.
    Object.defineProperty(this.agent, inspect.custom, {
      value: () => `[Agent: hodei docker provider, keep-alive]`,
    });
    const base =
      connection.kind === 'socket'
        ? { socketPath: connection.socketPath }
        : {
            host: connection.host,
            port: connection.port,
            protocol: connection.protocol,
            ...(connection.ca === undefined ? {} : { ca: connection.ca }),
            ...(connection.cert === undefined ? {} : { cert: connection.cert }),
            ...(connection.key === undefined ? {} : { key: connection.key }),
          };
    this.docker = new Docker({
      ...base,
      agent: this.agent,
      ...(settings.apiVersion === undefined ? {} : { version: `v${settings.apiVersion}` }),
    } as unknown as Docker.DockerOptions);
    const onRequest = settings.onRequest;
    if (onRequest) {
      const modem = this.docker.modem as unknown as { dial: Dial };
      const dial = modem.dial.bind(modem);
      modem.dial = (options, callback) => {
        try {
          onRequest({
            method: options.method,
            path: options.path,
            watch: options.path.startsWith('/events'),
          });
        } catch {
          // a hook must never break a call
        }
        dial(options, callback);
      };
    }
  }

  /** A signal that aborts after the request timeout, or when the caller's signal aborts. */
  private signal(options: DockerClientOptions = {}): AbortSignal {
    const timeout = AbortSignal.timeout(
      this.settings.requestTimeoutMs + (options.extraTimeoutMs ?? 0),
    );
    return options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  }

  async ping(options?: DockerClientOptions): Promise<void> {
    const docker = this.docker as unknown as { ping(options: object): Promise<unknown> };
    await docker.ping({ abortSignal: this.signal(options) });
  }

  /** Creates the container; resolves with its id. */
  async createContainer(
    name: string,
    body: ContainerCreateBody,
    options?: DockerClientOptions,
  ): Promise<string> {
    const container = await this.docker.createContainer({
      _query: { name },
      _body: body,
      abortSignal: this.signal(options),
    } as unknown as Docker.ContainerCreateOptions);
    return container.id;
  }

  /**
   * Attaches to the container's stdin and stdout over a hijacked connection of its own (not
   * pooled): what is written reaches the process, what it prints comes back (multiplexed);
   * when this end closes (or the process holding it dies) the engine closes the container's
   * stdin (`StdinOnce`).
   */
  async attachStdin(id: string, options?: DockerClientOptions): Promise<Duplex> {
    const stream = await this.docker.getContainer(id).attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: false,
      hijack: true,
      abortSignal: this.signal(options),
    } as Docker.ContainerAttachOptions);
    return stream as unknown as Duplex;
  }

  async start(id: string, options?: DockerClientOptions): Promise<void> {
    await this.docker.getContainer(id).start({ abortSignal: this.signal(options) });
  }

  async inspect(idOrName: string, options?: DockerClientOptions): Promise<ContainerInspect> {
    return (await this.docker
      .getContainer(idOrName)
      .inspect({ abortSignal: this.signal(options) })) as unknown as ContainerInspect;
  }

  /** `docker stop -t seconds`. A 304 (already stopped) is success. */
  async stop(id: string, seconds: number, options?: DockerClientOptions): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({
        t: seconds,
        abortSignal: this.signal({ ...options, extraTimeoutMs: seconds * 1000 }),
      });
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 304) return;
      throw error;
    }
  }

  /** `docker rm -f -v`: the container and its anonymous volumes. */
  async remove(id: string, options?: DockerClientOptions): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true, abortSignal: this.signal(options) });
  }

  async list(
    labels: readonly string[],
    options?: DockerClientOptions,
  ): Promise<ContainerSummary[]> {
    return (await this.docker.listContainers({
      all: true,
      filters: { label: [...labels] },
      abortSignal: this.signal(options),
    })) as unknown as ContainerSummary[];
  }

  /** The raw (multiplexed unless TTY) log bytes, stdout and stderr. */
  async logs(id: string, tail: number | undefined, options?: DockerClientOptions): Promise<Buffer> {
    const data: unknown = await this.docker.getContainer(id).logs({
      follow: false,
      stdout: true,
      stderr: true,
      tail: tail === undefined ? 'all' : tail,
      abortSignal: this.signal(options),
    } as Docker.ContainerLogsOptions & { follow: false });
    if (Buffer.isBuffer(data)) return data;
    if (typeof data === 'string') return Buffer.from(data, 'utf8');
    return Buffer.alloc(0);
  }

  /**
   * Opens the event stream (not bounded by the request timeout: it lives until `signal`
   * aborts or the connection drops). `since` is a unix time in seconds.
   */
  async events(
    filters: Record<string, string[]>,
    since: number | undefined,
    signal: AbortSignal,
  ): Promise<Readable> {
    // The request timeout bounds the wait for the response only, never the stream itself.
    const opening = this.docker.getEvents({
      filters,
      ...(since === undefined ? {} : { since }),
      abortSignal: signal,
    }) as Promise<unknown> as Promise<Readable>;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
        this.settings.requestTimeoutMs,
      );
    });
    try {
      return await Promise.race([opening, timedOut]);
    } catch (error) {
      opening.then((stream) => stream.destroy()).catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
