import { describe, expect, test } from 'vitest';
import {
  type ContainerInspect,
  inspectToRecord,
  parseHumanDuration,
  phaseOf,
  summaryToRecord,
} from './records.js';

const labels = { 'hodei.io/managed-by': 's', 'hodei.io/worker-id': 'w-1' };

function inspect(state: Partial<ContainerInspect['State']>): ContainerInspect {
  return {
    Id: 'a'.repeat(64),
    Created: '2026-01-01T00:00:00.000Z',
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-01-01T00:00:01.000Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      ...state,
    },
    Config: { Labels: labels },
  };
}

describe('records from inspect', () => {
  test('running: ready without a health check; with one, only when healthy', () => {
    const plain = inspectToRecord(inspect({}));
    expect(plain).toMatchObject({
      workerId: 'w-1',
      phase: 'running',
      ready: true,
      removing: false,
    });
    expect(plain.exitCode).toBeUndefined();
    expect(plain.finishedAt).toBeUndefined();
    expect(plain.startedAt?.toISOString()).toBe('2026-01-01T00:00:01.000Z');
    expect(plain.annotations).toEqual({});
    expect(inspectToRecord(inspect({ Health: { Status: 'starting' } })).ready).toBe(false);
    expect(inspectToRecord(inspect({ Health: { Status: 'unhealthy' } })).ready).toBe(false);
    expect(inspectToRecord(inspect({ Health: { Status: 'healthy' } })).ready).toBe(true);
  });

  test('exited: succeeded or failed with the exit code; OOMKilled is the reason', () => {
    const ended = { Status: 'exited', Running: false, FinishedAt: '2026-01-01T00:00:05.000Z' };
    expect(inspectToRecord(inspect({ ...ended, ExitCode: 0 }))).toMatchObject({
      phase: 'succeeded',
      exitCode: 0,
      reason: 'Completed',
      ready: false,
    });
    const failed = inspectToRecord(inspect({ ...ended, ExitCode: 137, OOMKilled: true }));
    expect(failed).toMatchObject({ phase: 'failed', exitCode: 137, reason: 'OOMKilled' });
    // Ended by a signal: stopped (SIGTERM) or killed (SIGKILL), by whoever sent it.
    expect(inspectToRecord(inspect({ ...ended, ExitCode: 143 })).reason).toBe('Stopped');
    expect(inspectToRecord(inspect({ ...ended, ExitCode: 137 })).reason).toBe('Killed');
    expect(inspectToRecord(inspect({ ...ended, ExitCode: 2 })).reason).toBe('Error');
    expect(failed.finishedAt?.toISOString()).toBe('2026-01-01T00:00:05.000Z');
  });

  test('created, start failures, dead, paused and removing', () => {
    expect(
      inspectToRecord(
        inspect({ Status: 'created', Running: false, StartedAt: '0001-01-01T00:00:00Z' }),
      ),
    ).toMatchObject({ phase: 'pending', ready: false, exitCode: undefined, startedAt: undefined });
    expect(
      inspectToRecord(
        inspect({ Status: 'created', Running: false, ExitCode: 127, Error: 'exec: no such file' }),
      ),
    ).toMatchObject({ phase: 'failed', exitCode: 127, reason: 'ContainerCannotRun' });
    expect(inspectToRecord(inspect({ Status: 'dead', Running: false, Dead: true }))).toMatchObject({
      phase: 'failed',
      reason: 'Dead',
    });
    expect(inspectToRecord(inspect({ Status: 'paused', Paused: true }))).toMatchObject({
      phase: 'running',
      ready: false,
      reason: 'Paused',
    });
    expect(inspectToRecord(inspect({ Status: 'removing' }))).toMatchObject({
      phase: 'running',
      removing: true,
    });
  });
});

describe('records from the list summary', () => {
  const now = Date.parse('2026-01-01T00:10:00.000Z');
  const summary = (State: string, Status: string) =>
    summaryToRecord(
      { Id: 'b'.repeat(64), Created: 1_767_225_600, Labels: labels, State, Status },
      now,
    );

  test('running, with and without health', () => {
    expect(summary('running', 'Up 5 seconds')).toMatchObject({ phase: 'running', ready: true });
    expect(summary('running', 'Up 5 seconds').startedAt?.getTime()).toBe(now - 5_000);
    expect(summary('running', 'Up 2 minutes (health: starting)').ready).toBe(false);
    expect(summary('running', 'Up About a minute (unhealthy)').ready).toBe(false);
    expect(summary('running', 'Up Less than a second (healthy)')).toMatchObject({ ready: true });
    expect(summary('running', 'Up Less than a second (healthy)').startedAt?.getTime()).toBe(now);
  });

  test('exited: exit code from the status line, finishedAt at its lower bound', () => {
    const done = summary('exited', 'Exited (3) 2 minutes ago');
    expect(done).toMatchObject({ phase: 'failed', exitCode: 3, ready: false });
    expect(done.finishedAt?.getTime()).toBe(now - 120_000);
    expect(summary('exited', 'Exited (0) Less than a second ago')).toMatchObject({
      phase: 'succeeded',
      exitCode: 0,
    });
    expect(done.createdAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  test('created, removing, dead', () => {
    expect(summary('created', 'Created')).toMatchObject({ phase: 'pending', ready: false });
    expect(summary('removing', 'Removal In Progress')).toMatchObject({
      phase: 'unknown',
      removing: true,
    });
    expect(summary('dead', 'Dead').phase).toBe('failed');
  });

  test('human durations', () => {
    expect(parseHumanDuration('Less than a second')).toBe(0);
    expect(parseHumanDuration('1 second')).toBe(1_000);
    expect(parseHumanDuration('About a minute')).toBe(60_000);
    expect(parseHumanDuration('About an hour')).toBe(3_600_000);
    expect(parseHumanDuration('3 weeks')).toBe(3 * 7 * 86_400_000);
    expect(parseHumanDuration('soon')).toBeUndefined();
    expect(phaseOf('weird', undefined, undefined)).toBe('unknown');
  });
});
