/**
 * The one store of observations. The watch, the periodic list, the create call's answer and
 * the executor's read-backs all land here, and each becomes the worker's latest observation
 * (one compact object per worker), after which the worker is decided again. A re-list is a
 * full picture: a tracked worker missing from it is gone.
 */

import type { WorkerObservationV1, WorkerRecordV1 } from '../../provider/v1/provider-v1.js';
import { LifecycleState } from '../../state/lifecycle-state.js';
import { BoundedFifo } from '../../util/fifo.js';
import type { Observation } from '../decision/decision-types.js';
import { observationOf } from '../decision/from-record.js';
import type { TrackedWorker } from '../worker/tracked-worker.js';

/** Uids of workers already cleaned up, so a late watch event or a stale list cannot revive them. */
const RECENTLY_GONE = 10_000;

export interface StoreHooks {
  now(): number;
  /** The worker's observation changed: decide again. */
  changed(worker: TrackedWorker): void;
}

export class ObservationStore {
  private readonly goneFifo = new BoundedFifo<string>(RECENTLY_GONE);
  private readonly goneSet = new Set<string>();

  constructor(
    private readonly tracked: ReadonlyMap<string, TrackedWorker>,
    private readonly hooks: StoreHooks,
  ) {}

  /** One event of the provider's watch. Untracked workers are left to the next re-list (adoption). */
  watched(event: WorkerObservationV1): void {
    if (event.type === 'removed') {
      const worker = this.tracked.get(event.workerId);
      if (worker) this.apply(worker, { kind: 'gone', at: this.hooks.now() }, event.uid);
      return;
    }
    const worker = this.tracked.get(event.worker.workerId);
    if (worker) this.apply(worker, observationOf(event.worker, this.hooks.now()), event.worker.uid);
  }

  /** A read-back of one worker: its record, or undefined when it is gone. */
  read(worker: TrackedWorker, record: WorkerRecordV1 | undefined): void {
    if (record && (worker.uid === undefined || record.uid === worker.uid)) {
      this.apply(worker, observationOf(record, this.hooks.now()), record.uid);
    } else {
      // Not there, or another incarnation under the same id: this one is gone.
      this.apply(worker, { kind: 'gone', at: this.hooks.now() }, worker.uid);
    }
  }

  /**
   * The create call returned this record. An observation that came while it ran is applied
   * after it, each decided in turn: either may be the newer one, and neither edge (ready,
   * ended) may be missed.
   */
  created(worker: TrackedWorker, record: WorkerRecordV1): void {
    worker.uid = record.uid;
    const later = worker.observedWhileCreating;
    worker.observedWhileCreating = undefined;
    this.record(worker, observationOf(record, this.hooks.now()));
    this.hooks.changed(worker);
    if (later && (later.kind === 'gone' || later.uid === record.uid)) {
      this.record(worker, later);
      this.hooks.changed(worker);
    }
  }

  /**
   * A full list of the scope. Each tracked worker is present in it or gone, except those whose
   * create returned after the list began (`createdAfter`: their create sequence number is
   * higher), which it may have missed. Returns the records nobody tracks (adoption candidates).
   */
  listed(records: readonly WorkerRecordV1[], createdAfter: number): WorkerRecordV1[] {
    const now = this.hooks.now();
    const byId = new Map(records.map((record) => [record.workerId, record]));
    for (const worker of [...this.tracked.values()]) {
      if (worker.state === LifecycleState.Created && worker.creation === 'pending') continue;
      if (worker.state === LifecycleState.CleanedUp) continue;
      const record = byId.get(worker.workerId);
      if (!record && worker.createdSeq > createdAfter) continue;
      byId.delete(worker.workerId);
      if (record && (worker.uid === undefined || record.uid === worker.uid)) {
        this.apply(worker, observationOf(record, now), record.uid);
      } else {
        this.apply(worker, { kind: 'gone', at: now }, worker.uid);
      }
    }
    return [...byId.values()].filter((record) => !this.goneSet.has(record.uid));
  }

  /** Remembers a cleaned-up worker's uid, so a stale list cannot have it adopted again. */
  forget(worker: TrackedWorker): void {
    if (worker.uid === undefined) return;
    if (this.goneFifo.length >= RECENTLY_GONE) {
      const oldest = this.goneFifo.shift();
      if (oldest !== undefined) this.goneSet.delete(oldest);
    }
    this.goneFifo.push(worker.uid);
    this.goneSet.add(worker.uid);
  }

  private apply(worker: TrackedWorker, observation: Observation, uid: string | undefined): void {
    if (worker.state === LifecycleState.CleanedUp) return;
    if (worker.state === LifecycleState.Created && worker.creation === 'pending') {
      // Kept, and applied once the create call returns (a watch can be faster than create).
      worker.observedWhileCreating = observation;
      return;
    }
    // Another incarnation under the same worker id is not this worker.
    if (uid !== undefined && worker.uid !== undefined && uid !== worker.uid) return;
    if (observation.kind === 'present') worker.uid ??= observation.uid;
    const before = worker.observation;
    this.record(worker, observation);
    // Decided again only when it says something new (a watch repeats itself; a list too).
    if (!sameState(before, observation)) this.hooks.changed(worker);
  }

  private record(worker: TrackedWorker, observation: Observation): void {
    worker.observation = observation;
    if (observation.kind === 'present') {
      worker.lastSeenAt = observation.at;
      if (observation.phase !== 'succeeded' && observation.phase !== 'failed') {
        worker.seenUnfinished = true;
      }
    }
  }
}

/** The same observed state (only when it was observed differs). */
function sameState(a: Observation | undefined, b: Observation): boolean {
  if (a === undefined || a.kind !== b.kind) return false;
  if (a.kind === 'gone' || b.kind === 'gone') return true;
  return (
    a.uid === b.uid &&
    a.phase === b.phase &&
    a.ready === b.ready &&
    a.removing === b.removing &&
    a.exitCode === b.exitCode &&
    a.reason === b.reason &&
    a.finishedAt === b.finishedAt
  );
}
