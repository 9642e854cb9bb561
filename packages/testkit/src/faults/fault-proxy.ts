/**
 * A connection-level fault injector for providers that talk to their infrastructure over a
 * socket (the Docker engine's unix socket, an API server's TCP port): point the provider at
 * the proxy instead of the infrastructure, and the contract suite's fault hook can fail the
 * next call or drop the watches. It sees bytes only (TLS passes through), so a fault is a
 * connection cut, which is what a transient failure looks like from the client.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Where the infrastructure listens: a unix socket path, or a TCP host and port. */
export type FaultProxyTarget =
  | { readonly path: string }
  | { readonly host: string; readonly port: number };

export interface FaultProxy {
  /** Where the proxy listens: give this to the provider instead of the target. */
  readonly address: FaultProxyTarget;
  /**
   * The next request any client sends (the first bytes sent on a connection after this call)
   * never reaches the infrastructure: its connection is cut, so the call fails the way a
   * transient fault does and changes nothing. Open streams that send nothing are untouched.
   */
  failNext(): void;
  /** Cuts every open connection: open watches lose their stream. */
  dropConnections(): void;
  /** Requests cut by failNext so far. */
  readonly failed: number;
  close(): Promise<void>;
}

/**
 * Starts a proxy in front of `target`. For a TCP target it listens on 127.0.0.1 (a free port);
 * for a unix socket, on `listenPath`.
 */
export async function startFaultProxy(
  target: FaultProxyTarget,
  options: { readonly listenPath?: string } = {},
): Promise<FaultProxy> {
  const open = new Set<Socket>();
  let armed = 0;
  let failed = 0;

  const server: Server = createServer((client) => {
    const upstream = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    open.add(client);
    const cut = () => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (armed > 0) {
        armed -= 1;
        failed += 1;
        cut();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', cut);
    upstream.on('close', cut);
  });

  const address = await new Promise<FaultProxyTarget>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in target) {
      const path = options.listenPath;
      if (!path) {
        reject(new TypeError('startFaultProxy: a unix socket target needs options.listenPath'));
        return;
      }
      server.listen(path, () => resolve({ path }));
    } else {
      server.listen(0, '127.0.0.1', () => {
        const bound = server.address();
        if (bound === null || typeof bound === 'string') {
          reject(new Error('startFaultProxy: the proxy has no TCP address'));
          return;
        }
        resolve({ host: '127.0.0.1', port: bound.port });
      });
    }
  });

  return {
    address,
    failNext: () => {
      armed += 1;
    },
    dropConnections: () => {
      for (const socket of [...open]) socket.destroy();
      open.clear();
    },
    get failed() {
      return failed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        open.clear();
        server.close(() => resolve());
      }),
  };
}
