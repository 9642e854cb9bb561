/**
 * A small HTTP client for the API server. @kubernetes/client-node reads the kubeconfig (files,
 * KUBECONFIG, ~/.kube/config, in-cluster, exec and token-file credentials) and supplies TLS
 * material and auth headers; the requests themselves go through node:https, so that every
 * request can be bounded in time, cancelled, counted (`onRequest`) and its status read, and a
 * watch is a plain streaming request resumed from its resourceVersion.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { InvalidOptionsError } from '@hodei/lifecycle-core/provider';
import { KubeConfig } from '@kubernetes/client-node';
import { cancelled, KubeHttpError, type KubeStatus, KubeTransportError } from './errors.js';
import type { KubeconfigSource, ResolvedKubernetesSettings } from './settings.js';

const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface RequestOptions {
  readonly body?: unknown;
  /** Default application/json; patches pass their own. */
  readonly contentType?: string;
  readonly signal?: AbortSignal | undefined;
  /** Default: the settings' requestTimeoutMs. */
  readonly timeoutMs?: number;
  /** Read the answer as text (pods/log) rather than JSON. */
  readonly text?: boolean;
}

interface Connection {
  readonly base: URL;
  readonly agent: http.Agent;
  readonly streamAgent: http.Agent;
}

/** Loads the kubeconfig as the settings say; problems are InvalidOptionsErrors. */
export function loadKubeConfig(source: KubeconfigSource, context: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  const path =
    source.kind === 'file' ? 'kubeconfigPath' : source.kind === 'string' ? 'kubeconfig' : '';
  try {
    if (source.kind === 'file') kc.loadFromFile(source.path);
    else if (source.kind === 'string') kc.loadFromString(source.yaml);
    else if (source.kind === 'in-cluster') kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (error) {
    throw new InvalidOptionsError(
      'Kubernetes provider settings',
      [{ path, message: `the kubeconfig cannot be loaded: ${messageOf(error)}` }],
      { cause: error },
    );
  }
  if (context !== undefined) {
    if (!kc.getContextObject(context)) {
      throw new InvalidOptionsError('Kubernetes provider settings', [
        {
          path: 'context',
          message: `no context '${context}' in the kubeconfig (has: ${kc
            .getContexts()
            .map((c) => c.name)
            .join(', ')})`,
        },
      ]);
    }
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new InvalidOptionsError('Kubernetes provider settings', [
      {
        path,
        message:
          source.kind === 'default'
            ? 'no cluster found: set KUBECONFIG, create ~/.kube/config, run in a cluster, or pass kubeconfigPath/kubeconfig'
            : 'the kubeconfig names no cluster server for its current context',
      },
    ]);
  }
  try {
    new URL(cluster.server);
  } catch {
    throw new InvalidOptionsError('Kubernetes provider settings', [
      { path, message: `the cluster server '${cluster.server}' is not a URL` },
    ]);
  }
  return kc;
}

/** The namespace to use: the setting, the context's, the in-cluster one, else 'default'. */
export function defaultNamespace(kc: KubeConfig, source: KubeconfigSource): string {
  const fromContext = kc.getContextObject(kc.getCurrentContext())?.namespace;
  if (fromContext) return fromContext;
  if (source.kind === 'in-cluster') {
    try {
      const fromFile = readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim();
      if (fromFile) return fromFile;
    } catch {
      // not in a cluster after all: fall through
    }
  }
  return 'default';
}

export class KubeClient {
  private connection: Promise<Connection> | undefined;
  private readonly active = new Set<http.ClientRequest>();
  private closed = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly settings: ResolvedKubernetesSettings,
  ) {}

  /** The API server's URL, for messages. */
  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '(none)';
  }

  /** One request; resolves with the parsed answer of a 2xx, throws KubeHttpError otherwise. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}) {
    return (await this.requestDated<T>(method, path, options)).body;
  }

  /**
   * `request`, with the API server's clock as its answer's Date header gave it (whole
   * seconds; undefined when absent): what owner leases are judged by, never the local clock.
   */
  async requestDated<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ body: T; date: number | undefined }> {
    const { status, body, date } = await this.send(method, path, options);
    if (status < 200 || status > 299) throw httpError(status, body, method, path);
    const parsed = (options.text ? body : body === '' ? undefined : JSON.parse(body)) as T;
    const ms = date === undefined ? Number.NaN : Date.parse(date);
    return { body: parsed, date: Number.isNaN(ms) ? undefined : ms };
  }

  /**
   * A streaming watch request: yields each JSON event line. Ends when the server ends the
   * stream; throws KubeHttpError or KubeTransportError on failures; returns quietly when
   * `signal` aborts.
   */
  async *stream(path: string, signal: AbortSignal, idleTimeoutMs: number): AsyncGenerator<unknown> {
    if (signal.aborted) return;
    const { req, res } = await this.open('GET', path, { signal, watch: true, idleTimeoutMs });
    if (!res) return; // aborted while connecting
    const onAbort = () => req.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) {
        const body = await readBody(res);
        throw httpError(res.statusCode ?? 0, body, 'GET', path);
      }
      res.setEncoding('utf8');
      let buffered = '';
      for await (const chunk of res as AsyncIterable<string>) {
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline !== -1) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line !== '') yield JSON.parse(line);
          newline = buffered.indexOf('\n');
        }
      }
      if (buffered.trim() !== '') yield JSON.parse(buffered);
    } catch (error) {
      if (signal.aborted) return;
      throw transportErrorOf(error, 'GET', path);
    } finally {
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      this.active.delete(req);
    }
  }

  /** Aborts every request in flight and releases the connections. */
  close(): void {
    this.closed = true;
    for (const req of this.active) req.destroy(new Error('client closed'));
    this.active.clear();
    void this.connection?.then(
      (c) => {
        c.agent.destroy();
        c.streamAgent.destroy();
      },
      () => undefined,
    );
  }

  // ------------------------------------------------------------------ plumbing

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ status: number; body: string; date: string | undefined }> {
    if (options.signal?.aborted) throw cancelled(`${method} ${path}`, options.signal.reason);
    const payload =
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body);
    const { res } = await this.open(method, path, {
      signal: options.signal,
      payload,
      contentType: options.contentType ?? 'application/json',
      timeoutMs: options.timeoutMs ?? this.settings.requestTimeoutMs,
    });
    if (!res) throw cancelled(`${method} ${path}`, options.signal?.reason);
    try {
      const date = res.headers.date;
      return { status: res.statusCode ?? 0, body: await readBody(res), date };
    } catch (error) {
      if (options.signal?.aborted) throw cancelled(`${method} ${path}`, options.signal.reason);
      throw transportErrorOf(error, method, path);
    }
  }

  private async open(
    method: string,
    path: string,
    options: {
      signal?: AbortSignal | undefined;
      payload?: string | undefined;
      contentType?: string;
      timeoutMs?: number;
      watch?: boolean;
      idleTimeoutMs?: number;
    },
  ): Promise<{ req: http.ClientRequest; res: http.IncomingMessage | undefined }> {
    if (this.closed) {
      throw new KubeTransportError('ECLOSED', `${method} ${path}: the provider is closed`);
    }
    const connection = await this.connect();
    const auth: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(auth);
    const url = new URL(connection.base.pathname.replace(/\/$/, '') + path, connection.base);
    const headers: http.OutgoingHttpHeaders = {
      ...(auth.headers as http.OutgoingHttpHeaders | undefined),
      Accept: 'application/json',
      'User-Agent': 'hodei-lifecycle-provider-kubernetes',
    };
    if (options.payload !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(options.payload);
    }
    this.settings.onRequest?.({ method, path, watch: options.watch === true });
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, {
        method,
        headers,
        agent: options.watch ? connection.streamAgent : connection.agent,
        ...(auth.auth ? { auth: auth.auth } : {}),
      });
      this.active.add(req);
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        settled = true;
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        req.destroy();
        this.active.delete(req);
        if (!settled) {
          finish();
          resolve({ req, res: undefined });
        }
      };
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          req.destroy(
            new KubeTransportError(
              'ETIMEDOUT',
              `${method} ${path}: no answer within ${options.timeoutMs} ms`,
            ),
          );
        }, options.timeoutMs);
      }
      if (options.idleTimeoutMs !== undefined) {
        req.setTimeout(options.idleTimeoutMs, () =>
          req.destroy(
            new KubeTransportError(
              'ETIMEDOUT',
              `${method} ${path}: the watch was silent for ${options.idleTimeoutMs} ms`,
            ),
          ),
        );
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        if (options.watch) {
          // From here the stream's own loop owns the request; the idle timeout keeps running.
          finish();
          resolve({ req, res });
          return;
        }
        res.on('end', () => this.active.delete(req));
        res.on('close', () => {
          this.active.delete(req);
          if (timer) clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        });
        settled = true;
        resolve({ req, res });
      });
      req.on('error', (error) => {
        this.active.delete(req);
        if (settled) return;
        finish();
        if (options.signal?.aborted) resolve({ req, res: undefined });
        else reject(transportErrorOf(error, method, path));
      });
      req.end(options.payload);
    });
  }

  private connect(): Promise<Connection> {
    this.connection ??= (async () => {
      const cluster = this.kc.getCurrentCluster();
      const base = new URL(cluster!.server);
      const tls: https.RequestOptions = {};
      await this.kc.applyToHTTPSOptions(tls);
      const agentOptions: https.AgentOptions = {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        pfx: tls.pfx,
        passphrase: tls.passphrase,
        ...(tls.rejectUnauthorized === undefined
          ? {}
          : { rejectUnauthorized: tls.rejectUnauthorized }),
        ...(tls.servername === undefined ? {} : { servername: tls.servername }),
      };
      const Agent = base.protocol === 'http:' ? http.Agent : https.Agent;
      return {
        base,
        agent: new Agent({
          ...agentOptions,
          keepAlive: true,
          maxSockets: this.settings.maxConnections,
        }),
        streamAgent: new Agent({ ...agentOptions, keepAlive: false }),
      };
    })();
    return this.connection;
  }
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let body = '';
  for await (const chunk of res as AsyncIterable<string>) body += chunk;
  return body;
}

function httpError(status: number, body: string, method: string, path: string): KubeHttpError {
  let kubeStatus: KubeStatus | undefined;
  try {
    const parsed = JSON.parse(body) as KubeStatus;
    if (parsed && typeof parsed === 'object') kubeStatus = parsed;
  } catch {
    kubeStatus = body.trim() === '' ? undefined : { message: body.trim().slice(0, 500) };
  }
  return new KubeHttpError(status, kubeStatus, method, path);
}

function transportErrorOf(error: unknown, method: string, path: string): Error {
  if (error instanceof KubeTransportError || error instanceof KubeHttpError) return error;
  if (error instanceof SyntaxError) return error;
  const code =
    typeof (error as { code?: unknown })?.code === 'string'
      ? (error as { code: string }).code
      : 'ECONNRESET';
  return new KubeTransportError(code, `${method} ${path}: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
