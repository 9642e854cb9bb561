import { expect, test } from 'vitest';
import { definePolicy } from '../../policy/define-policy.js';
import type { WorkerRecordV1 } from '../../provider/v1/provider-v1.js';
import { newTrackedWorker, type TrackedWorker } from '../worker/tracked-worker.js';
import { ObservationStore } from './observation-store.js';

let now = 1_000;
const record = (workerId: string, over: Partial<WorkerRecordV1> = {}): WorkerRecordV1 => ({
  workerId,
  uid: `uid-${workerId}`,
  phase: 'running',
  ready: true,
  exitCode: undefined,
  reason: undefined,
  createdAt: new Date(0),
  startedAt: new Date(0),
  finishedAt: undefined,
  removing: false,
  labels: {},
  annotations: {},
  ...over,
});

function track(tracked: Map<string, TrackedWorker>, workerId: string, createdSeq = 1) {
  const worker = newTrackedWorker({
    workerId,
    uid: `uid-${workerId}`,
    state: 'Ready',
    adopted: false,
    owner: 'a',
    ownedByMe: true,
    policy: definePolicy({}),
    correlationId: 'c',
    createdAt: 0,
    expiresAt: undefined,
    ttlMs: 0,
    creation: 'done',
    seenUnfinished: true,
    now,
  });
  worker.createdSeq = createdSeq;
  tracked.set(workerId, worker);
  return worker;
}

function store() {
  const tracked = new Map<string, TrackedWorker>();
  const changed: string[] = [];
  const s = new ObservationStore(tracked, {
    now: () => now,
    changed: (w) => changed.push(w.workerId),
  });
  return { tracked, changed, store: s };
}

test('a re-list: present or gone for each tracked worker, except creates that returned after it began', () => {
  const { tracked, store: s, changed } = store();
  const a = track(tracked, 'a', 1);
  const b = track(tracked, 'b', 2);
  const c = track(tracked, 'c', 3); // its create returned after the list began (createdAfter 2)
  const d = track(tracked, 'd', 1);
  now = 2_000;
  const untracked = s.listed([record('a'), record('d', { uid: 'uid-other' }), record('x')], 2);
  expect(a.observation).toMatchObject({ kind: 'present', at: 2_000, phase: 'running' });
  expect(b.observation).toEqual({ kind: 'gone', at: 2_000 });
  expect(c.observation).toBeUndefined();
  expect(d.observation).toEqual({ kind: 'gone', at: 2_000 }); // another incarnation: this one is gone
  expect(untracked.map((r) => r.workerId)).toEqual(['x']);
  expect(changed.sort()).toEqual(['a', 'b', 'd']);
});

test('watch events of another incarnation are ignored; a worker cleaned up is never offered for adoption again', () => {
  const { tracked, store: s } = store();
  const a = track(tracked, 'a');
  s.watched({ type: 'upsert', worker: record('a', { uid: 'uid-newer', phase: 'failed' }) });
  s.watched({ type: 'removed', workerId: 'a', uid: 'uid-newer' });
  expect(a.observation).toBeUndefined();
  s.watched({ type: 'upsert', worker: record('a', { phase: 'succeeded', ready: false }) });
  expect(a.observation).toMatchObject({ kind: 'present', phase: 'succeeded' });
  a.state = 'CleanedUp';
  tracked.delete('a');
  s.forget(a);
  expect(s.listed([record('a')], 0)).toEqual([]); // a stale list still shows it
});

test('observations that come while the create call runs are applied after its answer, in turn', () => {
  const { tracked, store: s, changed } = store();
  const w = track(tracked, 'w', 0);
  w.state = 'Created';
  w.creation = 'pending';
  w.uid = undefined;
  s.watched({ type: 'upsert', worker: record('w', { ready: true }) });
  expect(w.observation).toBeUndefined();
  expect(changed).toEqual([]);
  w.creation = 'done';
  s.created(w, record('w', { phase: 'pending', ready: false }));
  expect(w.observation).toMatchObject({ kind: 'present', ready: true });
  expect(changed).toEqual(['w', 'w']); // decided after each
});
