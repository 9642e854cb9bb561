/**
 * A small fake REST "cloud" on 127.0.0.1, for the kit's tests: machines are created, listed by
 * label, stopped, deleted asynchronously, and have logs. What a machine does is its command:
 *   ['serve']            runs until stopped (ready once running)
 *   ['exit', '3']        runs a moment, then exits with that code
 *   ['print', 'a', 'b']  prints those lines, then runs until stopped
 * It knows nothing of the contract: scopes, ownership and errors are the provider's business.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Machine {
  id: string;
  name: string;
  image: string;
  command: string[];
  labels: Record<string, string>;
  metadata: Record<string, string>;
  state: 'starting' | 'running' | 'exited' | 'deleting';
  exitCode: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  logs: string[];
}

export interface FakeCloud {
  readonly url: string;
  /** Requests answered so far. */
  readonly requests: number;
  /** Every machine, of every scope (for the tests' own checks). */
  machines(): Machine[];
  close(): Promise<void>;
}

const now = () => new Date().toISOString();

export async function startFakeCloud(): Promise<FakeCloud> {
  const machines = new Map<string, Machine>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const exit = (machine: Machine, code: number) => {
    if (machine.exitCode !== null) return;
    if (machine.state !== 'deleting') machine.state = 'exited';
    machine.exitCode = code;
    machine.finishedAt = now();
  };
  const start = (machine: Machine) => {
    later(10, () => {
      if (machine.state !== 'starting') return;
      machine.state = 'running';
      machine.startedAt = now();
      const [program, ...args] = machine.command;
      if (program === 'exit') later(50, () => exit(machine, Number(args[0] ?? 0)));
      if (program === 'print') machine.logs.push(...args);
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests += 1;
    const url = new URL(req.url ?? '/', 'http://cloud');
    const parts = url.pathname.split('/').filter(Boolean);
    let body = '';
    for await (const chunk of req) body += chunk;
    const send = (status: number, value?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(value === undefined ? '' : JSON.stringify(value));
    };
    const machine = parts[1] === undefined ? undefined : machines.get(parts[1]);
    if (url.pathname === '/health') return send(200, { status: 'ok' });
    if (parts[0] !== 'machines') return send(404, { error: 'no such route' });
    if (parts.length === 1 && req.method === 'GET') {
      const wanted = url.searchParams.getAll('label').map((pair) => pair.split('='));
      const found = [...machines.values()].filter((m) =>
        wanted.every(([key, value]) => key !== undefined && m.labels[key] === value),
      );
      return send(200, found);
    }
    if (parts.length === 1 && req.method === 'POST') {
      const input = JSON.parse(body) as Partial<Machine>;
      if (typeof input.name !== 'string' || !Array.isArray(input.command)) {
        return send(400, { error: 'name and command are required' });
      }
      if ([...machines.values()].some((m) => m.name === input.name)) {
        return send(409, { error: `a machine named ${input.name} exists` });
      }
      const created: Machine = {
        id: randomUUID(),
        name: input.name,
        image: String(input.image),
        command: input.command.map(String),
        labels: { ...input.labels },
        metadata: { ...input.metadata },
        state: 'starting',
        exitCode: null,
        createdAt: now(),
        startedAt: null,
        finishedAt: null,
        logs: [],
      };
      machines.set(created.id, created);
      start(created);
      return send(201, created);
    }
    if (!machine) return send(404, { error: 'no such machine' });
    if (parts.length === 2 && req.method === 'GET') return send(200, machine);
    if (parts.length === 2 && req.method === 'DELETE') {
      // Deleted asynchronously: 'deleting' for a moment, then gone. With a grace period the
      // machine is asked to stop first (it does within 20 ms), without one it is killed.
      if (machine.state !== 'deleting') {
        const grace = Number(url.searchParams.get('grace') ?? 0);
        machine.state = 'deleting';
        if (grace === 0) exit(machine, 137);
        later(machine.exitCode === null ? Math.min(grace, 20) : 0, () => {
          exit(machine, 143);
          later(30, () => machines.delete(machine.id));
        });
      }
      return send(202, machine);
    }
    if (parts[2] === 'stop' && req.method === 'POST') {
      const grace = Number(url.searchParams.get('grace') ?? 0);
      later(Math.min(grace, 20), () => exit(machine, 143));
      return send(202, machine);
    }
    if (parts[2] === 'logs' && req.method === 'GET') {
      const tail = url.searchParams.get('tail');
      return send(200, tail === null ? machine.logs : machine.logs.slice(-Number(tail)));
    }
    return send(404, { error: 'no such route' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(JSON.stringify({ error: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    machines: () => [...machines.values()],
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
