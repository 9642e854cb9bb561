/** The Docker engine as the benchmark itself sees it: its event stream, and clean-up. */
import { OwnershipKeys } from '@hodei/lifecycle-core';
import Docker from 'dockerode';
import { deferred } from '../lib/pool.ts';

export const IMAGE = 'hodei-test-worker:1';

/** The benchmark's own client (for events and clean-up), never the one measured. */
export const observer = new Docker();

/** `POST /containers/{id}/start`, for counting engine requests by kind. */
export function dockerRequestKind(method: string, path: string): string {
  const bare = path.replace(/\?.*$/, '').replace(/^\/v\d+\.\d+/, '');
  return `${method} ${bare.replace(/^\/containers\/(?!create$|json$)[^/]+/, '/containers/{id}')}`;
}

export interface EngineEvents {
  /** Resolves with the engine's time (ms since the epoch) of `action` on container `id`. */
  when(id: string, action: 'healthy' | 'destroy' | 'die', timeoutMs?: number): Promise<number>;
  close(): void;
}

/** Engine events of the containers labelled with `scope`, read from one stream. */
export async function engineEvents(client: Docker, scope: string): Promise<EngineEvents> {
  const stream = (await client.getEvents({
    filters: {
      type: ['container'],
      label: [`${OwnershipKeys.managedBy}=${scope}`],
      event: ['destroy', 'health_status', 'die'],
    },
  })) as NodeJS.ReadableStream & { destroy(): void };
  const seen = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { Action: string; Actor: { ID: string }; timeNano: number };
      const action = event.Action.startsWith('health_status: healthy') ? 'healthy' : event.Action;
      const key = `${event.Actor.ID}:${action}`;
      const at = event.timeNano / 1e6;
      if (!seen.has(key)) seen.set(key, at);
      waiters.get(key)?.(at);
      waiters.delete(key);
    }
  });
  stream.on('error', () => {});
  return {
    when(id, action, timeoutMs = 120_000) {
      const key = `${id}:${action}`;
      const at = seen.get(key);
      if (at !== undefined) return Promise.resolve(at);
      const wait = deferred<number>(`${action} of container ${id}`, timeoutMs);
      waiters.set(key, wait.resolve);
      return wait.promise;
    },
    close: () => stream.destroy(),
  };
}

/** Removes every container labelled with one of `scopes` (what a failed run may leave). */
export async function purge(scopes: readonly string[]): Promise<void> {
  for (const scope of scopes) {
    const left = await observer.listContainers({
      all: true,
      filters: { label: [`${OwnershipKeys.managedBy}=${scope}`] },
    });
    await Promise.all(
      left.map((info) =>
        observer
          .getContainer(info.Id)
          .remove({ force: true, v: true })
          .catch(() => {}),
      ),
    );
  }
}
