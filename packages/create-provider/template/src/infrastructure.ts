/**
 * A STAND-IN for your infrastructure, so the package works and its tests pass as generated:
 * machines in this process, created, listed by label, stopped, deleted (asynchronously) and
 * with logs. Replace it with your infrastructure's client (its SDK or its HTTP API), keeping
 * what provider.ts needs. What a machine does is its command, which only this stand-in reads:
 *   ['serve']             runs until stopped
 *   ['exit', '3']         runs a moment, then exits with that code
 *   ['print', 'a', 'b']   prints those lines, then runs until stopped
 */
import { randomUUID } from 'node:crypto';

export interface Machine {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  state: 'starting' | 'running' | 'exited' | 'deleting';
  exitCode: number | undefined;
  readonly createdAt: Date;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  readonly logs: string[];
}

export interface MachineRequest {
  readonly name: string;
  readonly command: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A refusal or a failure of the stand-in, with an HTTP-like status, as a real API gives. */
export class InfrastructureError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'InfrastructureError';
  }
}

const later = (ms: number, fn: () => void) => setTimeout(fn, ms).unref();

export class Infrastructure {
  /** Calls made so far: what the contract suite counts. */
  calls = 0;
  readonly #machines = new Map<string, Machine>();

  /** Answers while the infrastructure is reachable: what `health` asks. */
  async ping(): Promise<void> {
    this.calls += 1;
  }

  async create(request: MachineRequest): Promise<Machine> {
    this.calls += 1;
    if ([...this.#machines.values()].some((m) => m.name === request.name)) {
      throw new InfrastructureError(409, `a machine named ${request.name} exists`);
    }
    const machine: Machine = {
      id: randomUUID(),
      name: request.name,
      labels: { ...request.labels },
      annotations: { ...request.annotations },
      state: 'starting',
      exitCode: undefined,
      createdAt: new Date(),
      startedAt: undefined,
      finishedAt: undefined,
      logs: [],
    };
    this.#machines.set(machine.id, machine);
    later(5, () => {
      if (machine.state !== 'starting') return;
      machine.state = 'running';
      machine.startedAt = new Date();
      const [program, ...args] = request.command;
      if (program === 'exit') later(50, () => this.#exit(machine, Number(args[0] ?? 0)));
      if (program === 'print') machine.logs.push(...args);
    });
    return { ...machine };
  }

  /** The machines carrying every label given. */
  async list(labels: Readonly<Record<string, string>>): Promise<Machine[]> {
    this.calls += 1;
    return [...this.#machines.values()]
      .filter((m) => Object.entries(labels).every(([key, value]) => m.labels[key] === value))
      .map((m) => ({ ...m, logs: [...m.logs] }));
  }

  async get(id: string): Promise<Machine | undefined> {
    this.calls += 1;
    const machine = this.#machines.get(id);
    return machine && { ...machine, logs: [...machine.logs] };
  }

  async stop(id: string, gracePeriodMs: number): Promise<void> {
    this.calls += 1;
    const machine = this.#found(id);
    later(Math.min(gracePeriodMs, 20), () => this.#exit(machine, 143));
  }

  /** Deleted asynchronously: 'deleting' for a moment, then gone. */
  async delete(id: string): Promise<void> {
    this.calls += 1;
    const machine = this.#found(id);
    if (machine.state === 'deleting') return;
    this.#exit(machine, 137);
    machine.state = 'deleting';
    later(20, () => this.#machines.delete(id));
  }

  async logs(id: string): Promise<string[]> {
    this.calls += 1;
    return [...this.#found(id).logs];
  }

  #found(id: string): Machine {
    const machine = this.#machines.get(id);
    if (!machine) throw new InfrastructureError(404, `no machine ${id}`);
    return machine;
  }

  #exit(machine: Machine, code: number): void {
    if (machine.state !== 'starting' && machine.state !== 'running') return;
    machine.state = 'exited';
    machine.exitCode = code;
    machine.finishedAt = new Date();
  }
}
