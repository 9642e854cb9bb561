import type { Clock, TimerHandle } from '../../clock/clock.js';

/** One scheduled deadline: the handle `schedule` returns and `cancel` takes. */
export interface Deadline<T> {
  readonly at: number;
  readonly payload: T;
  /** @internal its slot in the queue's tables; -1 once it has fired or been cancelled */
  slot: number;
}

/**
 * A 4-ary min-heap of deadlines with O(log n) push, pop and removal of any entry, driven by a
 * single clock timer armed for the earliest deadline. Nothing scans every worker on a tick:
 * with n deadlines, scheduling or cancelling one costs O(log n).
 *
 * Laid out for the cache, since at 100k deadlines memory latency, not comparisons, sets the
 * cost: the heap holds slot numbers with their keys (time, then insertion order) in typed
 * arrays, and each slot's heap position lives in another typed array. A sift reads and writes
 * only those arrays, never the handle objects scattered over the heap; a 4-ary heap halves
 * the levels a sift walks.
 */
export class DeadlineQueue<T> {
  /** Heap order: slot, time and insertion order of the deadline at each position. */
  private heapSlots = new Int32Array(64);
  private keys = new Float64Array(64);
  private seqs = new Float64Array(64);
  /** By slot: the heap position, and the handle. */
  private positions = new Int32Array(64);
  private handles: (Deadline<T> | undefined)[] = [];
  private freeSlots: number[] = [];
  private count = 0;
  private seq = 0;
  private placed = 0;
  private timer: TimerHandle | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (payload: T) => void,
  ) {}

  get size(): number {
    return this.count;
  }

  /**
   * Entries written into heap positions so far (sift steps plus final placements): the work
   * the heap did, counted rather than timed, so benchmarks can show its growth without the
   * noise of a shared machine.
   */
  get heapWrites(): number {
    return this.placed;
  }

  schedule(at: number, payload: T): Deadline<T> {
    const slot = this.freeSlots.pop() ?? this.handles.length;
    const deadline: Deadline<T> = { at, payload, slot };
    this.handles[slot] = deadline;
    if (slot >= this.positions.length) this.positions = grow(this.positions);
    if (this.count === this.heapSlots.length) {
      this.heapSlots = grow(this.heapSlots);
      this.keys = grow(this.keys);
      this.seqs = grow(this.seqs);
    }
    this.count += 1;
    this.siftUp(this.count - 1, slot, at, this.seq++);
    this.arm();
    return deadline;
  }

  /** Cancels a deadline; returns false when it had already fired or been cancelled. */
  cancel(deadline: Deadline<T> | undefined): boolean {
    if (!deadline || deadline.slot < 0 || this.handles[deadline.slot] !== deadline) return false;
    const slot = deadline.slot;
    const index = this.positions[slot]!;
    deadline.slot = -1;
    this.handles[slot] = undefined;
    this.freeSlots.push(slot);
    this.count -= 1;
    if (index < this.count) {
      // Put the last entry in the hole and move it whichever way restores the order.
      const lastSlot = this.heapSlots[this.count]!;
      const lastAt = this.keys[this.count]!;
      const lastSeq = this.seqs[this.count]!;
      if (index > 0 && this.before(lastAt, lastSeq, (index - 1) >> 2)) {
        this.siftUp(index, lastSlot, lastAt, lastSeq);
      } else {
        this.siftDown(index, lastSlot, lastAt, lastSeq);
      }
    }
    return true;
  }

  /** Stops the timer for good; pending deadlines are dropped. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (const deadline of this.handles) if (deadline) deadline.slot = -1;
    this.handles = [];
    this.freeSlots = [];
    this.count = 0;
  }

  /** Fires every deadline that is due now, earliest first. */
  fireDue(): void {
    const now = this.clock.now();
    while (this.count > 0 && this.keys[0]! <= now) {
      const head = this.handles[this.heapSlots[0]!]!;
      this.cancel(head);
      this.onDue(head.payload);
    }
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const at = this.count > 0 ? this.keys[0]! : Number.POSITIVE_INFINITY;
    if (at === this.armedAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.armedAt = at;
    if (this.count === 0) return;
    const delay = at - this.clock.now();
    if (delay <= 0) {
      // Already due: fire on a microtask rather than wait for a timer tick.
      let cancelled = false;
      this.timer = {
        cancel: () => {
          cancelled = true;
        },
      };
      queueMicrotask(() => {
        if (cancelled) return;
        this.timer = undefined;
        this.armedAt = Number.POSITIVE_INFINITY;
        this.fireDue();
      });
      return;
    }
    this.timer = this.clock.setTimer(delay, () => {
      this.timer = undefined;
      this.armedAt = Number.POSITIVE_INFINITY;
      this.fireDue();
    });
  }

  /** Whether (at, seq) comes before the entry at heap position `i`. */
  private before(at: number, seq: number, i: number): boolean {
    const other = this.keys[i]!;
    return at < other || (at === other && seq < this.seqs[i]!);
  }

  private place(i: number, slot: number, at: number, seq: number): void {
    this.heapSlots[i] = slot;
    this.keys[i] = at;
    this.seqs[i] = seq;
    this.positions[slot] = i;
    this.placed += 1;
  }

  /** Moves the hole at `start` up until the entry fits, then puts it there. */
  private siftUp(start: number, slot: number, at: number, seq: number): void {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      if (!this.before(at, seq, parent)) break;
      this.place(i, this.heapSlots[parent]!, this.keys[parent]!, this.seqs[parent]!);
      i = parent;
    }
    this.place(i, slot, at, seq);
  }

  /** Moves the hole at `start` down (4 children per node) until the entry fits. */
  private siftDown(start: number, slot: number, at: number, seq: number): void {
    let i = start;
    const n = this.count;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let best = first;
      const end = Math.min(first + 4, n);
      for (let child = first + 1; child < end; child += 1) {
        if (this.before(this.keys[child]!, this.seqs[child]!, best)) best = child;
      }
      // Stop once the smallest child does not come before the entry being placed.
      const childAt = this.keys[best]!;
      if (childAt > at || (childAt === at && this.seqs[best]! > seq)) break;
      this.place(i, this.heapSlots[best]!, this.keys[best]!, this.seqs[best]!);
      i = best;
    }
    this.place(i, slot, at, seq);
  }
}

function grow<A extends Int32Array | Float64Array>(array: A): A {
  const bigger = new (array.constructor as new (length: number) => A)(array.length * 2);
  bigger.set(array);
  return bigger;
}
