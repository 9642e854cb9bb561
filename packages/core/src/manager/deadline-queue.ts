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
 * A binary min-heap of deadlines with O(log n) push, pop and removal of any entry, driven by a
 * single clock timer armed for the earliest deadline. Nothing scans every worker on a tick:
 * with n deadlines, scheduling or cancelling one costs O(log n).
 */
export class DeadlineQueue<T> {
  private readonly heap: Deadline<T>[] = [];
  private seq = 0;
  private timer: TimerHandle | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (payload: T) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  schedule(at: number, payload: T): Deadline<T> {
    const deadline: Deadline<T> = { at, payload, index: this.heap.length, seq: this.seq++ };
    this.heap.push(deadline);
    this.siftUp(deadline.index);
    this.arm();
    return deadline;
  }

  /** Cancels a deadline; returns false when it had already fired or been cancelled. */
  cancel(deadline: Deadline<T> | undefined): boolean {
    if (!deadline || deadline.index < 0) return false;
    const index = deadline.index;
    const last = this.heap.pop()!;
    deadline.index = -1;
    if (last !== deadline) {
      this.heap[index] = last;
      last.index = index;
      this.siftDown(index);
      this.siftUp(last.index);
    }
    return true;
  }

  /** Stops the timer for good; pending deadlines are dropped. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (const deadline of this.heap) deadline.index = -1;
    this.heap.length = 0;
  }

  /** Fires every deadline that is due now, earliest first. */
  fireDue(): void {
    const now = this.clock.now();
    for (let head = this.heap[0]; head !== undefined && head.at <= now; head = this.heap[0]) {
      this.cancel(head);
      this.onDue(head.payload);
    }
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const head = this.heap[0];
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

  private less(a: Deadline<T>, b: Deadline<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    a.index = j;
    b.index = i;
  }

  private siftUp(start: number): void {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(start: number): void {
    let i = start;
    const n = this.heap.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.less(this.heap[left]!, this.heap[smallest]!)) smallest = left;
      if (right < n && this.less(this.heap[right]!, this.heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
