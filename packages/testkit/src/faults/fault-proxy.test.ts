import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

/** An HTTP server on 127.0.0.1: /stream answers a chunk and never ends, anything else 'ok'. */
async function upstream(): Promise<{ server: Server; port: number; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    if (req.url === '/stream') {
      res.writeHead(200);
      res.write('first\n');
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, requests: () => requests };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setUp() {
  const target = await upstream();
  const proxy: FaultProxy = await startFaultProxy({ host: '127.0.0.1', port: target.port });
  closers.push(
    () => new Promise<void>((resolve) => target.server.close(() => resolve())),
    () => {
      target.server.closeAllConnections();
      return Promise.resolve();
    },
    () => proxy.close(),
  );
  const port = 'port' in proxy.address ? proxy.address.port : 0;
  return { target, proxy, url: (path: string) => `http://127.0.0.1:${port}${path}` };
}

describe('startFaultProxy', () => {
  test('passes requests through; failNext cuts the next one before it reaches the target', async () => {
    const { target, proxy, url } = await setUp();
    expect(await (await fetch(url('/a'))).text()).toBe('ok');
    proxy.failNext();
    await expect(fetch(url('/b'))).rejects.toThrow();
    expect(target.requests()).toBe(1); // the cut request never arrived
    expect(proxy.failed).toBe(1);
    expect(await (await fetch(url('/c'))).text()).toBe('ok'); // and the next one goes through
    expect(target.requests()).toBe(2);
  });

  test('dropConnections ends an open stream with an error', async () => {
    const { proxy, url } = await setUp();
    const response = await fetch(url('/stream'));
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first\n');
    proxy.dropConnections();
    await expect(reader.read()).rejects.toThrow();
  });
});
