import type { Clock, TimerHandle } from '../clock/clock.js';

/** One scheduled deadline. `index` is its place in the heap, -1 once it has left. */
export interface Deadline<T> {
  readonly at: number;
  readonly payload: T;
  /** @internal heap position */
  index: number;
  /** @internal insertion order, so equal deadlines fire first-in first-out */
  readonly seq: number;
}

/**
 * A 4-ary min-heap of deadlines with O(log n) push, pop and removal of any entry, driven by a
 * single clock timer armed for the earliest deadline. Nothing scans every worker on a tick:
 * with n deadlines, scheduling or cancelling one costs O(log n).
 *
 * The keys (time, then insertion order) live in typed arrays beside the entries, so the
 * comparisons of a sift read contiguous memory; a 4-ary heap halves the levels a sift walks.
 * Both matter at 100k deadlines, where cache misses, not comparisons, set the cost.
 */
export class DeadlineQueue<T> {
  private entries: Deadline<T>[] = [];
  private keys = new Float64Array(64);
  private seqs = new Float64Array(64);
  private count = 0;
  private seq = 0;
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

  schedule(at: number, payload: T): Deadline<T> {
    const deadline: Deadline<T> = { at, payload, index: this.count, seq: this.seq++ };
    if (this.count === this.keys.length) this.grow();
    this.count += 1;
    this.siftUp(this.count - 1, deadline);
    this.arm();
    return deadline;
  }

  /** Cancels a deadline; returns false when it had already fired or been cancelled. */
  cancel(deadline: Deadline<T> | undefined): boolean {
    if (!deadline || deadline.index < 0) return false;
    const index = deadline.index;
    deadline.index = -1;
    this.count -= 1;
    const last = this.entries.pop()!;
    if (index < this.count) {
      // Put the last entry in the hole and move it whichever way restores the order.
      if (index > 0 && this.before(last.at, last.seq, (index - 1) >> 2)) {
        this.siftUp(index, last);
      } else {
        this.siftDown(index, last);
      }
    }
    return true;
  }

  /** Stops the timer for good; pending deadlines are dropped. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (let i = 0; i < this.count; i += 1) this.entries[i]!.index = -1;
    this.entries = [];
    this.count = 0;
  }

  /** Fires every deadline that is due now, earliest first. */
  fireDue(): void {
    const now = this.clock.now();
    for (let head = this.peek(); head !== undefined && head.at <= now; head = this.peek()) {
      this.cancel(head);
      this.onDue(head.payload);
    }
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const head = this.peek();
    const at = head?.at ?? Number.POSITIVE_INFINITY;
    if (at === this.armedAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.armedAt = at;
    if (head === undefined) return;
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

  private peek(): Deadline<T> | undefined {
    return this.count > 0 ? this.entries[0] : undefined;
  }

  /** Whether (at, seq) comes before the entry at heap position `i`. */
  private before(at: number, seq: number, i: number): boolean {
    const other = this.keys[i]!;
    return at < other || (at === other && seq < this.seqs[i]!);
  }

  private place(i: number, deadline: Deadline<T>): void {
    this.entries[i] = deadline;
    this.keys[i] = deadline.at;
    this.seqs[i] = deadline.seq;
    deadline.index = i;
  }

  /** Moves the hole at `start` up until `deadline` fits, then puts it there. */
  private siftUp(start: number, deadline: Deadline<T>): void {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      if (!this.before(deadline.at, deadline.seq, parent)) break;
      this.place(i, this.entries[parent]!);
      i = parent;
    }
    this.place(i, deadline);
  }

  /** Moves the hole at `start` down (4 children per node) until `deadline` fits. */
  private siftDown(start: number, deadline: Deadline<T>): void {
    let i = start;
    const n = this.count;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let best = first;
      const last = Math.min(first + 4, n);
      for (let child = first + 1; child < last; child += 1) {
        if (this.before(this.keys[child]!, this.seqs[child]!, best)) best = child;
      }
      // Stop once the smallest child does not come before the entry being placed.
      const childAt = this.keys[best]!;
      if (childAt > deadline.at || (childAt === deadline.at && this.seqs[best]! > deadline.seq))
        break;
      this.place(i, this.entries[best]!);
      i = best;
    }
    this.place(i, deadline);
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}
